import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor

/// The notifications events make, for the people they concern (those whose role on the contract lets them
/// see what happened): a payment credited, readings accepted, a new document, a reply to an appeal, a role
/// given or removed, the readings window opening and closing. Each has a key, so an event seen twice (a
/// batch billing sends again) makes one notification.
enum EventNotifications {
    /// The billing records that make a notification when they are new, and who may see them.
    static let billingActions: [String: ContractAction] = [
        BillingEntity.payments.table: .viewPaymentHistory,
        BillingEntity.readings.table: .viewReadingHistory,
        BillingEntity.documents.table: .viewDocumentHistory,
    ]

    static let billingJobKind = "notifications.billing"

    /// Queues `billingRecords` for the new records `ids` of `entity` in the caller's transaction.
    static func enqueue(_ ids: [String], of entity: BillingEntity, now: Date, on db: any Database) async throws {
        guard billingActions[entity.table] != nil, !ids.isEmpty else { return }
        let payload = (["\(entity.path) \(now.timeIntervalSince1970)"] + ids).joined(separator: "\n")
        try await JobQueue.enqueue(billingJobKind, payload: payload, runAt: now, on: db)
    }

    /// The job: the entity's path and the time the records arrived on the first line, their ids on the next.
    /// They reach those who held the contract when the records arrived.
    static func announceBillingRecords(_ context: JobContext) async throws {
        let lines = context.payload.split(separator: "\n").map(String.init)
        let head = (lines.first ?? "").split(separator: " ").map(String.init)
        guard head.count == 2, let entity = BillingEntity.named(head[0]), let seconds = Double(head[1]) else { return }
        let arrived = Date(timeIntervalSince1970: seconds)
        try await context.transaction { tx in
            try await billingRecords(Array(lines.dropFirst()), of: entity, now: arrived, on: tx)
        }
    }

    /// One notification per contract for the records `ids` of `entity`, which arrived at `now`.
    static func billingRecords(_ ids: [String], of entity: BillingEntity, now: Date, on db: any Database)
        async throws
    {
        guard let action = billingActions[entity.table], !ids.isEmpty else { return }
        let sql = db.sql
        struct Record: Decodable {
            let id: String
            let contractId: String
            let number: String
            let detail: String?
            let amount: Int64?
            let day: String?
        }
        var records: [Record] = []
        let columns: String
        switch entity.table {
        case BillingEntity.payments.table:
            columns = "NULL AS detail, t.amount_kopecks AS amount, t.paid_on AS day"
        case BillingEntity.documents.table:
            columns = "t.type || ' ' || t.number AS detail, NULL AS amount, t.issued_on AS day"
        default:
            columns = "t.period AS detail, NULL AS amount, NULL AS day"
        }
        for chunk in ids.chunked(500) {
            records += try await sql.raw(
                """
                SELECT t.id, t.contract_id, c.number, \(unsafeRaw: columns) FROM \(unsafeRaw: entity.table) t
                JOIN contracts c ON c.id = t.contract_id WHERE t.id IN (\(binds: chunk))
                """
            ).all(decoding: Record.self, with: .snakeCase)
        }
        let byContract = Dictionary(grouping: records, by: \.contractId)
        for (contract, list) in byContract.sorted(by: { $0.key < $1.key }) {
            let number = list[0].number
            let first = list.map(\.id).min()!
            let subject: String
            var lines: [String]
            let link: SitePath
            switch entity.table {
            case BillingEntity.payments.table:
                subject = "Поступил платеж по договору № \(number)"
                lines = list.map {
                    "Платеж от \(ContractCard.date($0.day)) на сумму \(Money(kopecks: $0.amount ?? 0).formatted) зачтен."
                }
                link = .historyPayments
            case BillingEntity.documents.table:
                subject = "Новые документы по договору № \(number)"
                lines = list.map { record in
                    let parts = (record.detail ?? "").split(separator: " ", maxSplits: 1).map(String.init)
                    let title = parts.first.flatMap(DocumentType.init(rawValue:))?.title ?? "Документ"
                    return "\(title) № \(parts.count > 1 ? parts[1] : "") от \(ContractCard.date(record.day))"
                }
                link = .historyDocuments
            default:
                let periods = Set(list.compactMap { $0.detail }).sorted()
                subject = "Показания по договору № \(number) приняты"
                lines = periods.map { "Расчетный период: \(BillingPeriod($0)?.russianName ?? $0)." }
                link = .historyReadings
            }
            if lines.count > 20 { lines = Array(lines.prefix(20)) + ["…и еще \(lines.count - 20)."] }
            try await Notifications.announce(
                key: "\(entity.path):\(contract):\(first)", subject: subject, body: lines.joined(separator: "\n"),
                link: link.path, to: .contracts([contract], action: action, heldAt: now), now: now, on: db)
        }
    }

    /// The start of the keys of an appeal's reply notifications.
    static func appealKeyPrefix(_ number: Int64) -> String { "appeal:\(number):" }

    /// Opening an appeal reads the notifications of its replies.
    static func readAppealReplies(number: Int64, account: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE notification_recipients SET read_at = \(bind: now)
            WHERE account_id = \(bind: account) AND read_at IS NULL AND notification_id IN
                (SELECT id FROM notifications WHERE event_key LIKE \(bind: appealKeyPrefix(number) + "%"))
            """
        ).run()
    }

    /// A reply to an appeal, for its author (the appeal's letter is the e-mail).
    static func appealReply(
        number: Int64, closed: Bool, message: UUID, account: UUID, now: Date, on db: any Database
    ) async throws {
        try await Notifications.announce(
            key: "\(appealKeyPrefix(number))\(message.uuidString)",
            subject: closed ? "Обращение № \(number) закрыто" : "Ответ на обращение № \(number)",
            body: closed
                ? "Сбытовая компания закрыла обращение № \(number). Решение — в карточке обращения."
                : "Сбытовая компания ответила на обращение № \(number).",
            link: SitePath.appeal(String(number)).path, to: .accounts([account]), sendEmail: false, now: now, on: db)
    }

    /// A role given or removed on a contract (the role's letter is the e-mail).
    static func role(
        _ role: Role?, contract id: String, account: UUID, now: Date, on db: any Database
    ) async throws {
        guard
            let number = try await db.sql.select().column("number").from("contracts").where("id", .equal, id).first()?
                .decode(column: "number", as: String.self)
        else { return }
        let subject: String
        let body: String
        if let role {
            subject = "Роль на договоре № \(number): «\(role.title)»"
            body = "На договор № \(number) вам назначена роль «\(role.title)»."
        } else {
            subject = "Доступ к договору № \(number) снят"
            body = "Ваша роль на договоре № \(number) снята; договор больше не виден в личном кабинете."
        }
        try await Notifications.announce(
            key: "role:\(number):\(account.uuidString):\(role?.rawValue ?? "removed"):\(now.timeIntervalSince1970)",
            subject: subject, body: body, link: role == nil ? nil : SitePath.contract(number).path,
            to: .accounts([account]), sendEmail: false, now: now, on: db)
    }

    /// The readings window of the current period opening or closing today (billing's `reading-windows`), for
    /// everyone who sends readings. Run by the housekeeping loop; the keys make it once a window.
    static func readingWindows(now: Date, timeZone: TimeZone, on db: any Database) async throws {
        let today = RussianDateFormat(timeZone: timeZone).isoDay(now)
        struct Window: Decodable {
            let id: String
            let period: String
            let opensOn: String
            let closesOn: String
        }
        let windows = try await db.sql.raw(
            """
            SELECT id, period, opens_on, closes_on FROM reading_windows
            WHERE opens_on = \(bind: today) OR closes_on = \(bind: today)
            """
        ).all(decoding: Window.self, with: .snakeCase)
        for window in windows {
            let name = BillingPeriod(window.period)?.russianName ?? window.period
            let span = "с \(ContractCard.date(window.opensOn)) по \(ContractCard.date(window.closesOn))"
            if window.opensOn == today {
                try await Notifications.announce(
                    key: "readings-window-open:\(window.id)", subject: "Открыт прием показаний за \(name)",
                    body: "Показания за \(name) принимаются \(span) включительно.", link: SitePath.readings.path,
                    linkTitle: "Передать показания", to: .anyContract(action: .submitReadings), now: now, on: db)
            }
            if window.closesOn == today {
                try await Notifications.announce(
                    key: "readings-window-close:\(window.id)", subject: "Сегодня последний день приема показаний",
                    body: "Прием показаний за \(name) заканчивается сегодня, \(ContractCard.date(window.closesOn)).",
                    link: SitePath.readings.path, linkTitle: "Передать показания",
                    to: .anyContract(action: .submitReadings), now: now, on: db)
            }
        }
    }
}
