import Foundation
import Mail

/// A wrong configuration value: start-up stops with this one line.
public struct ConfigError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}

/// Everything the portal reads from its environment, with working defaults (docs/configuration.md).
public struct PortalConfig: Sendable {
    public enum DatabaseLocation: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(String)

        public var isSQLite: Bool { if case .postgres = self { false } else { true } }
    }

    public enum MailerKind: Sendable, Equatable {
        /// Writes `.eml` files under this folder.
        case files(String)
        case smtp(SMTPConfiguration)
    }

    public enum Mode: String, Sendable { case development, production }

    public var mode: Mode = .development
    /// Whether `PORTAL_ENV` was given: development mode is the default only on a loopback address.
    public var modeExplicit = false
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    public var database: DatabaseLocation = .sqliteFile("./data/lkk.sqlite")
    /// PostgreSQL connections per event loop, of which there is one per core (`DATABASE_POOL_SIZE`). Two
    /// served the pages as fast as four (and four as fast as eight) on two cores, with a lower p99:
    /// PostgreSQL's backends share the cores with the portal, and fewer of them switch less.
    public var databasePoolSize = 2
    /// The public address of the portal; `nil` when the portal works out its origin from each request's Host.
    public var baseURL: URL?
    public var timeZone = TimeZone(identifier: "Asia/Yekaterinburg")!
    public var mailer: MailerKind = .files("./data/mail")
    public var mailFrom = MailAddress("noreply@localhost", name: "Личный кабинет клиента")
    public var secureCookies = false
    public var sessionIdle: TimeInterval = 30 * 60
    public var sessionAbsolute: TimeInterval = 12 * 3600
    public var resourcesDirectory: String?
    /// Unsafe requests (forms) one address may make per minute.
    public var formsPerMinutePerAddress = 120
    /// SQLite's `synchronous` on every connection: `NORMAL` (the default; with WAL the database stays
    /// consistent and only the last commits before a power loss or an operating-system crash can be lost) or
    /// `FULL` (every commit waits for the disk). PostgreSQL is not affected.
    public var sqliteSynchronous = "NORMAL"
    /// bcrypt work factor: 12 in production; tests use the minimum, 4.
    public var bcryptCost = 12
    /// Load balancers whose `X-Forwarded-For` names the client.
    public var trustedProxies: [TrustedProxy] = []
    /// Whether `serve` also runs the jobs worker.
    public var runJobsInServe = true
    /// Whether `serve` loads the demo billing data and the demo account into an empty database
    /// (PORTAL_DEMO; on by default in development, off in production).
    public var loadDemo: Bool?
    public var demoEnabled: Bool { loadDemo ?? (mode == .development) }
    public var jobPollInterval: TimeInterval = 1
    /// The sandbox acquirer's webhook key (HMAC-SHA256). It moves no money; set your own anyway.
    public var sandboxSecret = PortalConfig.defaultSandboxSecret
    /// How many copies of each webhook the sandbox sends, and how late (to try duplicates and delays).
    public var sandboxWebhookCopies = 1
    public var sandboxWebhookDelay: TimeInterval = 0
    /// YooKassa instead of the sandbox (`PORTAL_ACQUIRER=yookassa`).
    var yookassa: YooKassaAcquirer.Settings?
    static let defaultSandboxSecret = "lkk-sandbox-acquirer-development-key"
    /// The sandbox acquirer in production, for a staging stand (`PORTAL_ALLOW_SANDBOX`): every page then says
    /// that payments are test payments.
    public var allowSandbox = false
    /// Whether card payments go to the sandbox (no money moves).
    public var sandboxPayments: Bool { yookassa == nil }
    /// A bearer token that opens `/metrics` to other hosts than loopback (`PORTAL_METRICS_TOKEN`).
    public var metricsToken: String?
    /// Where YooKassa's notifications may come from (`YOOKASSA_WEBHOOK_NETWORKS`): the ranges YooKassa
    /// publishes for its notifications.
    public var yookassaNetworks: [TrustedProxy] = PortalConfig.yookassaPublishedNetworks.compactMap(TrustedProxy.init)
    static let yookassaPublishedNetworks = [
        "185.71.76.0/27", "185.71.77.0/27", "77.75.153.0/25", "77.75.156.11", "77.75.156.35", "77.75.154.128/25",
    ]

    public init() {}

    /// The origin (`scheme://host[:port]`) of `baseURL`, which unsafe requests must come from.
    public var baseOrigin: String? {
        guard let url = baseURL, let scheme = url.scheme, let host = url.host else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    /// The origin links in letters and redirects to the acquirer are built from: the configured public
    /// address, or in development the address the portal listens on. Never the request's `Host`, which the
    /// sender of a request chooses.
    public var publicOrigin: String {
        if let url = baseURL?.absoluteString { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let host = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Whether `host` names this machine only (`127.0.0.0/8`, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        return TrustedProxy("127.0.0.0/8")!.contains(host)
    }

    /// What `serve` checks before it listens: development mode, where `/dev/mail` shows every letter and the
    /// demo account exists, is reached from outside the machine only when asked for by name.
    public func checkListening() throws {
        guard modeExplicit || Self.isLoopback(host) else {
            throw ConfigError(
                variable: "PORTAL_HOST",
                problem:
                    "«\(host)» is not a loopback address: set PORTAL_ENV=production (or PORTAL_ENV=development for a test stand)"
            )
        }
    }

    /// The session cookie's name: `__Host-` prefixed when cookies are secure, as browsers then enforce
    /// that it is host-only, on `/`, and sent over HTTPS only.
    public var sessionCookieName: String { secureCookies ? "__Host-lkk_session" : "lkk_session" }

    /// Reads the configuration; throws ``ConfigError`` naming the first wrong variable.
    public static func load(_ env: [String: String]) throws -> PortalConfig {
        var config = PortalConfig()
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        if let raw = value("PORTAL_ENV") {
            guard let mode = Mode(rawValue: raw) else {
                throw ConfigError(variable: "PORTAL_ENV", problem: "expected development or production, got «\(raw)»")
            }
            config.mode = mode
            config.modeExplicit = true
        }
        if let raw = value("PORT") {
            guard let port = Int(raw), (1...65535).contains(port) else {
                throw ConfigError(variable: "PORT", problem: "expected a port number 1–65535, got «\(raw)»")
            }
            config.port = port
        }
        if let raw = value("PORTAL_HOST") { config.host = raw }
        config.dataDirectory = value("PORTAL_DATA_DIR") ?? "./data"
        config.database = .sqliteFile(config.dataDirectory + "/lkk.sqlite")
        config.mailer = .files(config.dataDirectory + "/mail")
        if let raw = value("DATABASE_URL") { config.database = try parseDatabase(raw) }
        if let raw = value("DATABASE_POOL_SIZE") {
            guard let size = Int(raw), (1...64).contains(size) else {
                throw ConfigError(variable: "DATABASE_POOL_SIZE", problem: "expected 1–64, got «\(raw)»")
            }
            config.databasePoolSize = size
        }
        if let raw = value("PORTAL_BASE_URL") {
            guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else {
                throw ConfigError(
                    variable: "PORTAL_BASE_URL", problem: "expected an http:// or https:// address, got «\(raw)»")
            }
            config.baseURL = url
        }
        if let raw = value("PORTAL_TIME_ZONE") {
            guard let zone = TimeZone(identifier: raw) else {
                throw ConfigError(variable: "PORTAL_TIME_ZONE", problem: "unknown time zone «\(raw)»")
            }
            config.timeZone = zone
        }
        if let raw = value("SMTP_URL") {
            guard let smtp = SMTPConfiguration(url: raw) else {
                throw ConfigError(
                    variable: "SMTP_URL",
                    problem:
                        "expected smtp://, smtps:// or smtp+plain://user:password@host:port, got «\(redacted(raw))»")
            }
            config.mailer = .smtp(smtp)
        }
        if let raw = value("MAIL_FROM") {
            guard let address = MailAddress(parsing: raw) else {
                throw ConfigError(
                    variable: "MAIL_FROM", problem: "expected an address such as «ЛКК <noreply@example.ru>»")
            }
            config.mailFrom = address
        }
        if config.mode == .production && config.baseURL == nil {
            throw ConfigError(
                variable: "PORTAL_BASE_URL",
                problem: "production needs the portal's public address (links in letters are built from it)")
        }
        config.secureCookies = config.baseURL?.scheme?.lowercased() == "https" || config.mode == .production
        if let raw = value("SESSION_SECURE_COOKIES") {
            config.secureCookies = try bool(raw, "SESSION_SECURE_COOKIES")
        }
        if let raw = value("SESSION_IDLE_MINUTES") {
            config.sessionIdle = TimeInterval(try positive(raw, "SESSION_IDLE_MINUTES")) * 60
        }
        if let raw = value("SESSION_ABSOLUTE_HOURS") {
            config.sessionAbsolute = TimeInterval(try positive(raw, "SESSION_ABSOLUTE_HOURS")) * 3600
        }
        if let raw = value("PORTAL_RESOURCES_DIR") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: raw + "/css", isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw ConfigError(
                    variable: "PORTAL_RESOURCES_DIR", problem: "«\(raw)» has no css/ folder of the portal")
            }
            config.resourcesDirectory = raw
        }
        if let raw = value("PORTAL_SQLITE_SYNCHRONOUS") {
            guard ["normal", "full"].contains(raw.lowercased()) else {
                throw ConfigError(
                    variable: "PORTAL_SQLITE_SYNCHRONOUS", problem: "expected normal or full, got «\(raw)»")
            }
            config.sqliteSynchronous = raw.uppercased()
        }
        if let raw = value("PORTAL_FORMS_PER_MINUTE") {
            config.formsPerMinutePerAddress = try positive(raw, "PORTAL_FORMS_PER_MINUTE")
        }
        if let raw = value("PORTAL_BCRYPT_COST") {
            guard let cost = Int(raw), (4...31).contains(cost) else {
                throw ConfigError(variable: "PORTAL_BCRYPT_COST", problem: "expected 4–31, got «\(raw)»")
            }
            config.bcryptCost = cost
        }
        if let raw = value("PORTAL_TRUSTED_PROXIES") {
            config.trustedProxies = try networks(raw, "PORTAL_TRUSTED_PROXIES")
        }
        if let raw = value("PORTAL_DEMO") {
            config.loadDemo = try bool(raw, "PORTAL_DEMO")
            if config.loadDemo == true && config.mode == .production {
                throw ConfigError(variable: "PORTAL_DEMO", problem: "the demo account is for development only")
            }
        }
        if let raw = value("PORTAL_METRICS_TOKEN") {
            config.metricsToken = try secret(raw, "PORTAL_METRICS_TOKEN")
        }
        if let raw = value("PORTAL_ALLOW_SANDBOX") {
            config.allowSandbox = try bool(raw, "PORTAL_ALLOW_SANDBOX")
        }
        if let raw = value("YOOKASSA_WEBHOOK_NETWORKS") {
            config.yookassaNetworks = try networks(raw, "YOOKASSA_WEBHOOK_NETWORKS")
        }
        if let raw = value("PORTAL_SANDBOX_SECRET") {
            config.sandboxSecret = try secret(raw, "PORTAL_SANDBOX_SECRET")
        }
        if let raw = value("PORTAL_SANDBOX_WEBHOOK_COPIES") {
            guard let copies = Int(raw), (0...5).contains(copies) else {
                throw ConfigError(variable: "PORTAL_SANDBOX_WEBHOOK_COPIES", problem: "expected 0–5, got «\(raw)»")
            }
            config.sandboxWebhookCopies = copies
        }
        if let raw = value("PORTAL_SANDBOX_WEBHOOK_DELAY") {
            guard let seconds = Int(raw), (0...3600).contains(seconds) else {
                throw ConfigError(variable: "PORTAL_SANDBOX_WEBHOOK_DELAY", problem: "expected 0–3600 seconds")
            }
            config.sandboxWebhookDelay = TimeInterval(seconds)
        }
        switch value("PORTAL_ACQUIRER") ?? "sandbox" {
        case "sandbox":
            if config.mode == .production && !config.allowSandbox {
                throw ConfigError(
                    variable: "PORTAL_ACQUIRER",
                    problem:
                        "the sandbox acquirer moves no money: set PORTAL_ACQUIRER=yookassa, or PORTAL_ALLOW_SANDBOX=1 on a staging stand"
                )
            }
            if config.mode == .production && config.sandboxSecret == defaultSandboxSecret {
                throw ConfigError(
                    variable: "PORTAL_SANDBOX_SECRET",
                    problem: "the sandbox acquirer needs its own key in production (or set PORTAL_ACQUIRER=yookassa)")
            }
        case "yookassa":
            guard let shop = value("YOOKASSA_SHOP_ID"), let key = value("YOOKASSA_SECRET_KEY") else {
                throw ConfigError(
                    variable: "PORTAL_ACQUIRER", problem: "yookassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY")
            }
            // YooKassa sends the person back to an absolute address.
            guard config.baseURL != nil else {
                throw ConfigError(variable: "PORTAL_BASE_URL", problem: "yookassa needs the portal's public address")
            }
            let url = value("YOOKASSA_API_URL") ?? "https://api.yookassa.ru/v3"
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else {
                throw ConfigError(variable: "YOOKASSA_API_URL", problem: "expected an http(s) URL, got «\(url)»")
            }
            var vat = 1
            if let raw = value("YOOKASSA_VAT_CODE") {
                guard let code = Int(raw), (1...12).contains(code) else {
                    throw ConfigError(variable: "YOOKASSA_VAT_CODE", problem: "expected YooKassa's vat_code 1–12")
                }
                vat = code
            }
            config.yookassa = .init(
                shopID: shop, secretKey: key, baseURL: url.hasSuffix("/") ? String(url.dropLast()) : url, vatCode: vat)
        case let other:
            throw ConfigError(variable: "PORTAL_ACQUIRER", problem: "expected sandbox or yookassa, got «\(other)»")
        }
        if let raw = value("PORTAL_JOBS_IN_SERVE") {
            config.runJobsInServe = try bool(raw, "PORTAL_JOBS_IN_SERVE")
        }
        return config
    }

    static func parseDatabase(_ raw: String) throws -> DatabaseLocation {
        let lower = raw.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            guard let url = URLComponents(string: raw), url.host?.isEmpty == false else {
                throw ConfigError(
                    variable: "DATABASE_URL", problem: "cannot read the PostgreSQL address «\(redacted(raw))»")
            }
            return .postgres(raw)
        }
        if lower.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            if path == ":memory:" { return .sqliteMemory }
            guard path.hasPrefix("/"), path.count > 1 else {
                throw ConfigError(variable: "DATABASE_URL", problem: "expected sqlite:///absolute/path/file.sqlite")
            }
            return .sqliteFile(path)
        }
        let scheme = raw.split(separator: ":").first.map(String.init) ?? raw
        throw ConfigError(
            variable: "DATABASE_URL", problem: "unknown scheme «\(scheme)»: expected postgres://… or sqlite:///path")
    }

    /// A key or token: at least 16 characters.
    static func secret(_ raw: String, _ name: String) throws -> String {
        guard raw.utf8.count >= 16 else {
            throw ConfigError(variable: name, problem: "expected at least 16 characters")
        }
        return raw
    }

    /// Comma-separated addresses and IPv4 networks.
    static func networks(_ raw: String, _ name: String) throws -> [TrustedProxy] {
        try raw.split(separator: ",").map { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let network = TrustedProxy(text) else {
                throw ConfigError(variable: name, problem: "expected addresses or IPv4 networks, got «\(text)»")
            }
            return network
        }
    }

    static func bool(_ raw: String, _ name: String) throws -> Bool {
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(variable: name, problem: "expected true or false, got «\(raw)»")
        }
    }

    static func positive(_ raw: String, _ name: String) throws -> Int {
        guard let number = Int(raw), number > 0 else {
            throw ConfigError(variable: name, problem: "expected a positive whole number, got «\(raw)»")
        }
        return number
    }

    /// Hides a password in a URL before it is printed.
    static func redacted(_ raw: String) -> String {
        guard var url = URLComponents(string: raw), url.password != nil else { return raw }
        url.password = "***"
        return url.string ?? raw
    }
}
