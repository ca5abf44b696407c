import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

@Suite struct CSRFTests {
    func post(
        _ world: TestWorld, cookie: String?, body: String, origin: String? = "http://localhost:8080",
        fetchSite: String? = nil, header token: String? = nil
    ) async throws -> HTTPStatus {
        var status = HTTPStatus.ok
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .host, value: "localhost:8080")
        headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
        if let cookie { headers.replaceOrAdd(name: .cookie, value: "lkk_session=\(cookie)") }
        if let origin { headers.replaceOrAdd(name: .origin, value: origin) }
        if let fetchSite { headers.replaceOrAdd(name: "Sec-Fetch-Site", value: fetchSite) }
        if let token { headers.replaceOrAdd(name: "X-CSRF-Token", value: token) }
        try await world.app.testing().test(.POST, "test/form", headers: headers, body: ByteBuffer(string: body)) {
            res async in
            status = res.status
            if res.status == .forbidden {
                #expect(res.body.string.contains("Обновите страницу и повторите действие"))
            }
        }
        return status
    }

    @Test func acceptsTheFormWithItsToken() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm()
            #expect(token.count == 43)
            #expect(try await post(world, cookie: cookie, body: "_csrf=\(token)&x=1") == .ok)
            #expect(try await post(world, cookie: cookie, body: "x=1", header: token) == .ok)
            // The token among many fields, or with its name percent-encoded, as any form encoder may send it.
            let fields = (1...300).map { "r%5B\($0)%5D=\($0)%2C5" }.joined(separator: "&")
            #expect(try await post(world, cookie: cookie, body: "\(fields)&_csrf=\(token)&q=%D0%AF") == .ok)
            #expect(try await post(world, cookie: cookie, body: "%5Fcsrf=\(token)") == .ok)
        }
    }

    @Test func refusesAFormWithoutTheToken() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm()
            #expect(try await post(world, cookie: cookie, body: "x=1") == .forbidden)
            let altered = token.dropLast() + (token.hasSuffix("A") ? "B" : "A")
            #expect(try await post(world, cookie: cookie, body: "_csrf=\(altered)") == .forbidden)
            #expect(try await post(world, cookie: cookie, body: "x_csrf=\(token)&_csrfx=\(token)") == .forbidden)
            #expect(try await post(world, cookie: cookie, body: "_csrf=\(token)%") == .forbidden)
            // A token without the session it belongs to is worthless.
            #expect(try await post(world, cookie: nil, body: "_csrf=\(token)") == .forbidden)
            // And so is one with another visitor's session, or with a cookie made up to match no row.
            let (other, _) = try await world.openForm()
            #expect(try await post(world, cookie: other, body: "_csrf=\(token)") == .forbidden)
            #expect(try await post(world, cookie: "a" + Sessions.randomToken(), body: "_csrf=\(token)") == .forbidden)
        }
    }

    @Test func refusesAForeignOrigin() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm()
            #expect(
                try await post(world, cookie: cookie, body: "_csrf=\(token)", origin: "https://evil.example")
                    == .forbidden)
            #expect(try await post(world, cookie: cookie, body: "_csrf=\(token)", origin: "null") == .forbidden)
            #expect(
                try await post(world, cookie: cookie, body: "_csrf=\(token)", origin: nil, fetchSite: "cross-site")
                    == .forbidden)
            #expect(
                try await post(world, cookie: cookie, body: "_csrf=\(token)", origin: nil, fetchSite: "same-origin")
                    == .ok)
        }
    }

    @Test func configuredBaseURLIsTheOnlyOrigin() async throws {
        try await withPortal({
            $0.baseURL = URL(string: "https://lk.example.ru")
            $0.secureCookies = true
        }) { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm(cookieName: "__Host-lkk_session")
            var status = HTTPStatus.ok
            for (origin, expected) in [("https://lk.example.ru", HTTPStatus.ok), ("http://localhost:8080", .forbidden)]
            {
                var headers = HTTPHeaders()
                headers.formPost(cookie: cookie, cookieName: "__Host-lkk_session", origin: origin)
                try await world.app.testing().test(
                    .POST, "test/form", headers: headers, body: ByteBuffer(string: "_csrf=\(token)")
                ) {
                    status = $0.status
                }
                #expect(status == expected, "\(origin)")
            }
        }
    }
}

@Suite struct HeaderTests {
    @Test func pagesCarryTheSecurityHeaders() async throws {
        try await withPortal { world in
            for path in ["/", "/manual", "/no-such-page", "/css/portal.css"] {
                try await world.app.testing().test(.GET, path) { res async in
                    let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                    #expect(csp.contains("default-src 'self'"), "\(path)")
                    #expect(csp.contains("frame-ancestors 'none'"))
                    #expect(!csp.contains("unsafe-inline"))
                    #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
                    #expect(res.headers.first(name: "Referrer-Policy") == "same-origin")
                    #expect(res.headers.first(name: "Strict-Transport-Security") == nil, "no HSTS over plain http")
                    // Pages are never stored; the style sheet may be.
                    #expect(
                        res.headers.first(name: .cacheControl) == (path.hasSuffix(".css") ? nil : "no-store"),
                        "\(path)")
                }
            }
        }
    }

    @Test func hstsWhenTheBaseURLIsHTTPS() async throws {
        try await withPortal({ $0.baseURL = URL(string: "https://lk.example.ru") }) { world in
            try await world.app.testing().test(.GET, "/") { res async in
                #expect(res.headers.first(name: "Strict-Transport-Security")?.hasPrefix("max-age=31536000") == true)
            }
        }
    }
}

@Suite struct RateLimitTests {
    @Test func throttlesFormsPerAddressAndRecoversNextWindow() async throws {
        try await withPortal({ $0.formsPerMinutePerAddress = 3 }) { world in
            world.addTestRoutes()
            let (cookie, token) = try await world.openForm()
            var statuses: [HTTPStatus] = []
            for _ in 0..<5 {
                var headers = HTTPHeaders()
                headers.formPost(cookie: cookie)
                try await world.app.testing().test(
                    .POST, "test/form", headers: headers, body: ByteBuffer(string: "_csrf=\(token)")
                ) { res async in
                    statuses.append(res.status)
                    if res.status == .tooManyRequests {
                        #expect(Int(res.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
                        #expect(res.body.string.contains("Слишком много запросов"))
                    }
                }
            }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests, .tooManyRequests])
            world.clock.advance(61)
            var headers = HTTPHeaders()
            headers.formPost(cookie: cookie)
            try await world.app.testing().test(
                .POST, "test/form", headers: headers, body: ByteBuffer(string: "_csrf=\(token)")
            ) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func countersLiveInTheDatabaseWhenAskedTo() async throws {
        try await withPortal { world in
            let now = world.clock.now()
            let limiter = RateLimiter(memory: nil)
            for expected in 1...3 {
                let decision = try await limiter.hit("signin:acc", limit: 2, window: 300, now: now, on: world.app.db)
                #expect(decision.hits == expected)
                #expect(decision.allowed == (expected <= 2))
            }
            // Another bucket counts on its own.
            #expect(try await limiter.hit("signin:other", limit: 2, window: 300, now: now, on: world.app.db).hits == 1)
            #expect(try await world.count("rate_limits") == 2)
            world.clock.advance(3600)
            try await Housekeeping.run(world.app)
            #expect(try await world.count("rate_limits") == 0)
        }
    }

    @Test func countersAreInMemoryOnSQLiteAndInTheDatabaseOnPostgreSQL() async throws {
        #expect(RateLimiter(for: .sqliteFile("/tmp/x.sqlite")).memory != nil)
        #expect(RateLimiter(for: .sqliteMemory).memory != nil)
        #expect(RateLimiter(for: .postgres("postgres://u@h/db")).memory == nil)
        try await withPortal { world in
            let onSQLite = world.app.portal.config.database.isSQLite
            #expect((world.app.portal.rateLimiter.memory != nil) == onSQLite)
            // Either way, the portal's own limiter refuses the hit past the limit.
            let now = world.clock.now()
            var last: RateLimiter.Decision?
            for _ in 1...4 {
                last = try await world.app.portal.rateLimiter.hit(
                    "forms:10.1.1.1", limit: 3, window: 60, now: now, on: world.app.db)
            }
            #expect(last?.hits == 4)
            #expect(last?.allowed == false)
            #expect(try await world.count("rate_limits") == (onSQLite ? 0 : 1))
        }
    }

    @Test func memoryCountersCountWindowsAndForgetEndedOnes() async throws {
        try await withPortal { world in
            let memory = MemoryRateLimits()
            let limiter = RateLimiter(memory: memory)
            let start = world.clock.now()
            let db = world.app.db
            // 200 hits at once are all counted.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask { _ = try await limiter.hit("forms:a", limit: 1000, window: 600, now: start, on: db) }
                }
                try await group.waitForAll()
            }
            let after = try await limiter.hit("forms:a", limit: 200, window: 600, now: start, on: db)
            #expect(after.hits == 201)
            #expect(!after.allowed)
            #expect(after.retryAfter > 0 && after.retryAfter <= 600)
            #expect(try await limiter.hit("forms:b", limit: 5, window: 600, now: start, on: db).hits == 1)
            // The next window starts again from one.
            let later = start.addingTimeInterval(600)
            #expect(try await limiter.hit("forms:a", limit: 5, window: 600, now: later, on: db).hits == 1)
            #expect(memory.count == 3)
            try await limiter.sweep(on: db, now: later.addingTimeInterval(1))
            #expect(memory.count == 1, "the ended windows of a and b are dropped")
            // A flood of buckets is bounded: at 10,000 windows the ended ones go before the next is counted.
            for index in 0..<9_999 {
                _ = try await limiter.hit("forms:\(index)", limit: 5, window: 60, now: later, on: db)
            }
            #expect(memory.count == 10_000)
            _ = try await limiter.hit("forms:new", limit: 5, window: 60, now: later.addingTimeInterval(3600), on: db)
            #expect(memory.count == 1)
        }
    }
}
