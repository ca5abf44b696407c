import FluentKit
import SQLKit

/// Waiting for SQLite's single write lock.
///
/// Each connection of the driver has SQLite's busy timeout (`configure`), so a statement that writes waits
/// for the lock there. A deferred transaction that reads first takes the lock only at its first write; if
/// another connection committed after that read, SQLite refuses the write at once («database is locked»: a
/// snapshot older than the last commit cannot be written), without waiting. Transactions therefore go
/// through `Database.writeTransaction`, which takes the lock before the first read.
enum SQLiteBusy {
    /// How long a write waits for the lock (the connections' busy timeout).
    static let timeout: Double = 10
}

extension Database {
    /// The transaction of writes that belong together. On SQLite its first statement takes the write lock (a
    /// write that changes nothing still takes it, waiting in the busy timeout), so no other connection can
    /// commit between its reads and its writes; `body` must use only the `Database` it is given, since a
    /// write through another connection would wait for this one. Elsewhere, and inside a transaction,
    /// Fluent's transaction.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        try await transaction { tx in
            if tx.sql.dialect.name == "sqlite" {
                try await tx.sql.raw("DELETE FROM jobs WHERE 0").run()
            }
            return try await body(tx)
        }
    }
}

extension SQLDatabase {
    /// The next number of `table`'s `number` column (`MAX + 1`), for a row written in a
    /// `conflictRetryingTransaction`, whose unique index settles two rows taking the same number.
    func nextNumber(in table: String) async throws -> Int64 {
        let last = try await raw("SELECT MAX(number) AS n FROM \(ident: table)").first()
        return (try last?.decode(column: "n", as: Int64?.self) ?? 0) + 1
    }
}

extension Database {
    /// A `writeTransaction` run again (up to three times) when a unique index refused it because another
    /// transaction committed the same key first — the next number of a table (`MAX(number) + 1`), the one
    /// «Администратор» of a contract.
    func conflictRetryingTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        var attempt = 0
        while true {
            do {
                return try await writeTransaction(body)
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 3 {
                attempt += 1
            }
        }
    }
}
