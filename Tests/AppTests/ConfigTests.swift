import FluentKit
import Foundation
import Mail
import SQLKit
import Testing

@testable import App

@Suite struct ConfigTests {
    @Test func defaultsWork() throws {
        let config = try PortalConfig.load([:])
        #expect(config.port == 8080)
        #expect(config.database == .sqliteFile("./data/lkk.sqlite"))
        #expect(config.mailer == .files("./data/mail"))
        #expect(config.timeZone.identifier == "Asia/Yekaterinburg")
        #expect(config.secureCookies == false)
        #expect(config.sessionIdle == 1800)
        #expect(config.sessionAbsolute == 43200)
        #expect(config.mode == .development)
        #expect(config.databasePoolSize == 2)
    }

    @Test func readsEveryVariable() throws {
        let config = try PortalConfig.load([
            "PORT": "9090", "PORTAL_DATA_DIR": "/srv/lkk", "DATABASE_URL": "postgres://lkk:pw@db:5432/lkk",
            "PORTAL_BASE_URL": "https://lk.example.ru", "PORTAL_TIME_ZONE": "Europe/Moscow",
            "SMTP_URL": "smtps://robot:pw@smtp.example.ru", "SESSION_IDLE_MINUTES": "15", "SESSION_ABSOLUTE_HOURS": "8",
            "DATABASE_POOL_SIZE": "3",
        ])
        #expect(config.port == 9090)
        #expect(config.database == .postgres("postgres://lkk:pw@db:5432/lkk"))
        #expect(config.baseOrigin == "https://lk.example.ru")
        #expect(config.timeZone.identifier == "Europe/Moscow")
        #expect(config.secureCookies, "https base URL means secure cookies")
        #expect(config.sessionCookieName == "__Host-lkk_session")
        #expect(config.sessionIdle == 900)
        #expect(config.sessionAbsolute == 8 * 3600)
        #expect(config.databasePoolSize == 3)
        guard case .smtp(let smtp) = config.mailer else {
            Issue.record("SMTP_URL selects SMTP")
            return
        }
        #expect(smtp.security == .implicitTLS)
        #expect(try PortalConfig.load(["PORTAL_DATA_DIR": "/srv/lkk"]).database == .sqliteFile("/srv/lkk/lkk.sqlite"))
        #expect(
            try PortalConfig.load(["DATABASE_URL": "sqlite:///var/lib/lkk/db.sqlite"]).database
                == .sqliteFile("/var/lib/lkk/db.sqlite"))
        #expect(
            try PortalConfig.load(["SESSION_SECURE_COOKIES": "false", "PORTAL_BASE_URL": "https://x.ru"]).secureCookies
                == false)
    }

    @Test(arguments: [
        ("DATABASE_URL", "mysql://x@y/z"), ("DATABASE_URL", "sqlite://relative.db"), ("DATABASE_URL", "postgres://"),
        ("PORT", "http"), ("PORT", "70000"), ("PORTAL_BASE_URL", "lk.example.ru"), ("PORTAL_TIME_ZONE", "Mars/Olympus"),
        ("SMTP_URL", "imap://mail.example.ru"), ("SESSION_SECURE_COOKIES", "maybe"), ("SESSION_IDLE_MINUTES", "-5"),
        ("PORTAL_ENV", "staging"), ("PORTAL_TRUSTED_PROXIES", "10.0.0.0/33"), ("PORTAL_TRUSTED_PROXIES", "lb.local"),
        ("PORTAL_RESOURCES_DIR", "/nonexistent"), ("PORTAL_ACQUIRER", "paypal"), ("PORTAL_ACQUIRER", "yookassa"),
        ("PORTAL_SANDBOX_SECRET", "short"), ("PORTAL_SANDBOX_WEBHOOK_COPIES", "9"),
        ("DATABASE_POOL_SIZE", "0"), ("DATABASE_POOL_SIZE", "many"),
    ])
    func wrongValueNamesTheVariable(name: String, value: String) {
        do {
            _ = try PortalConfig.load([name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch let error as ConfigError {
            #expect(error.variable == name)
            #expect(error.description.hasPrefix("\(name): "))
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theAcquirerIsChosenAndTheSandboxNeedsItsOwnKeyInProduction() throws {
        #expect(try PortalConfig.load([:]).yookassa == nil)
        let yookassa = try PortalConfig.load([
            "PORTAL_ACQUIRER": "yookassa", "YOOKASSA_SHOP_ID": "123", "YOOKASSA_SECRET_KEY": "live_x",
            "YOOKASSA_VAT_CODE": "4", "PORTAL_BASE_URL": "https://lk.example.ru",
        ]).yookassa
        #expect(
            yookassa == .init(shopID: "123", secretKey: "live_x", baseURL: "https://api.yookassa.ru/v3", vatCode: 4))
        let production = ["PORTAL_ENV": "production", "PORTAL_BASE_URL": "https://lk.example.ru"]
        // Production takes no sandbox unless a staging stand says so, and then not with the built-in key.
        #expect(Self.refusal(production) == "PORTAL_ACQUIRER")
        #expect(Self.refusal(production.merging(["PORTAL_ALLOW_SANDBOX": "1"]) { $1 }) == "PORTAL_SANDBOX_SECRET")
        let staging = try PortalConfig.load(
            production.merging(["PORTAL_ALLOW_SANDBOX": "1", "PORTAL_SANDBOX_SECRET": "a-key-of-our-own-123"]) { $1 })
        #expect(staging.sandboxSecret == "a-key-of-our-own-123" && staging.sandboxPayments)
    }

    /// The variable a configuration is refused for, or nil when it is accepted.
    static func refusal(_ env: [String: String]) -> String? {
        do {
            _ = try PortalConfig.load(env)
            return nil
        } catch let error as ConfigError {
            return error.variable
        } catch {
            return "\(error)"
        }
    }

    /// What production requires, and what development allows only on this machine.
    @Test func productionNeedsItsAddressAndDevelopmentStaysOnThisMachine() throws {
        #expect(Self.refusal(["PORTAL_ENV": "production"]) == "PORTAL_BASE_URL")
        #expect(
            Self.refusal([
                "PORTAL_ENV": "production", "PORTAL_BASE_URL": "https://lk.example.ru", "PORTAL_DEMO": "true",
            ])
                == "PORTAL_DEMO")
        #expect(Self.refusal(["PORTAL_METRICS_TOKEN": "short"]) == "PORTAL_METRICS_TOKEN")
        #expect(Self.refusal(["YOOKASSA_WEBHOOK_NETWORKS": "not an address"]) == "YOOKASSA_WEBHOOK_NETWORKS")
        // The default mode listens on loopback only; another address needs PORTAL_ENV said out loud.
        #expect(throws: Never.self) { try PortalConfig.load([:]).checkListening() }
        #expect(throws: Never.self) { try PortalConfig.load(["PORTAL_HOST": "127.0.0.2"]).checkListening() }
        #expect(throws: Never.self) { try PortalConfig.load(["PORTAL_HOST": "::1"]).checkListening() }
        #expect(throws: ConfigError.self) { try PortalConfig.load(["PORTAL_HOST": "0.0.0.0"]).checkListening() }
        #expect(throws: ConfigError.self) { try PortalConfig.load(["PORTAL_HOST": "10.1.2.3"]).checkListening() }
        #expect(throws: Never.self) {
            try PortalConfig.load(["PORTAL_HOST": "0.0.0.0", "PORTAL_ENV": "development"]).checkListening()
        }
        // Links are built from the configuration, never from a request.
        #expect(try PortalConfig.load(["PORT": "9090"]).publicOrigin == "http://127.0.0.1:9090")
        #expect(
            try PortalConfig.load(["PORTAL_HOST": "0.0.0.0", "PORTAL_ENV": "development"]).publicOrigin
                == "http://127.0.0.1:8080")
        #expect(
            try PortalConfig.load(["PORTAL_BASE_URL": "https://lk.example.ru/"]).publicOrigin == "https://lk.example.ru"
        )
    }

    @Test func clientAddressThroughTrustedProxies() throws {
        let trusted = try PortalConfig.load(["PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10, ::1"]).trustedProxies
        #expect(trusted.count == 3)
        // A direct client: its own address, whatever it claims.
        #expect(
            TrustedProxy.clientAddress(peer: "203.0.113.7", forwardedFor: ["1.2.3.4"], trusted: trusted)
                == "203.0.113.7")
        // Through the load balancer: the nearest untrusted hop; a spoofed first hop is ignored.
        #expect(
            TrustedProxy.clientAddress(peer: "10.1.2.3", forwardedFor: ["6.6.6.6, 198.51.100.9"], trusted: trusted)
                == "198.51.100.9")
        #expect(
            TrustedProxy.clientAddress(peer: "::1", forwardedFor: ["198.51.100.9", "192.168.1.10"], trusted: trusted)
                == "198.51.100.9")
        #expect(TrustedProxy.clientAddress(peer: "10.1.2.3", forwardedFor: [], trusted: trusted) == "10.1.2.3")
        #expect(TrustedProxy.clientAddress(peer: nil, forwardedFor: [], trusted: trusted) == "unknown")
        #expect(TrustedProxy("10.0.0.0/8")?.contains("11.0.0.1") == false)
        #expect(TrustedProxy("0.0.0.0/0")?.contains("11.0.0.1") == true)
    }

    @Test func passwordsAreNotPrinted() {
        do {
            _ = try PortalConfig.load(["SMTP_URL": "ftp://user:hunter2@mail.example.ru"])
        } catch {
            #expect(!String(describing: error).contains("hunter2"))
        }
    }

    @Test func sqliteSynchronousIsNormalUnlessFullIsAskedFor() async throws {
        #expect(try PortalConfig.load([:]).sqliteSynchronous == "NORMAL")
        #expect(try PortalConfig.load(["PORTAL_SQLITE_SYNCHRONOUS": "full"]).sqliteSynchronous == "FULL")
        #expect(throws: ConfigError.self) { try PortalConfig.load(["PORTAL_SQLITE_SYNCHRONOUS": "off"]) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lkk-sync-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withPortal({
            $0.database = .sqliteFile(folder.appendingPathComponent("lkk.sqlite").path)
            $0.sqliteSynchronous = "FULL"
        }) { world in
            for loop in world.app.eventLoopGroup.makeIterator() {
                let db = try #require(world.app.databases.database(.sqlite, logger: world.app.logger, on: loop))
                let sync = try #require(try await db.sql.raw("PRAGMA synchronous").first())
                #expect(try sync.decode(column: "synchronous", as: Int.self) == 2, "FULL")
            }
        }
    }

    @Test func everySQLiteConnectionWaitsForALockBySleepingNotSpinning() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lkk-busy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withPortal({ $0.database = .sqliteFile(folder.appendingPathComponent("lkk.sqlite").path) }) {
            world in
            var loops = 0
            for loop in world.app.eventLoopGroup.makeIterator() {
                let db = try #require(world.app.databases.database(.sqlite, logger: world.app.logger, on: loop))
                let row = try #require(try await db.sql.raw("PRAGMA busy_timeout").first())
                #expect(try row.decode(column: "timeout", as: Int.self) == 10000)
                let mode = try #require(try await db.sql.raw("PRAGMA journal_mode").first())
                #expect(try mode.decode(column: "journal_mode", as: String.self) == "wal")
                let sync = try #require(try await db.sql.raw("PRAGMA synchronous").first())
                #expect(try sync.decode(column: "synchronous", as: Int.self) == 1, "NORMAL")
                loops += 1
            }
            #expect(loops >= 1)
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs LKK_TEST_DATABASE_URL"))
    func thePostgreSQLPoolOpensAsManyConnectionsPerEventLoopAsConfigured() async throws {
        try await withPortal({ $0.databasePoolSize = 3 }) { world in
            let loop = world.app.eventLoopGroup.any()
            let db = try #require(world.app.databases.database(.psql, logger: world.app.logger, on: loop))
            // Eight queries at once on one loop's pool, each holding its connection for a while.
            let pids = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await db.sql.raw("SELECT pg_backend_pid() AS pid FROM pg_sleep(0.05)").first()!
                            .decode(column: "pid", as: Int.self)
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
            #expect(pids.count == 3, "\(pids)")
        }
    }
}
