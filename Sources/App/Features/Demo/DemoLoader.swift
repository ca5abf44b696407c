import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor

/// Writes the demo billing data through the same checks as the billing API, and the demo account.
enum DemoLoader {
    /// The demo account a newcomer signs in with (README, start-up log).
    static let email = "demo@lkk.example"
    static let password = "demo-lkk-2026"
    /// Contracts `serve` loads into an empty database in development.
    static let defaultContracts = 12

    /// Loads contracts `0..<count` in slices, each slice in one transaction; reports progress.
    static func load(
        contracts count: Int, months: Int = 12, now: Date, timeZone: TimeZone, on db: any Database,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws {
        let demo = DemoBilling(
            openPeriod: BillingPeriod(containing: now, in: timeZone),
            today: RussianDateFormat(timeZone: timeZone).isoDay(now), months: months)
        let slice = 100
        let starts = Array(stride(from: 0, to: count, by: slice))
        // Generating and checking the next slice overlaps with writing the current one.
        var next: Task<[(BillingEntity, [[String: SQLValue]])], any Error>? = starts.first.map { start in
            Task { try prepare(demo, start..<min(count, start + slice)) }
        }
        for (position, start) in starts.enumerated() {
            guard let current = next else { break }
            let batch = try await current.value
            next =
                starts.indices.contains(position + 1)
                ? Task { [starts] in
                    let nextStart = starts[position + 1]
                    return try prepare(demo, nextStart..<min(count, nextStart + slice))
                } : nil
            try await db.writeTransaction { tx in
                let sql = tx.sql
                for (entity, rows) in batch {
                    try await BillingIntake.upsert(rows, into: entity.table, columns: entity.columns, on: sql)
                }
            }
            progress?(min(count, start + slice))
        }
        try await PeriodClosing.markClosed(demo.openPeriod.previous, now: now, on: db.sql)
        // Readings for the open month are taken from the 20th to its last day.
        let period = demo.openPeriod
        try await BillingIntake.upsert(
            [
                [
                    "id": .text("rw-\(period)"), "period": .text(period.description),
                    "opens_on": .text(DemoBilling.day(period, 20)),
                    "closes_on": .text(DemoBilling.day(period, period.dayCount)),
                ]
            ], into: BillingEntity.readingWindows.table, columns: BillingEntity.readingWindows.columns, on: db.sql)
    }

    /// Contracts `range` as rows ready to write, in the order parents before children; every record passes the
    /// API's checks.
    static func prepare(_ demo: DemoBilling, _ range: Range<Int>) throws -> [(BillingEntity, [[String: SQLValue]])] {
        var records: DemoBilling.Records = [:]
        for index in range {
            for (path, list) in demo.contract(index) { records[path, default: []].append(contentsOf: list) }
        }
        var out: [(BillingEntity, [[String: SQLValue]])] = []
        for entity in BillingEntity.all {
            for chunk in (records[entity.path] ?? []).chunked(BillingEntity.maxBatch) {
                switch BillingIntake.validate(["items": .array(chunk)], as: entity) {
                case .failure(let rejected):
                    throw DemoError(
                        message: "demo \(entity.path) failed its own checks: \(rejected.problems.prefix(3))")
                case .success(var rows):
                    if entity.contractFrom != nil {
                        for index in rows.indices {
                            let id = rows[index]["id"]?.text ?? ""
                            rows[index]["contract_id"] = .text(String(id.prefix { $0 != "-" }))
                        }
                    }
                    out.append((entity, rows))
                }
            }
        }
        return out
    }

    struct DemoError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The demo account with contracts under each role: «Руководитель» on the first, «Администратор» on the
    /// second, «Энергетик» on the third, «Бухгалтер» on the fourth, «Энергетик» limited to one energy object on
    /// the fifth. The sixth and later are left for «Добавить договор».
    static func ensureAccount(passwords: Passwords, app: Application, now: Date) async throws {
        let db = app.db
        if try await Account.query(on: db).filter(\.$email == email).first() != nil { return }
        let hash = try await passwords.hash(password, on: app.threadPool)
        let account = Account(email: email, passwordHash: hash, marketing: false, now: now)
        account.lastName = "Демидова"
        account.firstName = "Анна"
        account.middleName = "Сергеевна"
        account.organization = "ООО «Уральский хлебокомбинат»"
        account.position = "Главный энергетик"
        account.address = "620014, г. Екатеринбург, ул. Малышева, д. 33"
        account.phone = "+79120000000"
        try await account.create(on: db)
        let roles: [(String, Role, [String]?)] = [
            ("c1", .manager, nil), ("c2", .administrator, nil), ("c3", .powerEngineer, nil), ("c4", .accountant, nil),
            ("c5", .powerEngineer, ["c5-o1"]),
        ]
        for (contract, role, objects) in roles {
            let exists = try await db.sql.select().column("id").from("contracts")
                .where("id", .equal, contract).first()
            guard exists != nil else { continue }
            try await ContractLink(
                accountID: account.id!, contractID: contract, role: role, energyObjects: objects, now: now
            )
            .create(on: db)
        }
        // The bell has something to show from the first sign-in.
        try await Notifications.announce(
            key: "demo-welcome", subject: "Добро пожаловать в личный кабинет",
            body:
                "Здесь появляются уведомления сбытовой компании: о поступивших платежах, принятых показаниях, новых документах, ответах на обращения и сроках приема показаний.\n\nКак устроен кабинет, рассказывает «Инструкция пользователя».",
            link: SitePath.manual.path, to: .accounts([account.id!]), sendEmail: false, now: now, on: db)
    }

    /// `serve` in development: an empty database gets the demo data and the demo account.
    static func loadIfEmpty(_ app: Application, passwords: Passwords) async {
        do {
            let sql = app.db.sql
            let count =
                try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("contracts").first()?.decode(column: "n", as: Int.self) ?? 0
            guard count == 0 else { return }
            let now = app.portal.clock.now()
            try await load(contracts: defaultContracts, now: now, timeZone: app.portal.config.timeZone, on: app.db)
            try await ensureAccount(passwords: passwords, app: app, now: now)
            app.logger.notice("Demo data loaded. Sign in as \(email) with the password \(password)")
        } catch {
            app.logger.warning("Demo data not loaded: \(String(reflecting: error))")
        }
    }
}

/// `lkk demo --contracts N`: a large data set for load tests, plus the demo account.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "contracts", help: "How many contracts to make (default 12).")
        var contracts: Int?
        @Option(name: "months", help: "Closed months of history per contract (default 12).")
        var months: Int?
    }

    let passwords: Passwords
    var help: String { "Loads demo billing data (deterministic) and the demo account." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let count = max(1, signature.contracts ?? DemoLoader.defaultContracts)
        let months = min(36, max(1, signature.months ?? 12))
        let started = Date()
        let console = context.console
        try await DemoLoader.load(
            contracts: count, months: months, now: app.portal.clock.now(), timeZone: app.portal.config.timeZone,
            on: app.db,
            progress: { done in
                if done % 5000 == 0 || done == count { console.info("\(done) of \(count) contracts") }
            })
        try await DemoLoader.ensureAccount(passwords: passwords, app: app, now: app.portal.clock.now())
        let seconds = Int(Date().timeIntervalSince(started))
        console.info(
            "Loaded \(count) contracts in \(seconds) s. Demo account: \(DemoLoader.email) / \(DemoLoader.password)")
    }
}
