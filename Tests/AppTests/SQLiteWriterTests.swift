import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing

@testable import App

/// The hot write transactions on a SQLite file, run on a connection of our own (issue 8).
@Suite struct SQLiteWriterTests {
    struct Failure: Error {}

    static func audited(_ world: TestWorld, _ action: String) async throws -> Int {
        try await world.app.db.sql.raw("SELECT count(*) AS n FROM audit_log WHERE action = \(bind: action)").first()!
            .decode(column: "n", as: Int.self)
    }

    static func record(_ action: String, _ world: TestWorld, on sql: any SQLDatabase) async throws {
        try await AuditLog.record(action, actor: "system", at: world.clock.now(), on: sql)
    }

    @Test func aTransactionIsCommittedWhenItReturnsAndRolledBackWhenItThrows() async throws {
        try await withPortal { world in
            guard let writer = world.app.sqliteWriter else { return }  // PostgreSQL
            let loop = world.app.eventLoopGroup.any()
            let inserted = try await writer.transaction(on: loop, logger: world.app.logger) { sql in
                try await Self.record("writer.kept", world, on: sql)
                try await Self.record("writer.kept", world, on: sql)
                // Its own writes are seen inside it.
                return try await sql.raw("SELECT count(*) AS n FROM audit_log WHERE action = 'writer.kept'").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(inserted == 2)
            #expect(try await Self.audited(world, "writer.kept") == 2, "committed, seen by the driver")

            await #expect(throws: Failure.self) {
                try await writer.transaction(on: loop, logger: world.app.logger) { sql in
                    try await Self.record("writer.dropped", world, on: sql)
                    throw Failure()
                }
            }
            #expect(try await Self.audited(world, "writer.dropped") == 0, "rolled back")
            // A statement that fails rolls the whole transaction back, and the writer goes on.
            await #expect(throws: (any Error).self) {
                try await writer.transaction(on: loop, logger: world.app.logger) { sql in
                    try await Self.record("writer.dropped", world, on: sql)
                    try await sql.raw("INSERT INTO no_such_table VALUES (1)").run()
                }
            }
            #expect(try await Self.audited(world, "writer.dropped") == 0)
            try await writer.transaction(on: loop, logger: world.app.logger) { sql in
                try await Self.record("writer.after", world, on: sql)
            }
            #expect(try await Self.audited(world, "writer.after") == 1)
        }
    }

    /// A transaction that reads, then meets another connection's commit, then writes: SQLite refuses the write
    /// at once (the snapshot is older than the commit). Fluent's transaction fails; the retrying one runs its
    /// body again and stores it.
    @Test func aTransactionThatReadsFirstIsRunAgainWhenAnotherCommitCameBetween() async throws {
        try await withPortal { world in
            guard let writer = world.app.sqliteWriter else { return }  // PostgreSQL has no such refusal
            let loop = world.app.eventLoopGroup.any()
            let attempts = NIOLockedValueBox(0)
            /// Reads, lets the writer's connection commit on the first attempt only, then writes.
            @Sendable func body(_ tx: any Database, _ action: String) async throws {
                let attempt = attempts.withLockedValue { count in
                    count += 1
                    return count
                }
                _ = try await tx.sql.raw("SELECT count(*) AS n FROM audit_log").first()
                if attempt == 1 {
                    try await writer.transaction(on: loop, logger: world.app.logger) { sql in
                        try await Self.record("between", world, on: sql)
                    }
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

    @Test func concurrentTransactionsAreAllStoredOneAtATime() async throws {
        try await withPortal { world in
            guard let writer = world.app.sqliteWriter else { return }
            let inside = NIOLockedValueBox((now: 0, most: 0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<60 {
                    group.addTask {
                        try await writer.transaction(on: world.app.eventLoopGroup.any(), logger: world.app.logger) {
                            sql in
                            inside.withLockedValue {
                                $0.now += 1; $0.most = max($0.most, $0.now)
                            }
                            try await Self.record("writer.many", world, on: sql)
                            await Task.yield()
                            inside.withLockedValue { $0.now -= 1 }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Self.audited(world, "writer.many") == 60)
            #expect(inside.withLockedValue { $0.most } == 1, "one transaction at a time")
        }
    }

    @Test func aWriteLockHeldElsewhereIsWaitedForWithoutBlockingAndForAtMostTheTimeout() async throws {
        try await withPortal { world in
            guard let path = world.app.sqliteWriter?.path else { return }
            let patient = SQLiteWriter(path: path, lockTimeout: 10)
            let hasty = SQLiteWriter(path: path, lockTimeout: 0.2)
            defer {
                patient.close()
                hasty.close()
            }
            let loop = world.app.eventLoopGroup.any()
            let holding = NIOLockedValueBox(false)
            // A driver transaction takes the write lock and keeps it for 0.8 s.
            async let held: Void = world.app.db.transaction { tx in
                try await Self.record("driver.held", world, on: tx.sql)
                holding.withLockedValue { $0 = true }
                try await Task.sleep(for: .milliseconds(800))
            }
            while !holding.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            let start = ContinuousClock.now
            await #expect(throws: DirectSQLiteError.self) {
                try await hasty.transaction(on: loop, logger: world.app.logger) { sql in
                    try await Self.record("writer.hasty", world, on: sql)
                }
            }
            let gaveUp = ContinuousClock.now - start
            #expect(gaveUp >= .milliseconds(200) && gaveUp < .milliseconds(700), "\(gaveUp)")
            try await patient.transaction(on: loop, logger: world.app.logger) { sql in
                try await Self.record("writer.patient", world, on: sql)
            }
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(600), "it went on only after the driver's commit: \(waited)")
            try await held
            #expect(try await Self.audited(world, "driver.held") == 1)
            #expect(try await Self.audited(world, "writer.patient") == 1)
            #expect(try await Self.audited(world, "writer.hasty") == 0)
        }
    }
}
