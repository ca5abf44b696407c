import FluentKit
import NIOConcurrencyHelpers
import SQLKit
import SQLiteKit
import SQLiteNIO
import Vapor
import VaporCSQLite

/// The hot write transactions on a SQLite file (a readings submission), run on a connection of our own from
/// `BEGIN IMMEDIATE` to `COMMIT` without leaving the thread (issue 8).
///
/// Through the driver each statement of a transaction hops to a thread-pool thread and back to its event
/// loop, and at the 1st-of-the-month peak the loops are busy with other requests, so a transaction held
/// SQLite's single write lock for as long as its five hops waited in those queues; the server then used
/// under one of its two cores. Here the statements run one after the other in place, and SQLite's write
/// lock is held only for their own work.
///
/// Writers in this process wait their turn at a `SQLiteWriteGate`, in order. A write lock held by anyone
/// else (a driver connection, another process) makes `BEGIN IMMEDIATE` answer «busy» at once (the
/// connection has no busy timeout, so it never sleeps on the event loop); the transaction then sleeps
/// asynchronously and tries again, for up to `lockTimeout` seconds. Rows are read as `SQLiteReaders` reads
/// them, and a statement is kept prepared under its text.
final class SQLiteWriter: Sendable {
    let path: String
    let lockTimeout: Double
    /// `PRAGMA synchronous` of the connection, as the driver's connections have it (`NORMAL` or `FULL`).
    let synchronous: String
    private let gate = SQLiteWriteGate()
    /// Opened on first use; touched only by the writer holding the gate.
    private let connection = NIOLockedValueBox<DirectConnection?>(nil)

    init(path: String, synchronous: String = "NORMAL", lockTimeout: Double = SQLiteBusy.timeout) {
        self.path = path
        self.synchronous = synchronous == "FULL" ? "FULL" : "NORMAL"
        self.lockTimeout = lockTimeout
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(
        on eventLoop: any EventLoop, logger: Logger, _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await gate.run {
            let connection = try self.opened()
            try await begin(connection)
            do {
                let result = try await body(
                    DirectSQLDatabase(connection: connection, eventLoop: eventLoop, logger: logger))
                try connection.execute("COMMIT")
                return result
            } catch {
                // A failed COMMIT has left the transaction open as well.
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Closes the connection (at shutdown).
    func close() {
        connection.withLockedValue { connection in
            connection?.close()
            connection = nil
        }
    }

    private func opened() throws -> DirectConnection {
        try connection.withLockedValue { connection in
            if let connection { return connection }
            let opened = try DirectConnection(path: path, busyTimeoutMilliseconds: 0, readOnly: false)
            try opened.execute("PRAGMA synchronous = \(synchronous)")
            connection = opened
            return opened
        }
    }

    private func begin(_ connection: DirectConnection) async throws {
        try await SQLiteBusy.retry(timeout: lockTimeout) {
            try connection.execute("BEGIN IMMEDIATE", allowBusy: true) == SQLITE_BUSY ? nil : ()
        }
    }
}

/// Waiting for SQLite's single write lock without holding a thread: what is refused as busy is tried again
/// after a pause (200 µs, doubling up to 5 ms) until it goes through or `timeout` seconds have passed.
enum SQLiteBusy {
    /// How long a write waits for the lock: the writer's `BEGIN IMMEDIATE`, a retried transaction, and the
    /// driver's connections' own busy timeout (`configure`).
    static let timeout: Double = 10

    /// The first result of `attempt` that is not nil (nil: busy, try again); «database is locked» after `timeout`.
    static func retry<T>(timeout: Double, _ attempt: () async throws -> T?) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
        var pause = Duration.microseconds(200)
        while true {
            if let result = try await attempt() { return result }
            guard clock.now < deadline else { throw DirectSQLiteError(message: "database is locked") }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(5))
        }
    }
}

/// A `SQLDatabase` whose queries run at once on one `DirectConnection`: the transaction of a `SQLiteWriter`.
struct DirectSQLDatabase: SQLDatabase {
    let connection: DirectConnection
    let eventLoop: any EventLoop
    let logger: Logger

    var dialect: any SQLDialect { SQLiteDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        for row in try connection.rows(query, writtenFor: self) { onRow(row) }
    }
}

/// Writers of this process in the order they came, one at a time; the next one is resumed as soon as the
/// one before it is done.
final class SQLiteWriteGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())

    /// Runs `body` once the writers before it are done.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let free = state.withLockedValue { state in
            if state.busy { return false }
            state.busy = true
            return true
        }
        if free { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state in
                // Released between the check above and now: take the gate.
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            // The gate passes straight to the next writer, still busy.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Application {
    private struct SQLiteWriterKey: StorageKey { typealias Value = SQLiteWriter }

    /// The writer of the SQLite file, if the database is one.
    var sqliteWriter: SQLiteWriter? {
        get { storage[SQLiteWriterKey.self] }
        set { storage[SQLiteWriterKey.self] = newValue }
    }
}

extension Request {
    /// A write transaction of a hot path: on a SQLite file it runs on `SQLiteWriter`, elsewhere it is the
    /// driver's transaction.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws
        -> T
    {
        guard let writer = application.sqliteWriter else { return try await db.transaction { try await body($0.sql) } }
        return try await writer.transaction(on: eventLoop, logger: logger, body)
    }
}

extension Database {
    /// A write transaction that, on SQLite, is run again when SQLite refuses it as busy (`SQLiteBusy`);
    /// elsewhere Fluent's transaction. `body` may therefore run more than once and must do nothing but its
    /// statements; a Fluent model it creates, updates or deletes must be made in it (a model made outside
    /// would keep what the rolled-back attempt did to it: `create` traps on a model it thinks saved, and
    /// `update` skips one it thinks unchanged). Transactions whose first statement writes wait for the lock
    /// in SQLite's busy timeout instead; this is for those that read first.
    ///
    /// Fluent's SQLite transaction begins a deferred one, which takes the write lock at its first write. If
    /// another connection committed after the transaction's first read, SQLite refuses the write at once
    /// («database is locked»: a snapshot older than the last commit cannot be written), without waiting for
    /// the busy timeout, and the request failed: billing sending batches in parallel got a 500 for about every
    /// other one. `BEGIN IMMEDIATE` would wait instead, but in SQLite's busy handler, on a thread of the pool
    /// the driver's connections share, where the transaction holding the lock may be waiting for a thread.
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
