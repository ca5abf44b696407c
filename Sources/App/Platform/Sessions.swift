import Crypto
import Fluent
import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Reads the session cookie, checks the timeouts, and sets the cookie when the session was created or renewed.
///
/// A session row is written only when something needs one (a sign-in, a registration's pending code). An
/// anonymous visitor's form gets an unsaved session: a cookie whose token no row has yet, and a CSRF token
/// derived from it (`Sessions.csrfToken()`). So no anonymous request writes to the database, however many
/// sign-in pages are opened (issue 8: 25,000 views of the sign-in page in ten seconds had left as many rows,
/// and with them a table whose statistics made PostgreSQL scan it whole on every request).
struct PortalSessionMiddleware: AsyncMiddleware {
    /// Writes `last_seen_at` at most this often, to keep page views read-only.
    static let touchInterval: TimeInterval = 60

    /// A page whose first statement is read in the same statement as the session (`SessionAndPage`): given
    /// the request, the statement the page's handler will run, for any account (the session's takes its
    /// place), or nil when the request will not run it.
    typealias PageStatement = @Sendable (Request) -> (any AccountPageSQL)?

    /// The pages read with the session, by path, for `GET` only; none on SQLite, which has no round trip to
    /// save (`configure`).
    let pages: [String: PageStatement]

    init(pages: [String: PageStatement] = [:]) {
        self.pages = pages
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let config = request.portal.config
        let state = SessionState()
        request.storage[SessionState.Key.self] = state
        if let token = request.cookies[config.sessionCookieName]?.string, Sessions.isWellFormed(token) {
            let now = request.now
            let tokenHash = Sessions.hash(token)
            var page: SessionState.PageRows?
            let found: (PortalSession, Account?)?
            if request.method == .GET, !pages.isEmpty, let statement = pages[request.url.path]?(request) {
                (found, page) = try await Self.find(
                    tokenHash: tokenHash, with: statement, on: request.db.sql,
                    batching: request.portal.batcher.map { ($0, request) })
            } else {
                found = try await Self.find(tokenHash: tokenHash, on: request.db.sql)
            }
            if let (row, account) = found {
                if Sessions.isAlive(row, now: now, config: config) {
                    if now.timeIntervalSince(row.lastSeenAt) > Self.touchInterval {
                        row.lastSeenAt = now
                        try await row.update(on: request.db)
                    }
                    state.current = row
                    state.account = account
                    state.page = page
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
        if state.page != nil { request.portal.metrics.sessionPageRead(taken: false) }
        switch state.cookie {
        case .keep: break
        case .set(let token): response.cookies[config.sessionCookieName] = Sessions.cookie(token, config: config)
        case .expire: response.cookies[config.sessionCookieName] = Sessions.expiredCookie(config: config)
        }
        return response
    }

    static let selectList = PortalSession.selectList(alias: "s") + ", " + Account.selectList(alias: "a")

    /// The session with a token hash and its account: run on every request, so prepared on PostgreSQL.
    struct FindQuery: PreparedSQL {
        static let sql =
            "SELECT \(selectList) FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1"
        let tokenHash: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [tokenHash] }
    }

    /// The session with this token hash and its account (nil before sign-in, or if it was deleted), in one
    /// query on the token's unique index.
    static func find(tokenHash: String, on sql: any SQLDatabase) async throws -> (PortalSession, Account?)? {
        guard let row = try await sql.rows(FindQuery(tokenHash: tokenHash)).first else { return nil }
        return try decode(row)
    }

    private static func decode(_ row: any SQLRow) throws -> (PortalSession, Account?) {
        let session = try PortalSession.decode(row, alias: "s")
        let account = try row.decodeNil(column: "a_id") ? nil : try Account.decode(row, alias: "a")
        return (session, account)
    }

    /// The session with this token hash and its account, as `find(tokenHash:on:)` reads them, and the rows
    /// `page` reads for the session's account, in one statement (PostgreSQL only): with other requests' in a
    /// batch when there is a `batcher`, else alone.
    static func find<Page: AccountPageSQL>(
        tokenHash: String, with page: Page, on sql: any SQLDatabase, batching: (StatementBatcher, Request)? = nil
    ) async throws -> ((PortalSession, Account?)?, SessionState.PageRows?) {
        var outcome = StatementBatcher.Outcome.alone
        if let (batcher, request) = batching, let postgres = sql as? any PostgresDatabase,
            let slot = SessionPageSlot(tokenHash: tokenHash, page: page)
        {
            outcome = try await batcher.row(
                SessionPageBatch<Page>.self, slot.entry, on: postgres, eventLoop: request.eventLoop,
                metrics: request.portal.metrics)
        }
        let found: (any SQLRow)?
        switch outcome {
        case .row(let row): found = row
        case .alone: found = try await sql.rows(SessionAndPage(tokenHash: tokenHash, page: page)).first
        }
        guard let row = found else { return (nil, nil) }
        return try read(row, page: page)
    }

    /// The session, its account and `page`'s rows from a row of `SessionAndPage` or `SessionPageBatch`.
    static func read<Page: AccountPageSQL>(_ row: any SQLRow, page: Page) throws -> (
        (PortalSession, Account?)?, SessionState.PageRows?
    ) {
        let (session, account) = try decode(row)
        guard let accountID = session.accountID, let packed = row as? PostgresPlainRow, let names = Page.packedColumns
        else { return ((session, account), nil) }
        let rows = try PackedRows(text: packed.bytes(column: "packed"), columns: RowColumns(names: names)).rows
        let pageRows = SessionState.PageRows(
            statement: ObjectIdentifier(Page.self), accountID: accountID, binds: try SessionAndPage<Page>.binds(page),
            rows: rows)
        return ((session, account), pageRows)
    }
}

/// A page's statement whose `$1` is the signed-in account's id and whose rows come packed on PostgreSQL
/// (`PreparedSQL.packedColumns`), which the session middleware may read with the session (`SessionAndPage`).
protocol AccountPageSQL: PreparedSQL {
    /// The value of `$1`.
    var accountID: UUID { get }
}

/// On PostgreSQL, the session with the token hash `$1` and its account (`FindQuery`'s columns), and in the
/// column `packed` the rows of a page's statement for the session's account, in one statement: the page then
/// makes one round trip fewer, which on PostgreSQL is most of a small statement's cost, in the portal and in
/// PostgreSQL alike (issue 8). The page's `$1` reads the account from the session's row; its other values keep
/// their numbers. No session, no row; a session without an account, a `NULL` account and no page rows.
struct SessionAndPage<Page: AccountPageSQL>: PreparedSQL {
    static var sql: String {
        let account = "(SELECT s_account_id FROM signed_in)"
        // Every `$n` of the page's text is a placeholder (`NumberedPlaceholders`); `$1` becomes the account.
        let page = NumberedPlaceholders.replacing(in: Page.postgresSQL, last: 99) { $0 == 1 ? account : "$\($0)" }
        return """
            WITH signed_in AS (\(PortalSessionMiddleware.FindQuery.sql))
            SELECT signed_in.*, (\(page)) AS packed FROM signed_in
            """
    }

    let tokenHash: String
    let page: Page
    var values: [any PostgresEncodable & Encodable & Sendable] { [tokenHash] + page.values.dropFirst() }

    /// The values of `page` but its account, as the binds they are sent as: the page's handler reuses the rows
    /// only for the very statement it would run.
    static func binds(_ page: Page) throws -> [PostgresData] {
        try page.values.dropFirst().map(PostgresStatements.data)
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
    var cookie: CookieChange = .keep

    /// A page statement's rows read with the session, for the page's handler to take (`Sessions.rows(_:)`).
    struct PageRows {
        let statement: ObjectIdentifier
        /// The account the rows were read for: the session's then, which a sign-in or sign-out later in the
        /// request replaces.
        let accountID: UUID
        let binds: [PostgresData]
        let rows: [any SQLRow]
    }
    var page: PageRows?
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

    /// The live session of this request, if any.
    var current: PortalSession? { state.current }

    /// The signed-in account of this request, if any.
    var accountID: UUID? { state.current?.accountID }

    /// The account read with the session by the middleware (nil when it no longer exists).
    var loadedAccount: Account? {
        guard let account = state.account, account.id == state.current?.accountID else { return nil }
        return account
    }

    /// The rows of `statement` for the signed-in account: those the middleware read with the session when it
    /// read this very statement (same account, same values; taken once), else the statement's, read now.
    func rows<Page: AccountPageSQL>(_ statement: Page) async throws -> [any SQLRow] {
        if let page = state.page {
            state.page = nil
            let binds = try SessionAndPage<Page>.binds(statement)
            let same =
                page.statement == ObjectIdentifier(Page.self) && page.accountID == statement.accountID
                && page.accountID == state.current?.accountID && binds.count == page.binds.count
                && zip(binds, page.binds).allSatisfy { $0.type == $1.type && $0.value == $1.value }
            request.portal.metrics.sessionPageRead(taken: same)
            if same { return page.rows }
        }
        return try await request.db.sql.rows(statement)
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

    /// An account id no account has, for a statement built before the session is read.
    static let anyAccount = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

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
