import Fluent
import Foundation
import Mail
import Markup
import PortalDomain
import SQLKit
import Vapor

/// «Уведомления» (manual §10): a notification is written once (`notifications`) and delivered to its
/// audience by one `INSERT … SELECT` into `notification_recipients`, which keeps what each person did with
/// it: read, confirmed, a banner closed, the e-mail copy sent.
///
/// A published notification is shown from `shows_from`; its display period ends at `shows_until`, after which
/// it no longer pops up (modal, banner) or counts on the bell, but stays in the list. A withdrawn one
/// disappears everywhere.
enum Notifications {
    enum Kind: String, CaseIterable, Sendable {
        case bell, modal, top

        var title: String {
            switch self {
            case .bell: "Колокольчик"
            case .modal: "Модальное окно"
            case .top: "Уведомление в топе"
            }
        }
    }

    enum Status: String, CaseIterable, Sendable {
        case draft, published, withdrawn

        var title: String {
            switch self {
            case .draft: "Черновик"
            case .published: "Опубликовано"
            case .withdrawn: "Отозвано"
            }
        }
    }

    /// Who receives a notification the staff write, or `event` for one an event makes.
    enum Audience: String, CaseIterable, Sendable {
        case all, category, contracts, accounts, event

        var title: String {
            switch self {
            case .all: "Все клиенты"
            case .category: "Ценовая категория"
            case .contracts: "Договоры"
            case .accounts: "Учетные записи"
            case .event: "Событие"
            }
        }
    }

    static let mailJob = "notifications.mail"
    static let mailBatch = 500

    /// A notification as its recipient sees it.
    struct Item: Decodable, Sendable, Equatable {
        let id: UUID
        let kind: String
        let subject: String
        let body: String
        let needsConfirmation: Bool
        let linkUrl: String?
        let linkTitle: String?
        let showsFrom: Date
        let readAt: Date?
        let confirmedAt: Date?

        var isRead: Bool { readAt != nil }
        var linkLabel: String { (linkTitle ?? "").isEmpty ? "Перейти" : linkTitle! }
    }

    /// What a published notification visible now is, for recipient `r` of notification `n`.
    static func visible(now: Date) -> SQLQueryString {
        "n.status = 'published' AND n.shows_from <= \(bind: now)"
    }

    /// …and within its display period.
    static func current(now: Date) -> SQLQueryString {
        "\(visible(now: now)) AND (n.shows_until IS NULL OR n.shows_until > \(bind: now))"
    }

    static let itemColumns =
        "n.id, n.kind, n.subject, n.body, n.needs_confirmation, n.link_url, n.link_title, n.shows_from, r.read_at, r.confirmed_at"

    /// The bell's count: one indexed query (`notification_recipients_account_idx`). The session lookup runs the
    /// same text as a subquery, so pages do not pay a query for it.
    static func unreadCountSQL(account: SQLQueryString, now: Date) -> SQLQueryString {
        """
        SELECT COUNT(*) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id \
        WHERE r.account_id = \(account) AND r.read_at IS NULL AND \(current(now: now))
        """
    }

    static func unreadCount(account: UUID, now: Date, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT (\(unreadCountSQL(account: "\(bind: account)", now: now))) AS n").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    /// A page of the list: unread first, then read, each newest first.
    static func page(account: UUID, page: Int, size: Int, now: Date, on sql: any SQLDatabase) async throws -> (
        items: [Item], total: Int
    ) {
        let total =
            try await sql.raw(
                """
                SELECT COUNT(*) AS n FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
                WHERE r.account_id = \(bind: account) AND \(visible(now: now))
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        let items = try await sql.raw(
            """
            SELECT \(unsafeRaw: itemColumns) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
            WHERE r.account_id = \(bind: account) AND \(visible(now: now))
            ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, n.shows_from DESC, n.published_at DESC, n.id DESC
            LIMIT \(bind: size) OFFSET \(bind: (page - 1) * size)
            """
        ).all(decoding: Item.self, with: .snakeCase)
        return (items, total)
    }

    /// One of the account's notifications, visible now.
    static func item(_ id: UUID, account: UUID, now: Date, on sql: any SQLDatabase) async throws -> Item? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: itemColumns) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
            WHERE r.account_id = \(bind: account) AND r.notification_id = \(bind: id) AND \(visible(now: now))
            """
        ).first(decoding: Item.self, with: .snakeCase)
    }

    /// «Модальное окно» not confirmed yet, in the order they were published.
    static func pendingModals(account: UUID, now: Date, on sql: any SQLDatabase) async throws -> [Item] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: itemColumns) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
            WHERE r.account_id = \(bind: account) AND r.read_at IS NULL AND n.kind = 'modal' AND \(current(now: now))
            ORDER BY n.shows_from, n.published_at, n.id LIMIT 50
            """
        ).all(decoding: Item.self, with: .snakeCase)
    }

    /// The banners to show at the top of every page, newest first.
    static func banners(account: UUID, now: Date, on sql: any SQLDatabase) async throws -> [Item] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: itemColumns) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
            WHERE r.account_id = \(bind: account) AND r.read_at IS NULL AND r.closed_at IS NULL AND n.kind = 'top'
            AND \(current(now: now))
            ORDER BY n.shows_from DESC, n.published_at DESC, n.id LIMIT 10
            """
        ).all(decoding: Item.self, with: .snakeCase)
    }

    /// Opening a simple notification reads it; one that needs confirmation is read only when confirmed or
    /// followed (`confirm`).
    static func markRead(_ item: Item, account: UUID, confirm: Bool, now: Date, on sql: any SQLDatabase) async throws {
        guard !item.needsConfirmation || confirm else { return }
        let update = sql.update("notification_recipients")
            .set(SQLIdentifier("read_at"), to: SQLFunction("COALESCE", args: SQLIdentifier("read_at"), SQLBind(now)))
        if confirm && item.needsConfirmation {
            update.set(
                SQLIdentifier("confirmed_at"),
                to: SQLFunction("COALESCE", args: SQLIdentifier("confirmed_at"), SQLBind(now)))
        }
        try await update.where("notification_id", .equal, item.id).where("account_id", .equal, account).run()
    }

    /// Closes a banner: it is read (and confirmed, the banner's button being «Подтвердить» then).
    static func close(_ item: Item, account: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await markRead(item, account: account, confirm: true, now: now, on: sql)
        try await sql.update("notification_recipients").set("closed_at", to: now)
            .where("notification_id", .equal, item.id).where("account_id", .equal, account).run()
    }

    // MARK: - Writing

    /// What the staff (or an event) write.
    struct Draft: Sendable, Equatable {
        var kind: Kind = .bell
        var subject = ""
        var body = ""
        var needsConfirmation = false
        var linkURL = ""
        var linkTitle = ""
        var showsFrom: Date
        var showsUntil: Date?
        var audience: Audience = .all
        /// The category (1–6), or contract numbers or e-mails, one per line.
        var audienceValue = ""
        var audienceRole: Role?
        var sendEmail = false
    }

    /// Writes `draft` as a draft; an event's notification passes `eventKey`, and a second one with the same
    /// key is not written (nil).
    @discardableResult
    static func create(
        _ draft: Draft, status: Status = .draft, eventKey: String? = nil, createdBy: String?, now: Date,
        on sql: any SQLDatabase
    ) async throws -> UUID? {
        let id = UUID()
        let insert = sql.insert(into: "notifications")
            .columns(
                "id", "kind", "subject", "body", "needs_confirmation", "link_url", "link_title", "shows_from",
                "shows_until", "audience", "audience_value", "audience_role", "status", "event_key", "send_email",
                "created_by", "created_at", "published_at"
            )
            .values(
                SQLBind(id), SQLBind(draft.kind.rawValue), SQLBind(draft.subject), SQLBind(draft.body),
                SQLBind(draft.needsConfirmation), SQLBind(draft.linkURL.isEmpty ? nil : draft.linkURL),
                SQLBind(draft.linkTitle.isEmpty ? nil : draft.linkTitle), SQLBind(draft.showsFrom),
                SQLBind(draft.showsUntil), SQLBind(draft.audience.rawValue), SQLBind(draft.audienceValue),
                SQLBind(draft.audienceRole?.rawValue), SQLBind(status.rawValue), SQLBind(eventKey),
                SQLBind(draft.sendEmail), SQLBind(createdBy), SQLBind(now),
                SQLBind(status == .published ? now : nil)
            )
        if eventKey != nil {
            insert.ignoringConflicts(with: ["event_key"])
            try await insert.run()
            let stored = try await sql.select().column("id").from("notifications").where("event_key", .equal, eventKey)
                .first()?.decode(column: "id", as: UUID.self)
            return stored == id ? id : nil
        }
        try await insert.run()
        return id
    }

    static func update(_ id: UUID, with draft: Draft, on sql: any SQLDatabase) async throws {
        try await sql.update("notifications")
            .set("kind", to: draft.kind.rawValue).set("subject", to: draft.subject).set("body", to: draft.body)
            .set("needs_confirmation", to: draft.needsConfirmation)
            .set("link_url", to: draft.linkURL.isEmpty ? nil : draft.linkURL)
            .set("link_title", to: draft.linkTitle.isEmpty ? nil : draft.linkTitle)
            .set("shows_from", to: draft.showsFrom).set("shows_until", to: draft.showsUntil)
            .set("audience", to: draft.audience.rawValue).set("audience_value", to: draft.audienceValue)
            .set("audience_role", to: draft.audienceRole?.rawValue).set("send_email", to: draft.sendEmail)
            .where("id", .equal, id).where("status", .equal, Status.draft.rawValue)
            .run()
    }

    /// The accounts a staff audience names, as a `SELECT` of `account_id`s without repeats.
    static func audienceQuery(_ draft: Draft) -> SQLQueryString {
        let roleClause: SQLQueryString = draft.audienceRole.map { " AND l.role = \(bind: $0.rawValue)" } ?? ""
        switch draft.audience {
        case .all:
            guard let role = draft.audienceRole else { return "SELECT a.id AS account_id FROM accounts a" }
            return """
                SELECT a.id AS account_id FROM accounts a WHERE EXISTS \
                (SELECT 1 FROM contract_links l WHERE l.account_id = a.id AND l.role = \(bind: role.rawValue))
                """
        case .category:
            return """
                SELECT DISTINCT l.account_id FROM contract_links l JOIN contracts c ON c.id = l.contract_id \
                WHERE c.price_category = \(bind: Int(draft.audienceValue) ?? 0)\(roleClause)
                """
        case .contracts:
            return """
                SELECT DISTINCT l.account_id FROM contract_links l JOIN contracts c ON c.id = l.contract_id \
                WHERE c.number IN (\(binds: lines(draft.audienceValue)))\(roleClause)
                """
        case .accounts:
            return
                "SELECT a.id AS account_id FROM accounts a WHERE a.email IN (\(binds: lines(draft.audienceValue).map { $0.lowercased() }))"
        case .event:
            return "SELECT a.id AS account_id FROM accounts a WHERE 1 = 0"
        }
    }

    /// The lines of a list the staff typed (contract numbers, e-mails), trimmed, without empties or repeats.
    static func lines(_ text: String) -> [String] {
        var seen = Set<String>()
        return text.split(whereSeparator: { $0.isNewline || $0 == "," || $0 == ";" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Publishes a draft: its audience receives it in one statement, and the e-mail copies go in a job.
    /// Returns how many accounts received it.
    @discardableResult
    static func publish(_ id: UUID, draft: Draft, now: Date, on db: any Database) async throws -> Int {
        try await db.writeTransaction { tx in
            try await tx.sql.update("notifications").set("status", to: Status.published.rawValue)
                .set("published_at", to: now).where("id", .equal, id).where("status", .equal, Status.draft.rawValue)
                .run()
            return try await deliver(id, draft, to: audienceQuery(draft), now: now, on: tx)
        }
    }

    /// Inserts a recipient row for each account of `audience` in one statement, and queues the e-mail copies
    /// when the notification asks for them. Pass the transaction of the action that causes it.
    static func deliver(_ id: UUID, _ draft: Draft, to audience: SQLQueryString, now: Date, on db: any Database)
        async throws -> Int
    {
        let sql = db.sql
        try await sql.raw(
            """
            INSERT INTO notification_recipients (notification_id, account_id, created_at)
            SELECT \(bind: id), x.account_id, \(bind: now) FROM (\(audience)) x
            """
        ).run()
        let delivered =
            try await sql.raw(
                "SELECT COUNT(*) AS n FROM notification_recipients WHERE notification_id = \(bind: id)"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        if draft.sendEmail && delivered > 0 {
            // The letters go when the notification starts to show.
            try await JobQueue.enqueue(mailJob, payload: id.uuidString, runAt: max(now, draft.showsFrom), on: db)
        }
        return delivered
    }

    static func withdraw(_ id: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("notifications").set("status", to: Status.withdrawn.rawValue)
            .set("withdrawn_at", to: now).where("id", .equal, id).where("status", .equal, Status.published.rawValue)
            .run()
    }

    // MARK: - Events

    /// Who an event concerns: the holders of contracts whose role allows `action`, everyone whose role on some
    /// contract allows it, or some accounts.
    enum EventAudience: Sendable {
        /// The holders of the contracts whose role allows `action`, among those who held them before `heldAt`.
        case contracts([String], action: ContractAction, heldAt: Date)
        case anyContract(action: ContractAction)
        case accounts([UUID])

        var query: SQLQueryString {
            switch self {
            case .anyContract(let action):
                let roles = Role.allCases.filter { AccessPolicy.allows($0, action) }.map(\.rawValue)
                return "SELECT DISTINCT l.account_id FROM contract_links l WHERE l.role IN (\(binds: roles))"
            case .contracts(let ids, let action, let heldAt):
                let roles = Role.allCases.filter { AccessPolicy.allows($0, action) }.map(\.rawValue)
                return """
                    SELECT DISTINCT l.account_id FROM contract_links l \
                    WHERE l.contract_id IN (\(binds: ids)) AND l.role IN (\(binds: roles)) \
                    AND l.created_at < \(bind: heldAt)
                    """
            case .accounts(let ids):
                return "SELECT a.id AS account_id FROM accounts a WHERE a.id IN (\(binds: ids))"
            }
        }

        var isEmpty: Bool {
            switch self {
            case .contracts(let ids, _, _): ids.isEmpty
            case .anyContract: false
            case .accounts(let ids): ids.isEmpty
            }
        }
    }

    /// A bell notification made by an event, delivered at once; `key` makes it once however often the event is
    /// seen. `sendEmail` is false where the event sends its own letter (an appeal's reply, a role).
    static func announce(
        key: String, subject: String, body: String, link: String? = nil, linkTitle: String = "Открыть",
        to audience: EventAudience, sendEmail: Bool = true, now: Date, on db: any Database
    ) async throws {
        guard !audience.isEmpty else { return }
        let sql = db.sql
        // Nobody concerned (a contract no account holds yet): nothing to write.
        let reached =
            try await sql.raw("SELECT COUNT(*) AS n FROM (\(audience.query)) x").first()?
            .decode(column: "n", as: Int.self) ?? 0
        guard reached > 0 else { return }
        let draft = Draft(
            kind: .bell, subject: subject, body: body, linkURL: link ?? "", linkTitle: link == nil ? "" : linkTitle,
            showsFrom: now, audience: .event, sendEmail: sendEmail)
        guard
            let id = try await create(
                draft, status: .published, eventKey: String(key.prefix(200)), createdBy: nil, now: now, on: sql)
        else { return }
        _ = try await deliver(id, draft, to: audience.query, now: now, on: db)
    }

    // MARK: - E-mail copies

    /// The job: e-mails the next `mailBatch` recipients who keep «уведомления на e-mail» on, then queues itself
    /// again while some remain. Each recipient is marked, so a copy goes once however often the job runs.
    static func mail(_ context: JobContext) async throws {
        guard let id = UUID(uuidString: context.payload) else { return }
        let now = context.now
        let config = context.application.portal.config
        struct Row: Decodable {
            let accountId: UUID
            let email: String?
            let notifyByEmail: Bool
        }
        struct Note: Decodable {
            let subject: String
            let body: String
            let linkUrl: String?
            let status: String
        }
        try await context.transaction { tx in
            let sql = tx.sql
            guard
                let note = try await sql.raw(
                    "SELECT subject, body, link_url, status FROM notifications WHERE id = \(bind: id)"
                ).first(decoding: Note.self, with: .snakeCase), note.status == Status.published.rawValue
            else { return }
            let rows = try await sql.raw(
                """
                SELECT r.account_id, a.email, a.notify_by_email FROM notification_recipients r
                JOIN accounts a ON a.id = r.account_id
                WHERE r.notification_id = \(bind: id) AND r.emailed_at IS NULL LIMIT \(bind: mailBatch)
                """
            ).all(decoding: Row.self, with: .snakeCase)
            for row in rows where row.notifyByEmail {
                guard let email = row.email, !email.isEmpty else { continue }
                let link = note.linkUrl.map { $0.hasPrefix("/") ? config.publicOrigin + $0 : $0 }
                try await Outbox.enqueue(
                    NotificationMails.copy(
                        subject: note.subject, body: note.body, link: link,
                        list: config.publicOrigin + SitePath.notifications.path, to: email, from: config.mailFrom,
                        at: now), now: now, on: tx)
            }
            if !rows.isEmpty {
                try await sql.update("notification_recipients").set("emailed_at", to: now)
                    .where("notification_id", .equal, id).where("account_id", .in, rows.map(\.accountId)).run()
            }
            if rows.count == mailBatch {
                try await JobQueue.enqueue(mailJob, payload: id.uuidString, runAt: now, on: tx)
            }
        }
    }

    /// A link button's address: one of the portal's own paths, or an `http(s)` address.
    static func isAllowedLink(_ address: String) -> Bool {
        if address.hasPrefix("/") { return !address.hasPrefix("//") && !address.contains("\\") }
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), url.host != nil else {
            return false
        }
        return scheme == "https" || scheme == "http"
    }
}

/// The e-mail copy of a notification, written for this portal.
enum NotificationMails {
    static func copy(
        subject: String, body: String, link: String?, list: String, to email: String, from: MailAddress, at now: Date
    ) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: subject,
            text: """
                Здравствуйте!

                \(body)
                \(link.map { "\nПодробнее: \($0)\n" } ?? "")
                Все уведомления — в личном кабинете: \(list)

                Письма с уведомлениями можно отключить в «Профиле» личного кабинета.
                """,
            date: now)
    }
}
