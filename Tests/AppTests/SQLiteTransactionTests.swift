import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing

@testable import App

/// SQLite's refusal of a transaction that read before another connection's commit, and the retrying
/// transaction that answers it (`Database.retryingTransaction`). PostgreSQL has no such refusal.
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
    /// write at once (the snapshot is older than the commit). Fluent's transaction fails; the retrying one
    /// runs its body again and stores it.
    @Test func aTransactionThatReadsFirstIsRunAgainWhenAnotherCommitCameBetween() async throws {
        try await withPortal { world in
            let loops = Array(world.app.eventLoopGroup.makeIterator())
            try #require(loops.count >= 2, "the driver has a connection per event loop")
            let attempts = NIOLockedValueBox(0)
            /// Reads, lets another loop's connection commit on the first attempt only, then writes.
            @Sendable func body(_ tx: any Database, _ action: String) async throws {
                let attempt = attempts.withLockedValue { count in
                    count += 1
                    return count
                }
                _ = try await tx.sql.raw("SELECT count(*) AS n FROM audit_log").first()
                if attempt == 1 {
                    let other = loops.first { $0 !== tx.eventLoop } ?? loops[0]
                    let elsewhere = world.app.databases.database(.sqlite, logger: world.app.logger, on: other)!
                    try await Self.record("between", world, on: elsewhere.sql)
                }
                try await Self.record(action, world, on: tx.sql)
            }
            await #expect(throws: (any Error).self, "Fluent's transaction is refused") {
                try await world.app.db.transaction { try await body($0, "plain") }
            }
            #expect(try await Self.audited(world, "plain") == 0)
            attempts.withLockedValue { $0 = 0 }
            try await world.app.db.retryingTransaction { try await body($0, "retried") }
            #expect(attempts.withLockedValue { $0 } == 2)
            #expect(try await Self.audited(world, "retried") == 1)
            #expect(try await Self.audited(world, "between") == 2)
        }
    }
}
