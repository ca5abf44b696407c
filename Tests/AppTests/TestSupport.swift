import Fluent
import Foundation
import Mail
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// Records what would have been sent, and can be told to fail.
final class RecordingTransport: MailTransport {
    struct Sent: Sendable {
        let mime: Data
        let from: String
        let to: [String]
    }

    enum Behaviour: Sendable { case deliver, failTransient, failPermanent }

    private let state = NIOLockedValueBox<(sent: [Sent], behaviour: [Behaviour])>(([], []))

    /// The next calls behave as listed; after the list runs out, every call delivers.
    func script(_ behaviour: [Behaviour]) { state.withLockedValue { $0.behaviour = behaviour } }

    var sent: [Sent] { state.withLockedValue { $0.sent } }

    func send(_ mime: Data, from sender: String, to recipients: [String]) async throws {
        let behaviour = state.withLockedValue { s -> Behaviour in
            s.behaviour.isEmpty ? .deliver : s.behaviour.removeFirst()
        }
        switch behaviour {
        case .deliver: state.withLockedValue { $0.sent.append(Sent(mime: mime, from: sender, to: recipients)) }
        case .failTransient: throw SMTPError.unexpectedReply(command: "DATA", code: 451, text: "try later")
        case .failPermanent: throw SMTPError.unexpectedReply(command: "RCPT TO", code: 550, text: "no such user")
        }
    }
}

/// One test's world: an application on a fresh database with a hand-moved clock.
struct TestWorld {
    let app: Application
    let clock: ManualClock
    let mail: RecordingTransport
}

/// Serialises the tests that share the PostgreSQL database.
actor DatabaseLock {
    static let shared = DatabaseLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

enum TestDatabase {
    /// `LKK_TEST_DATABASE_URL=postgres://…` runs the app tests on PostgreSQL; otherwise on a SQLite file of their own.
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["LKK_TEST_DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }
}

/// Builds the world, runs `body`, shuts the world down.
func withPortal(
    _ adjust: (inout PortalConfig) -> Void = { _ in },
    _ body: (TestWorld) async throws -> Void
) async throws {
    var config = PortalConfig()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lkk-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    config.bcryptCost = 4
    config.mailer = .files(
        FileManager.default.temporaryDirectory.appendingPathComponent("lkk-mail-\(UUID().uuidString)").path)
    if let url = TestDatabase.postgresURL {
        config.database = .postgres(url)
    } else {
        // A file, as the portal is run (WAL, a connection per event loop).
        config.database = .sqliteFile(scratch.appendingPathComponent("lkk.sqlite").path)
    }
    adjust(&config)
    let usesPostgres = !config.database.isSQLite
    if usesPostgres { await DatabaseLock.shared.acquire() }
    let clock = ManualClock()
    let mail = RecordingTransport()
    let app = try await Application.make(.testing)
    app.logger.logLevel = .error
    do {
        try await configure(app, config: config, clock: clock, mailTransport: mail)
        if usesPostgres {
            let sql = app.db.sql
            try await sql.raw("DROP SCHEMA public CASCADE").run()
            try await sql.raw("CREATE SCHEMA public").run()
        }
        try await app.autoMigrate()
        try await body(TestWorld(app: app, clock: clock, mail: mail))
    } catch {
        // PostgresNIO's errors say what happened only when reflected («Generic description to prevent
        // accidental leakage…» otherwise): printed, so that a failed run on PostgreSQL says why.
        if usesPostgres { print("withPortal failed on PostgreSQL: \(String(reflecting: error))") }
        try? await app.asyncShutdown()
        if usesPostgres { await DatabaseLock.shared.release() }
        throw error
    }
    try await app.asyncShutdown()
    if usesPostgres { await DatabaseLock.shared.release() }
}

extension TestWorld {
    /// Requests over a real socket from this machine: the in-memory tester's requests have no peer address,
    /// so they come from nowhere a loopback-only route trusts.
    func fromThisMachine() throws -> any TestingApplicationTester {
        try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
    }

    /// Routes only the tests have: a page that hands out a CSRF token, a form target, a sign-in.
    func addTestRoutes() {
        app.get("test", "form") { req async throws -> String in req.sessions.csrfToken() }
        app.post("test", "form") { req async throws -> String in "accepted" }
        app.get("test", "whoami") { req async throws -> String in req.sessions.accountID?.uuidString ?? "anonymous" }
        app.post("test", "signin") { req async throws -> String in
            let id = UUID(uuidString: "00000000-0000-0000-0000-0000000000AA")!
            if try await Account.find(id, on: req.db) == nil {
                let account = Account.sample(email: "test@romashka.ru", passwordHash: "-", now: req.now)
                account.id = id
                try await account.create(on: req.db)
            }
            try await req.sessions.signIn(accountID: id)
            return "ok"
        }
        // What the one-pass readers make of a form and a query, beside what Vapor's decoder makes of them.
        app.post("test", "fields") { req async throws -> String in
            let ours = Result { try req.formFields() }.map { $0 }
            let vapor = Result { try req.content.decode([String: String].self) }
            let (o, v) = (try ours.get(), try vapor.get())
            return o == v ? "same \(o.count)" : "differ: \(o) \(v)"
        }
        app.get("test", "query") { req async throws -> String in
            let names = ["contract", "q", "page", "none"]
            let ours = names.map { req.queryValue($0) }
            let vapor = names.map { req.query[String.self, at: $0] }
            return ours == vapor ? "same" : "differ: \(ours) \(vapor)"
        }
        app.get("test", "boom") { req async throws -> String in
            throw NSError(domain: "secret-internal-detail", code: 42)
        }
    }

    /// GETs the form page and returns the session cookie and the CSRF token.
    func openForm(cookieName: String = "lkk_session") async throws -> (cookie: String, token: String) {
        var cookie = ""
        var token = ""
        try await app.testing().test(.GET, "test/form") { res async throws in
            #expect(res.status == .ok)
            cookie = res.headers.setCookie?[cookieName]?.string ?? ""
            token = res.body.string
        }
        return (cookie, token)
    }

    func count(_ table: String, where condition: String = "1 = 1") async throws -> Int {
        let row = try await app.db.sql.raw(
            "SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(unsafeRaw: condition)"
        ).first()
        return try row!.decode(column: "n", as: Int.self)
    }
}

extension HTTPHeaders {
    mutating func formPost(cookie: String, cookieName: String = "lkk_session", origin: String? = nil) {
        replaceOrAdd(name: .cookie, value: "\(cookieName)=\(cookie)")
        replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
        if let origin { replaceOrAdd(name: .origin, value: origin) }
    }
}

/// `ours` decodes every column as `theirs` does, as each plain type the portal reads: the same value, or
/// an error from both; and the same answer to `decodeNil` and `contains`.
func expectSameDecoding(
    _ ours: any SQLRow, _ theirs: any SQLRow, columns: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    func same<D: Decodable & Equatable>(_ column: String, _ type: D.Type) {
        let mine = Result { try ours.decode(column: column, as: D.self) }
        let other = Result { try theirs.decode(column: column, as: D.self) }
        switch (mine, other) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(column) as \(D.self)", sourceLocation: sourceLocation)
        case (.failure, .failure): break
        default: Issue.record("\(column) as \(D.self): \(mine) against \(other)", sourceLocation: sourceLocation)
        }
    }
    for column in columns {
        same(column, String.self)
        same(column, String?.self)
        same(column, Int.self)
        same(column, Int?.self)
        same(column, Int64.self)
        same(column, Int64?.self)
        same(column, Double.self)
        same(column, Double?.self)
        same(column, Bool.self)
        same(column, Bool?.self)
        same(column, UUID.self)
        same(column, UUID?.self)
        same(column, Date.self)
        #expect(
            (try? ours.decodeNil(column: column)) == (try? theirs.decodeNil(column: column)), "\(column)",
            sourceLocation: sourceLocation)
        #expect(ours.contains(column: column) == theirs.contains(column: column), sourceLocation: sourceLocation)
    }
}
