import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

/// A browser for app tests: keeps the session cookie, picks the CSRF token from each page, and sends it
/// with every form.
final class TestBrowser: @unchecked Sendable {
    struct Page {
        let status: HTTPStatus
        let body: String
        let location: String?
        var headers = HTTPHeaders()
        /// The body's bytes, for downloads.
        var data = Data()
    }

    let world: TestWorld
    var cookie: String?
    /// Cookies besides the customer session's (the admin module's), sent with every request.
    var otherCookies: [String: String] = [:]
    var csrf: String?
    var userAgent: String
    /// The address this browser comes from, through a trusted proxy on this machine (the portal must list
    /// `127.0.0.1` in `trustedProxies`); nil: the in-memory tester's, which has none.
    var forwardedFor: String?

    init(_ world: TestWorld, userAgent: String = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36") {
        self.world = world
        self.userAgent = userAgent
    }

    @discardableResult
    func get(_ path: String) async throws -> Page {
        try await send(.GET, path, body: nil)
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String] = [:]) async throws -> Page {
        var all = fields
        if let csrf, all[CSRFMiddleware.fieldName] == nil { all[CSRFMiddleware.fieldName] = csrf }
        let body = all.map { key, value in
            "\(Self.encode(key))=\(Self.encode(value))"
        }.joined(separator: "&")
        return try await send(.POST, path, body: body)
    }

    /// Posts a multipart form with its files (each under `files[]`), with the CSRF token.
    @discardableResult
    func postMultipart(_ path: String, _ fields: [String: String], files: [(name: String, data: Data)]) async throws
        -> Page
    {
        let boundary = "----lkk-test-\(UUID().uuidString)"
        var body = Data()
        var all = fields
        if let csrf, all[CSRFMiddleware.fieldName] == nil { all[CSRFMiddleware.fieldName] = csrf }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return try await send(.POST, path, raw: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    private func send(_ method: HTTPMethod, _ path: String, body: String?) async throws -> Page {
        try await send(
            method, path, raw: body.map { Data($0.utf8) },
            contentType: body == nil ? nil : "application/x-www-form-urlencoded")
    }

    private func send(_ method: HTTPMethod, _ path: String, raw body: Data?, contentType: String?) async throws -> Page
    {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .host, value: "localhost:8080")
        headers.replaceOrAdd(name: .userAgent, value: userAgent)
        let jar =
            (cookie.map { ["lkk_session=\($0)"] } ?? [])
            + otherCookies.sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value)"
            }
        if !jar.isEmpty { headers.replaceOrAdd(name: .cookie, value: jar.joined(separator: "; ")) }
        if let contentType {
            headers.replaceOrAdd(name: .contentType, value: contentType)
            headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
        }
        var page = Page(status: .ok, body: "", location: nil)
        var tester: any TestingApplicationTester = try world.app.testing()
        if let forwardedFor {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: forwardedFor)
            tester = try world.fromThisMachine()
        }
        try await tester.test(method, path, headers: headers, body: body.map { ByteBuffer(data: $0) }) {
            res async in
            if let set = res.headers.setCookie?["lkk_session"] {
                cookie = set.string.isEmpty ? nil : set.string
            }
            for (name, value) in res.headers.setCookie?.all ?? [:] where name != "lkk_session" {
                otherCookies[name] = value.string.isEmpty ? nil : value.string
            }
            let text = res.body.string
            if let token = Self.csrfToken(in: text) { csrf = token }
            page = Page(
                status: res.status, body: text, location: res.headers.first(name: .location), headers: res.headers,
                data: Data(buffer: res.body))
        }
        return page
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension TestWorld {
    /// Runs the jobs worker and returns the letters it sent, decoded.
    func deliveredMail() async throws -> [DevMailbox.Message] {
        let before = mail.sent.count
        try await JobWorker(application: app).drain()
        return mail.sent[before...].enumerated().map { index, sent in
            DevMailbox.parse(name: "\(index).eml", data: sent.mime)
        }
    }

    /// The six-digit code in a letter's subject.
    static func code(in message: DevMailbox.Message) -> String? {
        let digits = message.subject.split(separator: " ").last.map(String.init) ?? ""
        return digits.count == 6 && digits.allSatisfy(\.isNumber) ? digits : nil
    }

    /// An account that has finished registration.
    @discardableResult
    func makeAccount(email: String?, password: String, login: String? = nil, complete: Bool = true) async throws
        -> Account
    {
        let account = Account.sample(
            email: email, passwordHash: try Bcrypt.hash(Passwords.prepared(password), cost: 4), now: clock.now(),
            complete: complete)
        account.login = login
        try await account.create(on: app.db)
        return account
    }
}

extension Account {
    /// An account as the tests need it; `complete` fills «Давайте познакомимся» and the phone.
    static func sample(email: String?, passwordHash: String, now: Date, complete: Bool = true) -> Account {
        let account = Account(email: email ?? "", passwordHash: passwordHash, marketing: false, now: now)
        account.email = email
        if complete {
            account.lastName = "Иванова"
            account.firstName = "Анна"
            account.middleName = "Петровна"
            account.organization = "ООО «Ромашка»"
            account.position = "Главный бухгалтер"
            account.address = "г. Екатеринбург, ул. Ленина, 1"
            account.phone = "+73431234567"
        }
        return account
    }
}
