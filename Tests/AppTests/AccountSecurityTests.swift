import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// What a stranger could do with codes, passwords, timing, letters and large bodies, and what stops it.
@Suite struct AccountSecurityTests {
    static let password = "Зимний-вечер-2026"

    /// A code's letters per address are capped per day, for an address with an account and without one
    /// alike: the sixth request gets the same refusal either way.
    @Test func anAddressGetsAtMostFiveCodesADay() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: Self.password)
            for email in ["buh@romashka.ru", "nobody@romashka.ru"] {
                let browser = TestBrowser(world)
                try await browser.get("/recover")
                #expect(try await browser.post("/recover", ["email": email]).location == "/recover/code")
                for _ in 0..<4 {
                    world.clock.advance(61)
                    let resent = try await browser.post("/recover/code/resend")
                    #expect(resent.body.contains("Мы отправили новый код."), "\(email)")
                }
                world.clock.advance(61)
                let refused = try await browser.post("/recover/code/resend")
                #expect(refused.status == .tooManyRequests, "\(email)")
                #expect(refused.body.contains("Слишком много кодов для этого адреса за сутки"), "\(email)")
                // A new browser asking again gets the same answer.
                let other = TestBrowser(world)
                try await other.get("/recover")
                let again = try await other.post("/recover", ["email": email])
                #expect(again.status == .tooManyRequests)
                #expect(again.body.contains("Слишком много"))
            }
            #expect(try await world.deliveredMail().count == 5, "five letters to the address that has an account")
            // The next day the address gets codes again.
            world.clock.advance(24 * 3600)
            let browser = TestBrowser(world)
            try await browser.get("/recover")
            #expect(try await browser.post("/recover", ["email": "buh@romashka.ru"]).location == "/recover/code")
        }
    }

    /// «Отправить повторно» gives a code five new tries, but not a sixteenth wrong code for the address that
    /// day: a code of 10⁶ cannot be guessed by resending.
    @Test func fifteenWrongCodesADayEndTheGuessing() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: Self.password)
            let browser = TestBrowser(world)
            try await browser.get("/recover")
            try await browser.post("/recover", ["email": "buh@romashka.ru"])
            var code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            let fields = { (typed: String) in
                ["code": typed, "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"]
            }
            var wrongTyped = 0
            for round in 0..<3 {
                if round > 0 {
                    world.clock.advance(61)
                    try await browser.post("/recover/code/resend")
                    code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
                }
                let wrong = code == "000000" ? "111111" : "000000"
                for _ in 0..<5 {
                    let page = try await browser.post("/recover/code", fields(wrong))
                    #expect(page.status == .unprocessableEntity)
                    wrongTyped += 1
                }
            }
            #expect(wrongTyped == 15)
            world.clock.advance(61)
            try await browser.post("/recover/code/resend")
            code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            let refused = try await browser.post("/recover/code", fields(code))
            #expect(refused.status == .tooManyRequests, "even the right code, once the day's wrong ones are used")
            #expect(refused.body.contains("Слишком много неверных кодов"))
            let account = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first())
            #expect(try Bcrypt.verify(Passwords.prepared(Self.password), created: account.passwordHash))
        }
    }

    /// An unknown address costs the same bcrypt work as a known one, at sign-in and at registration.
    @Test func knownAndUnknownAddressesCostTheSameWork() async throws {
        try await withPortal({ $0.bcryptCost = 5 }) { world in
            let account = Account.sample(
                email: "buh@romashka.ru", passwordHash: try Bcrypt.hash(Passwords.prepared(Self.password), cost: 5),
                now: world.clock.now())
            try await account.create(on: world.app.db)
            let work = world.app.portal.passwordWork
            func workOf(_ action: () async throws -> Void) async throws -> [PasswordWork.Entry] {
                let start = work.count
                try await action()
                return work.since(start)
            }
            let browser = TestBrowser(world)
            try await browser.get("/login")
            let known = try await workOf {
                try await browser.post("/login", ["email": "buh@romashka.ru", "password": "не тот пароль"])
            }
            let unknown = try await workOf {
                try await browser.post("/login", ["email": "nobody@romashka.ru", "password": "не тот пароль"])
            }
            #expect(known == [.init(operation: .verify, cost: 5)])
            #expect(unknown == known)

            try await browser.get("/register")
            let existing = try await workOf {
                try await browser.post(
                    "/register", ["email": "buh@romashka.ru", "password": "Весенний-день-2027", "agree": "on"])
            }
            let fresh = try await workOf {
                try await browser.post(
                    "/register", ["email": "new@romashka.ru", "password": "Весенний-день-2027", "agree": "on"])
            }
            #expect(existing == [.init(operation: .hash, cost: 5)])
            #expect(fresh == existing)
        }
    }

    /// Failed sign-ins are counted per identifier and address: a stranger's ten failures block the stranger's
    /// address, and the owner still signs in from elsewhere.
    @Test func aStrangersFailuresDoNotLockTheOwnerOut() async throws {
        try await withPortal({ $0.trustedProxies = [TrustedProxy("127.0.0.1")!] }) { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: Self.password)
            let stranger = TestBrowser(world)
            stranger.forwardedFor = "203.0.113.7"
            try await stranger.get("/login")
            for _ in 0..<10 {
                let page = try await stranger.post("/login", ["email": "buh@romashka.ru", "password": "подбор-пароля"])
                #expect(page.status == .unprocessableEntity)
            }
            let blocked = try await stranger.post("/login", ["email": "buh@romashka.ru", "password": Self.password])
            #expect(blocked.status == .tooManyRequests)
            #expect(try await world.count("sessions", where: "account_id IS NOT NULL") == 0)
            #expect(blocked.body.contains("Слишком много попыток входа"))

            let owner = TestBrowser(world)
            owner.forwardedFor = "198.51.100.20"
            try await owner.get("/login")
            // (Over a socket the tester follows the redirect, so the session row tells.)
            let signedIn = try await owner.post("/login", ["email": "buh@romashka.ru", "password": Self.password])
            #expect(signedIn.status != .tooManyRequests)
            #expect(try await world.count("sessions", where: "account_id IS NOT NULL") == 1, "the owner is signed in")
        }
    }

    /// The «Добавить договор» letter's link goes to the configured address, whatever `Host` the request
    /// named.
    @Test func lettersLinkToTheConfiguredAddressNotTheRequestsHost() async throws {
        try await withPortal({ $0.port = 8443 }) { world in
            let contracts = ContractTests()
            let browser = try await contracts.setUp(world)
            try await browser.get("/contracts/add")
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .host, value: "evil.example")
            headers.replaceOrAdd(name: .cookie, value: "lkk_session=\(browser.cookie ?? "")")
            headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
            let body =
                "_csrf=\(browser.csrf ?? "")&number=\(ContractTests.number)&email=energo%40romashka.example"
            try await world.app.testing().test(
                .POST, "contracts/add", headers: headers, body: ByteBuffer(string: body)
            ) { res async in #expect(res.status == .seeOther) }
            let letter = try #require(try await world.deliveredMail().first)
            #expect(letter.text.contains("http://127.0.0.1:8443/contracts/confirm?token="))
            #expect(!letter.text.contains("evil.example"))
        }
    }

    /// A form bigger than the routes' limit is refused before anything reads it; an upload route keeps its
    /// own larger limit.
    @Test func aBodyLargerThanItsRoutesLimitIsRefused() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm()
            var headers = HTTPHeaders()
            headers.formPost(cookie: cookie, origin: "http://localhost:8080")
            headers.replaceOrAdd(name: .host, value: "localhost:8080")
            let big = "_csrf=\(token)&x=" + String(repeating: "a", count: 2 * 1024 * 1024)
            // Over a socket, as a browser sends it: the in-memory tester hands the body over whole.
            try await world.fromThisMachine().test(
                .POST, "test/form", headers: headers, body: ByteBuffer(string: big)
            ) { res async in #expect(res.status == .payloadTooLarge) }
            #expect(CSRFMiddleware.bodyLimit(try #require(self.request(world, "test/form"))) == 1024 * 1024)
            #expect(
                CSRFMiddleware.bodyLimit(try #require(self.request(world, "readings/upload"))) == 21 * 1024 * 1024)
        }
    }

    /// A request for `path` with its route, as the middlewares see it.
    func request(_ world: TestWorld, _ path: String) -> Request? {
        let request = Request(
            application: world.app, method: .POST, url: URI(path: "/" + path), on: world.app.eventLoopGroup.any())
        guard
            let route = world.app.routes.all.first(where: { route in
                route.method == .POST && route.path.map(\.description).joined(separator: "/") == path
            })
        else { return nil }
        request.route = route
        return request
    }

    /// A file with thousands of bad rows shows the first hundred problems and how many more there are.
    @Test func anUploadListsAtMostAHundredProblems() {
        var page = ReadingsUploadPage(context: .mock, csrf: "token", contracts: [], contract: "")
        page.accepted = 0
        page.problems = (1...250).map { "Строка \($0): прибор учета не найден" }
        let html = page.render().rendered
        #expect(html.components(separatedBy: "<li>Строка").count - 1 == ReadingsUploadPage.problemsShown)
        #expect(html.contains("И еще 150"))
        #expect(!html.contains("Строка 101:"))
    }

    /// Downloads carry personal data and are never cached, as pages; the public files may be.
    @Test func downloadsAreNotCached() async throws {
        try await withPortal { world in
            let contracts = ContractTests()
            let browser = try await contracts.setUp(world)
            try await contracts.link(world, "buh@romashka.ru", .manager)
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .cookie, value: "lkk_session=\(browser.cookie ?? "")")
            try await world.app.testing().test(
                .GET, "contracts/\(ContractTests.number)/download", headers: headers
            ) { res async in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .contentType)?.contains("spreadsheetml") == true)
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
            try await world.app.testing().test(.GET, "css/portal.css") { res async in
                #expect(res.headers.first(name: .cacheControl) == nil)
            }
        }
    }

    /// A staging stand in production mode that pays through the sandbox says so on every page.
    @Test func aStagingStandSaysPaymentsAreTestPayments() async throws {
        try await withPortal({
            $0.mode = .production
            $0.allowSandbox = true
        }) { world in
            for path in ["/login", "/manual"] {
                try await world.app.testing().test(.GET, path) { res async in
                    #expect(res.body.string.contains(Layout.testPaymentsMessage), "\(path)")
                }
            }
        }
        try await withPortal { world in
            try await world.app.testing().test(.GET, "/login") { res async in
                #expect(!res.body.string.contains(Layout.testPaymentsMessage), "development says nothing")
            }
        }
    }
}
