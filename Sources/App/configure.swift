import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Mail
import SQLKit
import Vapor

/// Wires the application: database, services, middleware, routes. No logic of its own.
public func configure(
    _ app: Application, config: PortalConfig, clock: any PortalClock = SystemClock(),
    mailTransport: (any MailTransport)? = nil, autoMigrate: Bool = false, loadDemo: Bool = false
) async throws {
    guard let publicDirectory = Resources.publicDirectory(configured: config.resourcesDirectory) else {
        throw ConfigError(
            variable: "PORTAL_RESOURCES_DIR", problem: "the portal's Public/ folder was not found; set it")
    }

    // The blocking pool runs every SQLite call, password hashing and the workbooks. NIO's shared pool has one
    // thread per core and is shared by every application in the process: a SQLite connection waiting for the
    // write lock (busy timeout) blocks its thread, and when such waits take all of them, the connection that
    // holds the lock cannot run its next statement until the waits time out. This application's own pool has
    // a thread for each SQLite connection (one per event loop) besides one per core for the rest.
    let loops = app.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
    app.threadPool = NIOThreadPool(numberOfThreads: loops + System.coreCount)

    switch config.database {
    case .sqliteFile(let path):
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
    case .postgres(let url):
        do {
            app.databases.use(
                try .postgres(url: url, maxConnectionsPerEventLoop: config.databasePoolSize, sqlLogLevel: .trace),
                as: .psql)
        } catch {
            throw ConfigError(variable: "DATABASE_URL", problem: "cannot use this PostgreSQL address: \(error)")
        }
    }
    app.migrations.add(PortalMigrations.all)

    let transport: any MailTransport
    switch config.mailer {
    case .files(let directory): transport = mailTransport ?? FileMailTransport(directory: directory)
    case .smtp(let smtp): transport = mailTransport ?? SMTPMailTransport(configuration: smtp)
    }
    app.portal = PortalServices(config: config, clock: clock, mailTransport: transport)
    app.portal.jobs.register(Outbox.jobKind, Outbox.deliver)
    app.portal.jobs.register(SandboxAcquirer.jobKind, SandboxAcquirer.deliver)
    app.portal.jobs.register(PaymentProcessing.pollJob, PaymentProcessing.poll)
    app.portal.jobs.register(Orders.jobKind, Orders.run)
    app.portal.jobs.register(Notifications.mailJob, Notifications.mail)
    app.portal.jobs.register(EventNotifications.billingJobKind, EventNotifications.announceBillingRecords)

    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    app.routes.defaultMaxBodySize = "1mb"

    // One chain, run in the request's own task (`MiddlewareChain`); the order is the order of the list.
    let chain: [any AsyncMiddleware] = [
        SecurityHeadersMiddleware(hsts: config.baseURL?.scheme?.lowercased() == "https"),
        MetricsMiddleware(),
        ErrorPageMiddleware(),
        PublicFilesMiddleware(publicDirectory: publicDirectory),
        PortalSessionMiddleware(),
        RateLimitMiddleware(name: "forms", limit: { $0.portal.config.formsPerMinutePerAddress }, window: 60),
        CSRFMiddleware(),
        CurrentAccountMiddleware(),
    ]
    app.middleware = Middlewares()
    app.middleware.use(MiddlewareChain(chain))

    let passwords = Passwords(
        cost: config.bcryptCost, common: try Passwords.loadCommonList(publicDirectory: publicDirectory),
        work: app.portal.passwordWork)
    app.asyncCommands.use(JobsCommand(), as: "jobs")
    app.asyncCommands.use(BillingCommands(), as: "billing")
    app.asyncCommands.use(StaffCommands(), as: "staff")
    app.asyncCommands.use(DemoCommand(passwords: passwords), as: "demo")
    app.asyncCommands.use(LoadTestAccountsCommand(passwords: passwords), as: "demo-accounts")
    try routes(app, passwords: passwords, publicDirectory: publicDirectory)

    if config.database.isSQLite {
        // WAL lets page reads go on while a job or a form writes.
        if case .sqliteFile = config.database {
            _ = try await app.db.sql.raw("PRAGMA journal_mode=WAL").all()
            // The driver keeps one connection per event loop, opened here and kept by the pool. A write that
            // meets another connection's lock waits in SQLite's busy timeout instead of failing at once.
            for loop in app.eventLoopGroup.makeIterator() {
                guard let db = app.databases.database(.sqlite, logger: app.logger, on: loop) as? any SQLDatabase
                else { continue }
                _ = try await db.raw("PRAGMA busy_timeout = \(unsafeRaw: String(Int(SQLiteBusy.timeout * 1000)))").all()
                // NORMAL (the default): a commit does not wait for the disk, which shortens every write's hold
                // of SQLite's single write lock; with WAL the database stays consistent, and only the last
                // commits before a power loss can be lost.
                _ = try await db.raw("PRAGMA synchronous = \(unsafeRaw: config.sqliteSynchronous)").all()
            }
        }
    }
    if autoMigrate {
        try await app.autoMigrate()
    }
    if loadDemo {
        await DemoLoader.loadIfEmpty(app, passwords: passwords)
    }
}
