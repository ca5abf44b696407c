import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// Reads the session cookie, checks the timeouts, and sets the cookie when the session was created or renewed.
///
/// A session row is written only when something needs one (a sign-in, a registration's pending code). An
/// anonymous visitor's form gets an unsaved session: a cookie whose token no row has yet, and a CSRF token
/// derived from it (`Sessions.csrfToken()`). So no anonymous request writes to the database, however many
/// sign-in pages are opened: a row per view would fill the table with rows nobody returns to.
struct PortalSessionMiddleware: AsyncMiddleware {
    /// Writes `last_seen_at` at most this often, to keep page views read-only.
    static let touchInterval: TimeInterval = 60

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let config = request.portal.config
        let state = SessionState()
        request.storage[SessionState.Key.self] = state
        if let token = request.cookies[config.sessionCookieName]?.string, Sessions.isWellFormed(token) {
            let now = request.now
            if let found = try await Self.find(tokenHash: Sessions.hash(token), now: now, on: request.db) {
                let row = found.session
                if Sessions.isAlive(row, now: now, config: config) {
                    if now.timeIntervalSince(row.lastSeenAt) > Self.touchInterval {
                        row.lastSeenAt = now
                        try await row.update(on: request.db)
                    }
                    state.current = row
                    state.account = found.account
                    state.unreadNotifications = found.unreadNotifications
                } else {
                    try await row.delete(on: request.db)
                    state.cookie = .expire
                }
            } else if Sessions.isUnsaved(token) {
                state.unsaved = token
            } else {
                // A saved session's token without its row: the session ended (signed out, swept, or ended
                // from another browser).
                state.cookie = .expire
            }
        }
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch let abort as AbortError where ErrorPageMiddleware.isRedirect(abort) {
            // A redirect thrown by the route (to sign-in after an idle timeout, say) becomes its response here,
            // as `ErrorPageMiddleware` would make it, so that the cookie below is still sent: an ended session's
            // cookie is cleared rather than kept by the browser until its next request.
            response = ErrorPageMiddleware.redirect(abort)
        }
        switch state.cookie {
        case .keep: break
        case .set(let token): response.cookies[config.sessionCookieName] = Sessions.cookie(token, config: config)
        case .expire: response.cookies[config.sessionCookieName] = Sessions.expiredCookie(config: config)
        }
        return response
    }

    /// The session with this token hash, its account (nil before sign-in, or if it was deleted) and the
    /// bell's count of unread notifications, in one query on the token's unique index. The text is written once rather than built by Fluent's query builder on every request:
    /// building and serialising the join's 24 aliased columns was a tenth of the portal's CPU on «Оплата»
    /// (`perf`). Both rows are decoded into Fluent's models by Fluent.
    static func find(tokenHash: String, now: Date = Date(), on db: any Database) async throws -> Found? {
        let query: SQLQueryString = """
            \(unsafeRaw: findSQL), (\(Notifications.unreadCountSQL(account: "s.account_id", now: now))) AS n_unread \
            FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = \(bind: tokenHash)
            """
        guard let row = try await db.sql.raw(query).first() else { return nil }
        let session = PortalSession()
        try session.output(from: PrefixedOutput(row: row, prefix: ""))
        guard !(try row.decodeNil(column: accountPrefix + "id")) else { return Found(session: session) }
        let account = Account()
        try account.output(from: PrefixedOutput(row: row, prefix: accountPrefix))
        return Found(
            session: session, account: account, unreadNotifications: try row.decode(column: "n_unread", as: Int.self))
    }

    struct Found {
        var session: PortalSession
        var account: Account?
        var unreadNotifications = 0
    }

    static let accountPrefix = "a_"

    /// `SELECT s.*, a.id AS a_id, …` with every column of `Account` (its keys, read once).
    static let findSQL =
        "SELECT s.*, "
        + Account.keys.map { "a.\($0.description) AS \(accountPrefix)\($0.description)" }
        .joined(separator: ", ")

    /// The columns of one table in a joined row, named `prefix` + column, as Fluent reads a model's output.
    struct PrefixedOutput: DatabaseOutput {
        let row: any SQLRow
        let prefix: String

        var description: String { "\(prefix)* of \(row)" }
        func schema(_ schema: String) -> any DatabaseOutput { self }
        func contains(_ key: FieldKey) -> Bool { row.contains(column: prefix + key.description) }
        func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: prefix + key.description) }
        func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
            try row.decode(column: prefix + key.description, as: T.self)
        }
    }
}

/// What the middleware knows of this request's session.
final class SessionState: @unchecked Sendable {
    struct Key: StorageKey { typealias Value = SessionState }
    enum CookieChange { case keep, set(String), expire }
    var current: PortalSession?
    /// The token of this request's unsaved session (no row yet), when it has one and no row.
    var unsaved: String?
    /// The session's account, read with it.
    var account: Account?
    /// The account's unread notifications (the bell's count), read with it.
    var unreadNotifications = 0
    var cookie: CookieChange = .keep
}

/// The session API the features use: `req.sessions`.
struct Sessions {
    let request: Request

    private var state: SessionState {
        guard let state = request.storage[SessionState.Key.self] else {
            fatalError("PortalSessionMiddleware is installed globally by configure(_:)")
        }
        return state
    }

    /// The bell's count, read with the session; a page that reads notifications sets it again before it is
    /// shown.
    var unreadNotifications: Int {
        get { state.unreadNotifications }
        nonmutating set { state.unreadNotifications = newValue }
    }

    /// The live session of this request, if any.
    var current: PortalSession? { state.current }

    /// The signed-in account of this request, if any.
    var accountID: UUID? { state.current?.accountID }

    /// The account read with the session by the middleware (nil when it no longer exists).
    var loadedAccount: Account? {
        guard let account = state.account, account.id == state.current?.accountID else { return nil }
        return account
    }

    /// The session of this request, its row written when there is none. An unsaved session's row is written
    /// with its token and the CSRF token derived from it, so the cookie and the forms already shown stay valid.
    func ensure() async throws -> PortalSession {
        if let current = state.current { return current }
        let token = unsavedToken()
        var row = newRow(token: token, csrfToken: Sessions.csrfToken(unsaved: token), accountID: nil)
        do {
            try await row.create(on: request.db)
        } catch {
            // Another request of the same browser wrote it first (a form sent twice).
            guard (error as? any DatabaseError)?.isConstraintFailure == true,
                let saved = try await PortalSession.query(on: request.db).filter(\.$tokenHash == row.tokenHash)
                    .first()
            else { throw error }
            row = saved
        }
        state.current = row
        state.unsaved = nil
        return row
    }

    /// The CSRF token to put in a form: the session's, or for a visitor without one, the token derived from
    /// an unsaved session's, whose cookie is set if the browser has none. Nothing is written.
    func csrfToken() -> String {
        expectedCSRFToken ?? Sessions.csrfToken(unsaved: unsavedToken())
    }

    /// The CSRF token a form sent in this request must carry, if the request has a session, saved or not.
    var expectedCSRFToken: String? {
        if let current = state.current { return current.csrfToken }
        return state.unsaved.map(Sessions.csrfToken(unsaved:))
    }

    /// Signing in always gets a new token (and a new CSRF token), so a token planted before sign-in is useless.
    @discardableResult
    func signIn(accountID: UUID) async throws -> PortalSession {
        if let old = state.current { try await old.delete(on: request.db) }
        return try await start(accountID: accountID)
    }

    /// Ends this session: the row goes and the cookie is cleared.
    func signOut() async throws {
        if let old = state.current { try await old.delete(on: request.db) }
        state.current = nil
        state.unsaved = nil
        state.cookie = .expire
    }

    private func start(accountID: UUID?) async throws -> PortalSession {
        let token = Sessions.randomToken()
        let row = newRow(token: token, csrfToken: Sessions.randomToken(), accountID: accountID)
        try await row.create(on: request.db)
        state.current = row
        state.unsaved = nil
        state.cookie = .set(token)
        return row
    }

    /// A session row for `token`, with this request's browser and address, not yet written.
    private func newRow(token: String, csrfToken: String, accountID: UUID?) -> PortalSession {
        PortalSession(
            tokenHash: Sessions.hash(token), csrfToken: csrfToken, accountID: accountID, now: request.now,
            userAgent: request.headers.first(name: .userAgent), ipAddress: request.clientAddress)
    }

    /// This request's unsaved session's token; a new one, with its cookie, when the request has none.
    private func unsavedToken() -> String {
        if let token = state.unsaved { return token }
        let token = Sessions.unsavedPrefix + Sessions.randomToken()
        state.unsaved = token
        state.cookie = .set(token)
        return token
    }

    /// An unsaved session's token starts with this, before the 43 characters every token has: a token of that
    /// form without a row is a visitor's session not yet needed, one without it an ended session.
    static let unsavedPrefix = "a"

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 || isUnsaved(token)
    }

    static func isUnsaved(_ token: String) -> Bool {
        token.utf8.count == 44 && token.hasPrefix(unsavedPrefix)
    }

    /// The CSRF token of an unsaved session: an HMAC of a fixed text keyed by the session's token, which only
    /// the holder of the cookie can compute (43 characters, base64url).
    static func csrfToken(unsaved token: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data("lkk-csrf".utf8), using: SymmetricKey(data: Data(token.utf8)))
        return base64URL(Data(code))
    }

    /// 256 random bits, base64url without padding (43 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(Data(bytes))
    }

    /// Base64url without padding.
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }

    static func isAlive(_ row: PortalSession, now: Date, config: PortalConfig) -> Bool {
        now.timeIntervalSince(row.lastSeenAt) <= config.sessionIdle
            && now.timeIntervalSince(row.createdAt) <= config.sessionAbsolute
    }

    static func cookie(_ token: String, config: PortalConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: token, expires: nil, maxAge: Int(config.sessionAbsolute), domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func expiredCookie(config: PortalConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    /// Removes sessions past either timeout (run by the housekeeping job).
    static func sweep(on db: Database, now: Date, config: PortalConfig) async throws {
        try await PortalSession.query(on: db)
            .group(.or) {
                $0.filter(\.$lastSeenAt < now.addingTimeInterval(-config.sessionIdle))
                    .filter(\.$createdAt < now.addingTimeInterval(-config.sessionAbsolute))
            }
            .delete()
    }
}

extension Request {
    var sessions: Sessions { Sessions(request: self) }
}
