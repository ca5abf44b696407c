import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Fixed-window counters: in the database on PostgreSQL, so every instance of the portal counts the same
/// hits; in memory on SQLite, where the portal is one process (its database is a local file) and a counter
/// in the database was a write transaction of its own on every form sent — at the readings peak, half of
/// the commits that queue for SQLite's one write lock.
public struct RateLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        public let hits: Int
        /// Seconds until the window ends.
        public let retryAfter: Int
    }

    /// The counters when they are kept in memory; nil when they are in the database.
    let memory: MemoryRateLimits?

    /// In memory for SQLite, in the database for PostgreSQL.
    init(for database: PortalConfig.DatabaseLocation) {
        memory = database.isSQLite ? MemoryRateLimits() : nil
    }

    init(memory: MemoryRateLimits?) { self.memory = memory }

    /// Counts one hit on `bucket` (e.g. `signin:account:…`) and says whether it is within `limit` per `window`.
    public func hit(
        _ bucket: String, limit: Int, window: TimeInterval, now: Date, on db: Database
    ) async throws -> Decision {
        let (windowStart, expires, retryAfter) = Self.window(window, now: now)
        let hits: Int
        if let memory {
            hits = memory.hit(bucket, windowStart: windowStart, expires: expires, now: now)
        } else {
            let row = try await db.sql.raw(
                """
                INSERT INTO rate_limits (bucket, window_start, hits, expires_at)
                VALUES (\(bind: bucket), \(bind: windowStart), 1, \(bind: expires))
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
                RETURNING hits
                """
            ).first()
            hits = try row?.decode(column: "hits", as: Int.self) ?? 1
        }
        return Decision(allowed: hits <= limit, hits: hits, retryAfter: retryAfter)
    }

    /// The fixed window `now` falls in: its start (seconds since 1970), its end, and the seconds left in it.
    static func window(_ window: TimeInterval, now: Date) -> (start: Int64, expires: Date, retryAfter: Int) {
        let seconds = Int64(max(1, window))
        let epoch = Int64(now.timeIntervalSince1970)
        let start = epoch - epoch % seconds
        return (start, Date(timeIntervalSince1970: TimeInterval(start + seconds)), Int(start + seconds - epoch))
    }

    /// Whether `bucket` already has `limit` hits in the current window, without counting one.
    public func peek(
        _ bucket: String, limit: Int, window: TimeInterval, now: Date, on db: Database
    ) async throws -> Decision {
        let (windowStart, _, retryAfter) = Self.window(window, now: now)
        let hits: Int
        if let memory {
            hits = memory.hits(bucket, windowStart: windowStart)
        } else {
            let row = try await db.sql.raw(
                "SELECT hits FROM rate_limits WHERE bucket = \(bind: bucket) AND window_start = \(bind: windowStart)"
            ).first()
            hits = try row?.decode(column: "hits", as: Int.self) ?? 0
        }
        return Decision(allowed: hits < limit, hits: hits, retryAfter: retryAfter)
    }

    /// Drops windows that have ended.
    func sweep(on db: Database, now: Date) async throws {
        memory?.sweep(now: now)
        try await db.sql.delete(from: "rate_limits").where("expires_at", .lessThan, now).run()
    }
}

/// Rate-limit windows in this process's memory, under a lock.
final class MemoryRateLimits: Sendable {
    private struct Key: Hashable {
        let bucket: String
        let windowStart: Int64
    }
    private struct State {
        var windows: [Key: (hits: Int, expires: Date)] = [:]
        /// Ended windows are dropped when the table reaches this size (and by the housekeeping job), so that a
        /// flood of new buckets cannot grow it without bound nor make every hit scan it.
        var sweepAt = 10_000

        mutating func dropEnded(now: Date) {
            windows = windows.filter { $0.value.expires >= now }
            sweepAt = max(10_000, windows.count * 2)
        }
    }
    private let state = NIOLockedValueBox(State())

    func hit(_ bucket: String, windowStart: Int64, expires: Date, now: Date) -> Int {
        state.withLockedValue { state in
            if state.windows.count >= state.sweepAt { state.dropEnded(now: now) }
            let key = Key(bucket: bucket, windowStart: windowStart)
            let hits = (state.windows[key]?.hits ?? 0) + 1
            state.windows[key] = (hits, expires)
            return hits
        }
    }

    func hits(_ bucket: String, windowStart: Int64) -> Int {
        state.withLockedValue { $0.windows[Key(bucket: bucket, windowStart: windowStart)]?.hits ?? 0 }
    }

    func sweep(now: Date) {
        state.withLockedValue { $0.dropEnded(now: now) }
    }

    /// How many windows are kept (for tests).
    var count: Int { state.withLockedValue { $0.windows.count } }
}

/// Limits unsafe requests per client address, with a Russian 429 page.
struct RateLimitMiddleware: AsyncMiddleware {
    let name: String
    let limit: @Sendable (Request) -> Int
    let window: TimeInterval

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Machine APIs are authenticated by tokens, not limited as forms.
        guard CSRFMiddleware.isUnsafe(request.method), !request.url.path.hasPrefix("/api/") else {
            return try await next.respond(to: request)
        }
        let decision = try await request.portal.rateLimiter.hit(
            "\(name):\(request.clientAddress)", limit: limit(request), window: window, now: request.now, on: request.db)
        guard decision.allowed else {
            let response = try await ErrorPages.render(status: .tooManyRequests, for: request)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(decision.retryAfter))
            return response
        }
        return try await next.respond(to: request)
    }
}
