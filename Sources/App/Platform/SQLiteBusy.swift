import FluentKit
import SQLKit
import SQLiteNIO

/// Waiting for SQLite's single write lock.
///
/// Each connection of the driver has SQLite's busy timeout (`configure`), so a transaction whose first
/// statement writes waits for the lock there. A deferred transaction that reads first takes the lock at its
/// first write; if another connection committed after that read, SQLite refuses the write at once («database
/// is locked»: a snapshot older than the last commit cannot be written), without waiting. Such transactions
/// go through `Database.retryingTransaction`, which runs them again.
enum SQLiteBusy {
    /// How long a write waits for the lock: the connections' busy timeout and a retried transaction's limit.
    static let timeout: Double = 10

    /// The first result of `attempt` that is not nil (nil: busy, try again), pausing 200 µs, doubling up to
    /// 5 ms, between attempts; «database is locked» after `timeout` seconds.
    static func retry<T>(timeout: Double, _ attempt: () async throws -> T?) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
        var pause = Duration.microseconds(200)
        while true {
            if let result = try await attempt() { return result }
            guard clock.now < deadline else { throw SQLiteBusyError() }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(5))
        }
    }
}

struct SQLiteBusyError: Error, CustomStringConvertible {
    var description: String { "database is locked" }
}

extension Database {
    /// A write transaction that, on SQLite, is run again when SQLite refuses it as busy (`SQLiteBusy`);
    /// elsewhere Fluent's transaction. `body` may therefore run more than once and must do nothing but its
    /// statements; a Fluent model it creates, updates or deletes must be made in it (a model made outside
    /// would keep what the rolled-back attempt did to it).
    func retryingTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        guard sql.dialect.name == "sqlite" else { return try await transaction { try await body($0) } }
        return try await SQLiteBusy.retry(timeout: SQLiteBusy.timeout) { () async throws -> T? in
            do {
                return try await transaction { try await body($0) }
            } catch let error as SQLiteError where [.busy, .busyInSnapshot, .busyInRecovery].contains(error.reason) {
                return nil
            }
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
    /// A transaction run again (up to three times) when a unique index refused it because another
    /// transaction committed the same key first — the next number of a table (`MAX(number) + 1`), the one
    /// «Администратор» of a contract — and on SQLite when the write is refused as busy.
    func conflictRetryingTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        var attempt = 0
        while true {
            do {
                return try await retryingTransaction(body)
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 3 {
                attempt += 1
            }
        }
    }
}
