#ifndef LKK_CSQLITECONFIG_H
#define LKK_CSQLITECONFIG_H

/// Turns on SQLite's query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) for the connection
/// `db` (a `sqlite3 *` of the vendored SQLite that SQLiteNIO links): a prepared statement keeps its plan
/// whatever values are bound, instead of being compiled again when a bound value might change the plan.
/// `sqlite3_db_config` takes variable arguments, which Swift cannot call; this is the one call we need.
/// Returns SQLite's result code.
int lkk_sqlite_enable_qpsg(void *db);

#endif
