import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// What a job handler is given.
public struct JobContext: Sendable {
    public let id: UUID
    public let kind: String
    public let payload: String
    /// 1 for the first run.
    public let attempt: Int
    public let application: Application
    public var db: Database { application.db }
    public var logger: Logger { application.logger }
    public var now: Date { application.portal.clock.now() }
    let workerID: String

    /// Runs `body` in a transaction that also marks the job done, so its changes and its completion
    /// commit together: a job whose transaction committed never runs again.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        let (id, worker, now) = (id, workerID, now)
        return try await db.writeTransaction { tx in
            let result = try await body(tx)
            try await JobQueue.markDone(id, worker: worker, now: now, on: tx)
            return result
        }
    }
}

public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// The handlers of each kind of job.
public final class JobRegistry: Sendable {
    private let handlers = NIOLockedValueBox<[String: JobHandler]>([:])

    public init() {}

    public func register(_ kind: String, _ handler: @escaping JobHandler) {
        handlers.withLockedValue { $0[kind] = handler }
    }

    func handler(for kind: String) -> JobHandler? { handlers.withLockedValue { $0[kind] } }
}

/// The `jobs` table: enqueue, claim, finish.
public enum JobQueue {
    /// How long a claim holds before another worker may take the job over (its worker is presumed dead).
    public static let lease: TimeInterval = 300

    /// Adds a job; pass the transaction of the action that causes it so both commit or neither.
    @discardableResult
    public static func enqueue(
        _ kind: String, payload: String = "", runAt: Date, maxAttempts: Int = 8, on db: Database
    ) async throws -> UUID {
        let id = UUID()
        try await db.sql.insert(into: "jobs")
            .columns("id", "kind", "payload", "status", "attempts", "max_attempts", "run_at", "created_at")
            .values(
                SQLBind(id), SQLBind(kind), SQLBind(payload), SQLBind("queued"), SQLBind(0), SQLBind(maxAttempts),
                SQLBind(runAt), SQLBind(runAt)
            )
            .run()
        return id
    }

    struct Claimed {
        let id: UUID
        let kind: String
        let payload: String
        let attempts: Int
        let maxAttempts: Int
    }

    /// Takes the oldest due job (or one whose worker's lease ran out). On PostgreSQL, concurrent workers
    /// skip each other's rows with `FOR UPDATE SKIP LOCKED`; SQLite serialises writers by itself.
    static func claim(worker: String, now: Date, on db: Database) async throws -> Claimed? {
        let sql = db.sql
        let lockClause = sql.dialect.name == "postgresql" ? SQLRaw(" FOR UPDATE SKIP LOCKED") : SQLRaw("")
        let row = try await sql.raw(
            """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = \(bind: now.addingTimeInterval(lease)),
                locked_by = \(bind: worker)
            WHERE id = (SELECT id FROM jobs
                WHERE (status = 'queued' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now))
                ORDER BY run_at LIMIT 1\(lockClause))
            RETURNING id, kind, payload, attempts, max_attempts
            """
        ).first()
        guard let row else { return nil }
        return Claimed(
            id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self))
    }

    static func markDone(_ id: UUID, worker: String, now: Date, on db: Database) async throws {
        try await db.sql.update("jobs")
            .set("status", to: "done").set("finished_at", to: now).set("locked_until", to: SQLLiteral.null)
            .where("id", .equal, id).where("locked_by", .equal, worker).where("status", .equal, "running")
            .run()
    }

    /// After a failure: back to the queue with exponential backoff, or `failed` after the last attempt.
    static func markFailed(_ job: Claimed, worker: String, error: String, now: Date, on db: Database) async throws {
        let final = job.attempts >= job.maxAttempts
        let delay = backoff(attempt: job.attempts)
        try await db.sql.update("jobs")
            .set("status", to: final ? "failed" : "queued")
            .set("run_at", to: now.addingTimeInterval(delay))
            .set("last_error", to: String(error.prefix(2000)))
            .set("locked_until", to: SQLLiteral.null)
            .set("finished_at", to: final ? SQLBind(now) : SQLBind(Date?.none))
            .where("id", .equal, job.id).where("locked_by", .equal, worker)
            .run()
    }

    /// 10 s, 20 s, 40 s … capped at one hour.
    public static func backoff(attempt: Int) -> TimeInterval {
        min(3600, 10 * pow(2, Double(max(0, attempt - 1))))
    }

    /// Jobs waiting to run (for /metrics).
    static func depth(on db: Database) async throws -> Int {
        let row = try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Finished jobs older than a week go.
    static func sweep(on db: Database, now: Date) async throws {
        try await db.sql.delete(from: "jobs")
            .where("status", .in, ["done", "failed"]).where(
                "finished_at", .lessThan, now.addingTimeInterval(-7 * 86400)
            )
            .run()
    }
}

/// Runs jobs one at a time until stopped. `serve` starts one; `lkk jobs` runs only this.
public final class JobWorker: Sendable {
    let application: Application
    let id: String
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(application: Application) {
        self.application = application
        id =
            "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Claims and runs one due job; returns whether there was one.
    @discardableResult
    public func runNext() async throws -> Bool {
        let now = application.portal.clock.now()
        guard let job = try await JobQueue.claim(worker: id, now: now, on: application.db) else { return false }
        let context = JobContext(
            id: job.id, kind: job.kind, payload: job.payload, attempt: job.attempts, application: application,
            workerID: id)
        do {
            guard let handler = application.portal.jobs.handler(for: job.kind) else {
                throw Abort(.internalServerError, reason: "no handler for job kind \(job.kind)")
            }
            try await handler(context)
            try await JobQueue.markDone(job.id, worker: id, now: application.portal.clock.now(), on: application.db)
            application.portal.metrics.jobFinished(kind: job.kind, succeeded: true)
        } catch {
            application.logger.warning(
                "job \(job.kind) \(job.id) attempt \(job.attempts) failed: \(String(reflecting: error))")
            try await JobQueue.markFailed(
                job, worker: id, error: String(describing: error), now: application.portal.clock.now(),
                on: application.db)
            application.portal.metrics.jobFinished(kind: job.kind, succeeded: false)
        }
        return true
    }

    /// Runs every due job, then returns (used by tests and `lkk jobs --once`).
    public func drain(limit: Int = 1000) async throws {
        var count = 0
        while count < limit, try await runNext() { count += 1 }
    }

    /// Starts the loop in the background.
    public func start() {
        let interval = application.portal.config.jobPollInterval
        let newTask = Task { [self] in
            var lastSweep = Date.distantPast
            while !Task.isCancelled {
                do {
                    if Date().timeIntervalSince(lastSweep) > 600 {
                        try await Housekeeping.run(application)
                        lastSweep = Date()
                    }
                    if try await runNext() { continue }
                } catch {
                    application.logger.error("jobs worker: \(String(reflecting: error))")
                }
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
            }
        }
        task.withLockedValue { $0 = newTask }
    }

    public func stop() async {
        let running = task.withLockedValue { value -> Task<Void, Never>? in
            defer { value = nil }
            return value
        }
        running?.cancel()
        await running?.value
    }
}

/// Removes what has expired (sessions, rate-limit windows, old finished jobs) and announces a readings window
/// opening or closing today.
enum Housekeeping {
    static func run(_ app: Application) async throws {
        let now = app.portal.clock.now()
        try await Sessions.sweep(on: app.db, now: now, config: app.portal.config)
        try await app.portal.rateLimiter.sweep(on: app.db, now: now)
        try await JobQueue.sweep(on: app.db, now: now)
        try await PendingCodes.sweep(on: app.db, now: now)
        try await ContractAddition.sweep(on: app.db, now: now)
        try await EventNotifications.readingWindows(now: now, timeZone: app.portal.config.timeZone, on: app.db)
    }
}
