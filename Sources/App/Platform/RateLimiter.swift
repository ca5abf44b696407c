import Fluent
import Foundation
import SQLKit
import Vapor

/// Fixed-window counters in the database, so every instance of the portal counts the same hits.
public struct RateLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        public let hits: Int
        /// Seconds until the window ends.
        public let retryAfter: Int
    }

    /// Counts one hit on `bucket` (e.g. `signin:account:…`) and says whether it is within `limit` per `window`.
    public static func hit(
        _ bucket: String, limit: Int, window: TimeInterval, now: Date, on db: Database
    ) async throws -> Decision {
        let seconds = Int64(max(1, window))
        let epoch = Int64(now.timeIntervalSince1970)
        let windowStart = epoch - epoch % seconds
        let expires = Date(timeIntervalSince1970: TimeInterval(windowStart + seconds))
        let sql = db.sql
        let row = try await sql.raw(
            """
            INSERT INTO rate_limits (bucket, window_start, hits, expires_at) VALUES (\(bind: bucket), \(bind: windowStart), 1, \(bind: expires))
            ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
            RETURNING hits
            """
        ).first()
        let hits = try row?.decode(column: "hits", as: Int.self) ?? 1
        return Decision(allowed: hits <= limit, hits: hits, retryAfter: Int(windowStart + seconds - epoch))
    }

    /// Drops windows that have ended.
    static func sweep(on db: Database, now: Date) async throws {
        try await db.sql.delete(from: "rate_limits").where("expires_at", .lessThan, now).run()
    }
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
        let decision = try await RateLimiter.hit(
            "\(name):\(request.clientAddress)", limit: limit(request), window: window, now: request.now, on: request.db)
        guard decision.allowed else {
            let response = try await ErrorPages.render(status: .tooManyRequests, for: request)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(decision.retryAfter))
            return response
        }
        return try await next.respond(to: request)
    }
}
