#include "CSQLiteConfig.h"

// The vendored SQLite (SQLiteNIO's VaporCSQLite) prefixes its API with `sqlite_nio_`. Its header is not
// exported to this package, so the two declarations this file needs are written here.
typedef struct sqlite3 sqlite3;
int sqlite_nio_sqlite3_db_config(sqlite3 *, int op, ...);
#define LKK_SQLITE_DBCONFIG_ENABLE_QPSG 1007

int lkk_sqlite_enable_qpsg(void *db) {
    int enabled = 0;
    return sqlite_nio_sqlite3_db_config((sqlite3 *)db, LKK_SQLITE_DBCONFIG_ENABLE_QPSG, 1, &enabled);
}
