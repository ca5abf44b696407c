import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor

@testable import App

/// Counts runs of a job kind and can fail the first ones.
final class Probe: Sendable {
    let runs = NIOLockedValueBox(0)
    let failFirst: Int
    init(failFirst: Int = 0) { self.failFirst = failFirst }

    var count: Int { runs.withLockedValue { $0 } }

    func handler() -> JobHandler {
        { [self] _ in
            let run = runs.withLockedValue { value -> Int in
                value += 1
                return value
            }
            if run <= failFirst { throw Abort(.internalServerError, reason: "handler crashed on run \(run)") }
        }
    }
}

@Suite struct JobTests {
    func status(_ world: TestWorld, _ id: UUID) async throws -> (status: String, attempts: Int, runAt: Date) {
        let row = try await world.app.db.sql.select().columns("status", "attempts", "run_at").from("jobs")
            .where("id", .equal, id).first()
        let found = try #require(row)
        return (
            try found.decode(column: "status", as: String.self), try found.decode(column: "attempts", as: Int.self),
            try found.decode(column: "run_at", as: Date.self)
        )
    }

    @Test func failingJobIsRetriedWithBackoffThenSucceedsOnce() async throws {
        try await withPortal { world in
            let probe = Probe(failFirst: 2)
            world.app.portal.jobs.register("test.flaky", probe.handler())
            let id = try await JobQueue.enqueue("test.flaky", runAt: world.clock.now(), on: world.app.db)
            let worker = JobWorker(application: world.app)

            #expect(try await worker.runNext())
            var state = try await status(world, id)
            #expect(state.status == "queued")
            #expect(state.attempts == 1)
            #expect(state.runAt == world.clock.now().addingTimeInterval(JobQueue.backoff(attempt: 1)))
            #expect(try await worker.runNext() == false, "not due before the backoff")

            world.clock.advance(JobQueue.backoff(attempt: 1))
            #expect(try await worker.runNext())
            #expect(try await status(world, id).status == "queued")
            world.clock.advance(JobQueue.backoff(attempt: 2))
            #expect(try await worker.runNext())
            state = try await status(world, id)
            #expect(state.status == "done")
            #expect(probe.count == 3)

            // A job that succeeded never runs again, however long we wait.
            world.clock.advance(86400)
            try await worker.drain()
            #expect(probe.count == 3)
        }
    }

    @Test func jobGivesUpAfterMaxAttempts() async throws {
        try await withPortal { world in
            let probe = Probe(failFirst: 100)
            world.app.portal.jobs.register("test.broken", probe.handler())
            let id = try await JobQueue.enqueue(
                "test.broken", runAt: world.clock.now(), maxAttempts: 3, on: world.app.db)
            let worker = JobWorker(application: world.app)
            for _ in 0..<5 {
                try await worker.drain()
                world.clock.advance(3600)
            }
            #expect(probe.count == 3)
            #expect(try await status(world, id).status == "failed")
        }
    }

    @Test func jobOfAWorkerThatDiedMidwayRunsAgainAfterItsLease() async throws {
        try await withPortal { world in
            let probe = Probe()
            world.app.portal.jobs.register("test.crash", probe.handler())
            let id = try await JobQueue.enqueue("test.crash", runAt: world.clock.now(), on: world.app.db)
            // A worker claims the job and dies before finishing it.
            let claimed = try await JobQueue.claim(worker: "dead-worker", now: world.clock.now(), on: world.app.db)
            #expect(claimed?.id == id)
            let survivor = JobWorker(application: world.app)
            #expect(try await survivor.runNext() == false, "the lease still holds")
            world.clock.advance(JobQueue.lease + 1)
            #expect(try await survivor.runNext())
            #expect(probe.count == 1)
            let state = try await status(world, id)
            #expect(state.status == "done")
            #expect(state.attempts == 2)
            // The dead worker coming back cannot mark it again or reopen it.
            try await JobQueue.markFailed(
                claimed!, worker: "dead-worker", error: "late", now: world.clock.now(), on: world.app.db)
            #expect(try await status(world, id).status == "done")
        }
    }

    @Test func transactionalJobCommitsItsWorkAndCompletionTogether() async throws {
        try await withPortal { world in
            let runs = NIOLockedValueBox(0)
            world.app.portal.jobs.register("test.tx") { context in
                let run = runs.withLockedValue { value -> Int in
                    value += 1
                    return value
                }
                try await context.transaction { tx in
                    try await AuditLog.record(
                        "test.write", actor: "system", subject: "run \(run)", at: context.now, on: tx)
                    if run == 1 { throw Abort(.internalServerError, reason: "crash after writing") }
                }
            }
            try await JobQueue.enqueue("test.tx", runAt: world.clock.now(), on: world.app.db)
            let worker = JobWorker(application: world.app)
            try await worker.drain()
            #expect(try await world.count("audit_log") == 0, "the crashed run's write was rolled back")
            world.clock.advance(3600)
            try await worker.drain()
            #expect(try await AuditLog.recent(on: world.app.db).map(\.subject) == ["run 2"])
            #expect(try await world.count("jobs", where: "status = 'done'") == 1)
        }
    }

    @Test func twoWorkersNeverRunTheSameJob() async throws {
        try await withPortal { world in
            let probe = Probe()
            world.app.portal.jobs.register("test.many", probe.handler())
            for _ in 0..<20 { try await JobQueue.enqueue("test.many", runAt: world.clock.now(), on: world.app.db) }
            let a = JobWorker(application: world.app)
            let b = JobWorker(application: world.app)
            async let first: Void = a.drain()
            async let second: Void = b.drain()
            _ = try await (first, second)
            #expect(probe.count == 20)
            #expect(try await world.count("jobs", where: "status = 'done' AND attempts = 1") == 20)
        }
    }
}
