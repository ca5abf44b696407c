import Foundation
import SQLKit
import Vapor

/// A staff session: a cookie of its own on `/admin` (the customers' cookie is never read here, and this one
/// is never sent to customers' pages), 30 minutes idle and 8 hours in all. It is `verified` once the second
/// factor is given; before that it opens only the code page.
struct StaffSession: Decodable, Sendable {
    let id: UUID
    let staffId: UUID
    let csrfToken: String
    let verified: Bool
    let failedCodes: Int
    let createdAt: Date
    let lastSeenAt: Date

    static let idle: TimeInterval = 30 * 60
    static let absolute: TimeInterval = 8 * 3600
    /// Wrong codes after which the session ends and the password is asked again.
    static let codeAttempts = 5

    static func cookieName(_ config: PortalConfig) -> String {
        config.secureCookies ? "__Secure-lkk_staff" : "lkk_staff"
    }

    static func loginCookieName(_ config: PortalConfig) -> String {
        config.secureCookies ? "__Secure-lkk_staff_login" : "lkk_staff_login"
    }

    static func cookie(_ value: String, config: PortalConfig, maxAge: Int = Int(absolute)) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, expires: nil, maxAge: maxAge, domain: nil, path: "/admin", isSecure: config.secureCookies,
            isHTTPOnly: true, sameSite: .strict)
    }

    static func expired(config: PortalConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/admin",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .strict)
    }

    func isAlive(at now: Date) -> Bool {
        now.timeIntervalSince(lastSeenAt) <= Self.idle && now.timeIntervalSince(createdAt) <= Self.absolute
    }

    static func find(token: String, on sql: any SQLDatabase) async throws -> StaffSession? {
        guard Sessions.isWellFormed(token) else { return nil }
        return try await sql.raw(
            """
            SELECT id, staff_id, csrf_token, verified, failed_codes, created_at, last_seen_at FROM staff_sessions
            WHERE token_hash = \(bind: Sessions.hash(token))
            """
        ).first(decoding: StaffSession.self, with: .snakeCase)
    }

    /// Starts a session for `staffID` after its password; returns the cookie's token.
    static func start(staffID: UUID, now: Date, on sql: any SQLDatabase) async throws -> String {
        let token = Sessions.randomToken()
        try await sql.insert(into: "staff_sessions")
            .columns(
                "id", "token_hash", "staff_id", "csrf_token", "verified", "failed_codes", "created_at", "last_seen_at"
            )
            .values(
                SQLBind(UUID()), SQLBind(Sessions.hash(token)), SQLBind(staffID), SQLBind(Sessions.randomToken()),
                SQLBind(false), SQLBind(0), SQLBind(now), SQLBind(now)
            )
            .run()
        return token
    }
}

/// What the staff middleware found for this request.
struct StaffContext: Sendable {
    let session: StaffSession
    let member: StaffMember
    let token: String
}

extension Request {
    /// The member of staff whose session this `/admin` request carries (after the password), or nil.
    var staff: StaffContext? { storage[StaffSessionMiddleware.Key.self] }

    /// The signed-in member (both factors given); otherwise to the sign-in page.
    func verifiedStaff() throws -> StaffContext {
        guard let staff, staff.session.verified else { throw Abort.redirect(to: "/admin/login") }
        return staff
    }

    /// A member of the «Администратор системы» role; anyone else gets 404 (the page's existence is not shown).
    func systemAdministrator() throws -> StaffContext {
        let staff = try verifiedStaff()
        guard staff.member.isAdmin else { throw Abort(.notFound) }
        return staff
    }

    /// Writes a staff action to the audit log: who (the member, by id and e-mail), what, on what, from where.
    func recordStaff(_ action: String, subject: String? = nil, details: [String: String] = [:]) async throws {
        var details = details
        if let email = staff?.member.email { details["staff"] = email }
        try await AuditLog.record(
            action, actor: staff.map { "staff:\($0.member.id.uuidString)" } ?? "staff",
            subject: subject.map { String($0.prefix(200)) }, ipAddress: clientAddress, details: details, at: now,
            on: db)
    }
}

/// On every `/admin` route: reads the staff cookie, ends a session past its limits or of a blocked member,
/// keeps it alive, and checks unsafe requests' origin and CSRF token (the staff session's, or on the sign-in
/// form the login cookie's).
struct StaffSessionMiddleware: AsyncMiddleware {
    struct Key: StorageKey { typealias Value = StaffContext }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let config = request.portal.config
        let sql = request.db.sql
        var expire = false
        if let token = request.cookies[StaffSession.cookieName(config)]?.string {
            if let session = try await StaffSession.find(token: token, on: sql),
                session.isAlive(at: request.now),
                let member = try await StaffMember.find(id: session.staffId, on: sql), !member.blocked
            {
                request.storage[Key.self] = StaffContext(session: session, member: member, token: token)
                if request.now.timeIntervalSince(session.lastSeenAt) > 30 {
                    try await sql.update("staff_sessions").set("last_seen_at", to: request.now)
                        .where("id", .equal, session.id).run()
                }
            } else {
                expire = true
                try await sql.delete(from: "staff_sessions").where("token_hash", .equal, Sessions.hash(token)).run()
            }
        }
        if CSRFMiddleware.isUnsafe(request.method) {
            let expected =
                request.staff?.session.csrfToken ?? request.cookies[StaffSession.loginCookieName(config)]?.string
            if let failure = try await CSRFMiddleware.check(request, expected: expected) {
                request.logger.notice("CSRF refused on /admin: \(failure.rawValue) \(request.url.path)")
                return try await ErrorPages.render(status: .forbidden, for: request)
            }
        }
        let response = try await next.respond(to: request)
        if expire && response.cookies[StaffSession.cookieName(config)] == nil {
            response.cookies[StaffSession.cookieName(config)] = StaffSession.expired(config: config)
        }
        return response
    }
}
