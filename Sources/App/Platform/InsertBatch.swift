import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Inserts that are stored together or not at all, sent to PostgreSQL as one statement: `WITH w0 AS (INSERT …),
/// w1 AS (INSERT …) INSERT …`. A statement is atomic by itself, so this is one round trip where a transaction
/// took one per insert plus `BEGIN` and `COMMIT` (a readings submission made five; issue 8). Its parts run on
/// one snapshot and none sees another's rows, which is why only inserts may be batched: a part that read
/// would read without them. Anything but an `SQLInsert` written to the batch throws.
enum InsertBatch {
    /// More binds than this (PostgreSQL takes at most 65,535 in a statement) go as a transaction instead.
    static let maxBinds = 30_000

    struct NotAnInsert: Error, CustomStringConvertible {
        var description: String { "only inserts without a WITH or a RETURNING of their own can be batched" }
    }

    /// Collects `body`'s inserts and runs them on `sql` as one statement, or hands them to `transaction` when
    /// they carry more than `maxBinds` values.
    static func run(
        on sql: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> Void,
        transaction: @Sendable ([any SQLExpression]) async throws -> Void
    ) async throws {
        let collector = Collector(sql)
        try await body(collector)
        let inserts = collector.inserts
        guard !inserts.isEmpty else { return }
        let binds = inserts.reduce(0) { sum, insert in sum + insert.values.reduce(0) { $0 + $1.count } }
        if binds > maxBinds {
            try await transaction(inserts)
        } else {
            try await sql.execute(sql: Combined(inserts: inserts)) { _ in }
        }
    }

    /// `WITH w0 AS (first), w1 AS (second) … last`.
    struct Combined: SQLExpression {
        let inserts: [SQLInsert]

        func serialize(to serializer: inout SQLSerializer) {
            for (index, insert) in inserts.dropLast().enumerated() {
                serializer.write(index == 0 ? "WITH " : ", ")
                serializer.write("w\(index) AS (")
                insert.serialize(to: &serializer)
                serializer.write(")")
            }
            serializer.write(" ")
            inserts.last?.serialize(to: &serializer)
        }
    }

    /// An `SQLDatabase` that keeps the inserts written to it instead of running them.
    final class Collector: SQLDatabaseWrapper, Sendable {
        let base: any SQLDatabase
        private let kept = NIOLockedValueBox<[SQLInsert]>([])
        var inserts: [SQLInsert] { kept.withLockedValue { $0 } }

        init(_ base: any SQLDatabase) { self.base = base }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
            -> EventLoopFuture<Void>
        {
            do {
                try keep(query)
                return eventLoop.makeSucceededVoidFuture()
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
            try keep(query)
        }

        /// A part of the batch is a plain insert: no rows come back from it, and it has no `WITH` to nest.
        private func keep(_ query: any SQLExpression) throws {
            guard let insert = query as? SQLInsert, insert.returning == nil, insert.tableExpressionGroup == nil
            else { throw NotAnInsert() }
            kept.withLockedValue { $0.append(insert) }
        }
    }
}

extension Request {
    /// Inserts of a hot path stored together: on a SQLite file in a `SQLiteWriter` transaction, on PostgreSQL as
    /// one statement (`InsertBatch`), elsewhere in the driver's transaction.
    func writeInserts(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let sql = db.sql
        guard application.sqliteWriter == nil, sql.dialect.name == "postgresql" else {
            return try await writeTransaction(body)
        }
        let db = self.db
        try await InsertBatch.run(on: sql, body) { inserts in
            try await db.transaction { transaction in
                for insert in inserts { try await transaction.sql.execute(sql: insert) { _ in } }
            }
        }
    }
}
