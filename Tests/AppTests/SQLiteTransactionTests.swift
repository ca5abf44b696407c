import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing

@testable import App

/// SQLite's refusal of a transaction that read before another connection's commit, and the write
/// transaction that avoids it (`Database.writeTransaction`). PostgreSQL has no such refusal.
@Suite(.enabled(if: TestDatabase.postgresURL == nil, "SQLite only"))
struct SQLiteTransactionTests {
    static func audited(_ world: TestWorld, _ action: String) async throws -> Int {
        try await world.app.db.sql.raw("SELECT count(*) AS n FROM audit_log WHERE action = \(bind: action)").first()!
            .decode(column: "n", as: Int.self)
    }

    static func record(_ action: String, _ world: TestWorld, on sql: any SQLDatabase) async throws {
        try await AuditLog.record(action, actor: "system", at: world.clock.now(), on: sql)
    }

    /// A transaction that reads, then meets another connection's commit, then writes: SQLite refuses the
    /// write at once (the snapshot is older than the commit), and Fluent's transaction fails. A write
    /// transaction holds the lock from its start: the other connection's write waits until it commits.
    @Test func aTransactionThatReadsFirstHoldsTheWriteLockFromItsStart() async throws {
        try await withPortal { world in
            let loops = Array(world.app.eventLoopGroup.makeIterator())
            try #require(loops.count >= 2, "the driver has a connection per event loop")
            @Sendable func elsewhere(_ tx: any Database) -> any SQLDatabase {
                let other = loops.first { $0 !== tx.eventLoop } ?? loops[0]
                return world.app.databases.database(.sqlite, logger: world.app.logger, on: other)!.sql
            }
            await #expect(throws: (any Error).self, "Fluent's transaction is refused") {
                try await world.app.db.transaction { tx in
                    _ = try await tx.sql.raw("SELECT count(*) AS n FROM audit_log").first()
                    try await Self.record("between", world, on: elsewhere(tx))
                    try await Self.record("plain", world, on: tx.sql)
                }
            }
            #expect(try await Self.audited(world, "plain") == 0)

            let other = NIOLockedValueBox<Task<Void, any Error>?>(nil)
            try await world.app.db.writeTransaction { tx in
                _ = try await tx.sql.raw("SELECT count(*) AS n FROM audit_log").first()
                let sql = elsewhere(tx)
                other.withLockedValue { $0 = Task { try await Self.record("waited", world, on: sql) } }
                try await Task.sleep(for: .milliseconds(300))
                try await Self.record("written", world, on: tx.sql)
            }
            try await other.withLockedValue { $0 }?.value
            let order = try await world.app.db.sql.raw(
                "SELECT action FROM audit_log WHERE action IN ('written', 'waited') ORDER BY rowid"
            ).all().map { try $0.decode(column: "action", as: String.self) }
            #expect(order == ["written", "waited"])
        }
    }
}
