import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

@Suite struct SessionTests {
    func whoami(_ world: TestWorld, cookie: String, name: String = "lkk_session") async throws -> (String, String?) {
        var body = ""
        var setCookie: String?
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cookie, value: "\(name)=\(cookie)")
        try await world.app.testing().test(.GET, "test/whoami", headers: headers) { res async in
            body = res.body.string
            setCookie = res.headers.first(name: .setCookie)
        }
        return (body, setCookie)
    }

    @Test func cookieFlagsInDevelopment() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            try await world.app.testing().test(.GET, "test/form") { res async in
                let header = res.headers.first(name: .setCookie) ?? ""
                #expect(header.hasPrefix("lkk_session="))
                #expect(header.contains("HttpOnly"))
                #expect(header.contains("SameSite=Lax"))
                #expect(header.contains("Path=/"))
                #expect(!header.contains("Secure"))
            }
        }
    }

    @Test func cookieFlagsWhenSecure() async throws {
        try await withPortal({ $0.secureCookies = true }) { world in
            world.addTestRoutes()
            try await world.app.testing().test(.GET, "test/form") { res async in
                let header = res.headers.first(name: .setCookie) ?? ""
                #expect(header.hasPrefix("__Host-lkk_session="))
                #expect(header.contains("Secure"))
                #expect(header.contains("HttpOnly"))
                #expect(!header.contains("Domain="))
            }
        }
    }

    @Test func tokenHashIsLowercaseHexOfSHA256() {
        // The FIPS 180-2 example: SHA-256 of "abc".
        #expect(Sessions.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect([0x00, 0x0F, 0xF0, 0xFF, 0x5A].hex == "000ff0ff5a")
        #expect([UInt8]().hex == "")
    }

    @Test func onlyTheHashOfTheTokenIsStored() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let cookie = try await signIn(world, form: try await world.openForm())
            #expect(try await world.count("sessions") == 1)
            #expect(try await world.count("sessions", where: "token_hash = '\(cookie)'") == 0)
            #expect(try await world.count("sessions", where: "token_hash = '\(Sessions.hash(cookie))'") == 1)
        }
    }

    @Test func theSessionAndItsAccountAreReadInOneQueryAsFluentReadsThem() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            let account = Account.sample(email: "hand@romashka.ru", passwordHash: "-", now: world.clock.now())
            account.middleName = nil
            account.phone = "+79001234567"
            try await account.create(on: world.app.db)
            let session = PortalSession(
                tokenHash: "h1", csrfToken: "c1", accountID: account.id, now: world.clock.now(), userAgent: nil,
                ipAddress: "10.0.0.7")
            try await session.create(on: world.app.db)
            let anonymous = PortalSession(
                tokenHash: "h2", csrfToken: "c2", accountID: nil, now: world.clock.now(), userAgent: "UA",
                ipAddress: nil)
            try await anonymous.create(on: world.app.db)

            let found = try #require(try await PortalSessionMiddleware.find(tokenHash: "h1", on: world.app.db))
            let fluentSession = try #require(try await PortalSession.find(session.id, on: world.app.db))
            let fluentAccount = try #require(try await Account.find(account.id, on: world.app.db))
            #expect(
                found.session.id == fluentSession.id && found.session.csrfToken == "c1"
                    && found.session.accountID == account.id)
            #expect(
                found.session.createdAt == fluentSession.createdAt
                    && found.session.lastSeenAt == fluentSession.lastSeenAt)
            #expect(found.session.userAgent == nil && found.session.ipAddress == "10.0.0.7")
            let hand = try #require(found.account)
            for field in [\Account.email, \.lastName, \.firstName, \.middleName, \.phone, \.organization] {
                #expect(hand[keyPath: field] == fluentAccount[keyPath: field])
            }
            #expect(hand.passwordChangedAt == fluentAccount.passwordChangedAt && hand.emailConfirmed)

            // Read as Fluent reads: an update writes what changed and keeps the rest.
            hand.phone = "+79007654321"
            try await hand.update(on: world.app.db)
            let updated = try #require(try await Account.find(account.id, on: world.app.db))
            #expect(updated.phone == "+79007654321" && updated.email == "hand@romashka.ru")

            let before = try #require(try await PortalSessionMiddleware.find(tokenHash: "h2", on: world.app.db))
            #expect(before.session.userAgent == "UA" && before.session.accountID == nil && before.account == nil)
            #expect(try await PortalSessionMiddleware.find(tokenHash: "h3", on: world.app.db) == nil)

            // The account gone, the session is found without it (the middleware then signs it out).
            try await sql.raw("DELETE FROM sessions WHERE token_hash = 'h1'").run()
            try await PortalSession(
                tokenHash: "h4", csrfToken: "c4", accountID: UUID(), now: world.clock.now(), userAgent: nil,
                ipAddress: nil
            ).create(on: world.app.db)
            let orphan = try #require(try await PortalSessionMiddleware.find(tokenHash: "h4", on: world.app.db))
            #expect(orphan.account == nil && orphan.session.accountID != nil)
        }
    }

    @Test func pageViewsWithoutFormsCreateNoSession() async throws {
        try await withPortal { world in
            try await world.app.testing().test(.GET, "/manual") { res async in
                #expect(res.headers.first(name: .setCookie) == nil)
            }
            #expect(try await world.count("sessions") == 0)
        }
    }

    @Test func anonymousFormsWriteNoSession() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            // The sign-in, registration and recovery forms set an unsaved session's cookie and write nothing.
            for path in ["/login", "/register", "/recover"] {
                var cookie = ""
                try await world.app.testing().test(.GET, path) { res async in
                    #expect(res.status == .ok, "\(path)")
                    cookie = res.headers.setCookie?["lkk_session"]?.string ?? ""
                }
                #expect(Sessions.isUnsaved(cookie), "\(path): \(cookie)")
            }
            let (cookie, token) = try await world.openForm()
            #expect(cookie.count == 44 && cookie.hasPrefix("a") && token.count == 43)
            // The same cookie keeps its token and is not set again.
            var headers = HTTPHeaders()
            headers.add(name: .cookie, value: "lkk_session=\(cookie)")
            try await world.app.testing().test(.GET, "test/form", headers: headers) { res async in
                #expect(res.body.string == token)
                #expect(res.headers.first(name: .setCookie) == nil)
            }
            #expect(try await world.count("sessions") == 0)
            // Another visitor's form has another token.
            #expect(try await world.openForm().token != token)
        }
    }

    @Test func anUnsavedSessionIsSavedWithItsTokensWhenNeeded() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            world.app.post("test", "ensure") { req async throws -> String in
                try await req.sessions.ensure().csrfToken
            }
            let (cookie, token) = try await world.openForm()
            var headers = HTTPHeaders()
            headers.formPost(cookie: cookie)
            headers.replaceOrAdd(name: .userAgent, value: "Mozilla/5.0 Chrome/156.0")
            // Sent twice at once (a double click), it is saved once, and both are answered.
            async let first = try world.app.testing().sendRequest(
                .POST, "test/ensure", headers: headers, body: ByteBuffer(string: "_csrf=\(token)"))
            async let second = try world.app.testing().sendRequest(
                .POST, "test/ensure", headers: headers, body: ByteBuffer(string: "_csrf=\(token)"))
            for response in try await [first, second] {
                #expect(response.status == .ok)
                #expect(response.body.string == token, "the forms already shown stay valid")
                #expect(response.headers.first(name: .setCookie) == nil, "the browser's cookie stays")
            }
            #expect(try await world.count("sessions") == 1)
            let row = try #require(try await PortalSession.query(on: world.app.db).first())
            #expect(row.tokenHash == Sessions.hash(cookie) && row.csrfToken == token && row.accountID == nil)
            #expect(row.userAgent == "Mozilla/5.0 Chrome/156.0")
            // Signing in from it still gets a new token.
            let signedIn = try await signIn(world, form: (cookie, token))
            #expect(signedIn.count == 43 && signedIn != cookie)
            #expect(try await world.count("sessions") == 1)
        }
    }

    @Test func signInGivesANewToken() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let (before, token) = try await world.openForm()
            var headers = HTTPHeaders()
            headers.formPost(cookie: before)
            var after = ""
            try await world.app.testing().test(
                .POST, "test/signin", headers: headers, body: ByteBuffer(string: "_csrf=\(token)")
            ) { res async in
                #expect(res.status == .ok)
                after = res.headers.setCookie?["lkk_session"]?.string ?? ""
            }
            #expect(!after.isEmpty && after != before)
            #expect(try await whoami(world, cookie: after).0 == "00000000-0000-0000-0000-0000000000AA")
            // The pre-sign-in token no longer opens anything, and the browser is told to drop it.
            #expect(try await whoami(world, cookie: before).0 == "anonymous")
            #expect(try await world.count("sessions") == 1)
            // A signed-in session ended elsewhere: its token opens nothing, and the browser is told to drop it.
            try await world.app.db.sql.raw("DELETE FROM sessions").run()
            let (who, setCookie) = try await whoami(world, cookie: after)
            #expect(who == "anonymous")
            #expect(setCookie?.contains("Max-Age=0") == true || setCookie?.contains("1970") == true)
        }
    }

    @Test func idleSessionIsRefused() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let cookie = try await signIn(world, form: try await world.openForm())
            world.clock.advance(29 * 60)
            #expect(try await whoami(world, cookie: cookie).0 != "anonymous", "29 minutes idle is still alive")
            world.clock.advance(29 * 60)
            #expect(try await whoami(world, cookie: cookie).0 != "anonymous", "the last request renewed it")
            world.clock.advance(31 * 60)
            let (who, setCookie) = try await whoami(world, cookie: cookie)
            #expect(who == "anonymous")
            #expect(setCookie?.hasPrefix("lkk_session=;") == true)
            #expect(try await world.count("sessions") == 0)

            // A page that needs a signed-in account sends an idle session to sign-in and clears its cookie.
            let second = try await signIn(world, form: try await world.openForm())
            world.clock.advance(31 * 60)
            var headers = HTTPHeaders()
            headers.add(name: .cookie, value: "lkk_session=\(second)")
            try await world.app.testing().test(.GET, "payments", headers: headers) { res async in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/login")
                #expect(res.headers.first(name: .setCookie)?.hasPrefix("lkk_session=;") == true)
            }
            #expect(try await world.count("sessions") == 0)
        }
    }

    @Test func absoluteTimeoutEndsEvenABusySession() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let cookie = try await signIn(world, form: try await world.openForm())
            // Active every 20 minutes for 11 h 40 min: alive.
            for _ in 0..<35 {
                world.clock.advance(20 * 60)
                #expect(try await whoami(world, cookie: cookie).0 != "anonymous")
            }
            world.clock.advance(21 * 60)  // 12 h 01 min after sign-in
            #expect(try await whoami(world, cookie: cookie).0 == "anonymous")
        }
    }

    @Test func timeoutsAreConfigurable() async throws {
        try await withPortal({ $0.sessionIdle = 5 * 60 }) { world in
            world.addTestRoutes()
            let cookie = try await signIn(world, form: try await world.openForm())
            world.clock.advance(6 * 60)
            #expect(try await whoami(world, cookie: cookie).0 == "anonymous")
        }
    }

    @Test func sessionRecordsBrowserAndAddress() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            _ = try await signIn(
                world, form: try await world.openForm(), userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0")
            let found = try await PortalSession.query(on: world.app.db).first()
            let row = try #require(found)
            #expect(row.userAgent == "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0")
            #expect(row.ipAddress != nil)
        }
    }

    @Test func expiredSessionsAreSwept() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            _ = try await signIn(world, form: try await world.openForm())
            _ = try await signIn(world, form: try await world.openForm())
            #expect(try await world.count("sessions") == 2)
            world.clock.advance(31 * 60)
            try await Housekeeping.run(world.app)
            #expect(try await world.count("sessions") == 0)
        }
    }

    /// Signs in from an anonymous form's cookie and token and returns the new cookie.
    func signIn(_ world: TestWorld, form: (cookie: String, token: String), userAgent: String? = nil) async throws
        -> String
    {
        let (cookie, token) = form
        var headers = HTTPHeaders()
        headers.formPost(cookie: cookie)
        if let userAgent { headers.replaceOrAdd(name: .userAgent, value: userAgent) }
        var after = ""
        try await world.app.testing().test(
            .POST, "test/signin", headers: headers, body: ByteBuffer(string: "_csrf=\(token)")
        ) { res async in
            #expect(res.status == .ok)
            after = res.headers.setCookie?["lkk_session"]?.string ?? ""
        }
        return after
    }
}
