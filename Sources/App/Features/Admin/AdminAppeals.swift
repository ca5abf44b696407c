import Foundation
import Mail
import Markup
import PortalDomain
import SQLKit
import Vapor

/// The appeals inbox of the admin module (ADM-2) and the catalogue of topics and sections.
struct AdminAppealsController {
    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get("appeals", use: inbox)
        admin.get("appeals", ":number", use: card)
        admin.on(.POST, "appeals", ":number", "reply", body: .collect(maxSize: "52mb"), use: reply)
            .userInfo[CSRFMiddleware.bodyLimitKey] = AppealsController.bodyLimit
        admin.post("appeals", ":number", "close", use: close)
        admin.post("appeals", ":number", "assign", use: assign)
        admin.post("appeals", ":number", "grant-administrator", use: grantAdministrator)
        admin.get("appeals", ":number", "files", ":id", use: file)
        admin.get("catalogue", use: catalogue)
        admin.post("catalogue", use: addSection)
        admin.post("catalogue", ":id", use: updateSection)
    }

    // MARK: - Inbox

    struct InboxRow: Decodable, Sendable {
        let number: Int64
        let topic: String
        let section: String
        let status: String
        let createdAt: Date
        let lastMessageAt: Date
        let awaitingStaff: Bool
        let contractNumber: String
        let assignee: String?
    }

    struct InboxFilters: Sendable {
        var status = ""
        var topic = ""
        var contract = ""
        var from: BillingPeriod?
        var to: BillingPeriod?
        var assignee = ""
    }

    @Sendable func inbox(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        var filters = InboxFilters()
        filters.status = req.queryValue("status") ?? ""
        filters.topic = req.queryValue("topic") ?? ""
        filters.contract = (req.queryValue("contract") ?? "").filter(\.isNumber)
        filters.from = HistoryData.month(req.queryValue("from"))
        filters.to = HistoryData.month(req.queryValue("to"))
        filters.assignee = req.queryValue("assignee") ?? ""
        var conditions: SQLQueryString = "1 = 1"
        if let status = Appeals.Status(rawValue: filters.status) {
            conditions = conditions + " AND p.status = \(bind: status.rawValue)"
        } else if filters.status.isEmpty {
            conditions = conditions + " AND p.status <> \(bind: Appeals.Status.closed.rawValue)"
        }
        if !filters.topic.isEmpty { conditions = conditions + " AND p.topic = \(bind: filters.topic)" }
        if !filters.contract.isEmpty { conditions = conditions + " AND c.number = \(bind: filters.contract)" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = req.portal.config.timeZone
        if let from = filters.from,
            let start = calendar.date(from: DateComponents(year: from.year, month: from.month, day: 1))
        {
            conditions = conditions + " AND p.created_at >= \(bind: start)"
        }
        if let to = filters.to,
            let end = calendar.date(from: DateComponents(year: to.next.year, month: to.next.month, day: 1))
        {
            conditions = conditions + " AND p.created_at < \(bind: end)"
        }
        switch filters.assignee {
        case "me": conditions = conditions + " AND p.assignee_id = \(bind: staff.member.id)"
        case "none": conditions = conditions + " AND p.assignee_id IS NULL"
        default: break
        }
        // Unanswered first, the longest waiting first; then the rest, the latest message first.
        let rows = try await req.db.sql.raw(
            """
            SELECT p.number, p.topic, p.section, p.status, p.created_at, p.last_message_at, p.awaiting_staff,
                c.number AS contract_number, s.name AS assignee
            FROM appeals p JOIN contracts c ON c.id = p.contract_id LEFT JOIN staff_accounts s ON s.id = p.assignee_id
            WHERE \(conditions)
            ORDER BY CASE WHEN p.awaiting_staff THEN 0 ELSE 1 END,
                CASE WHEN p.awaiting_staff THEN p.last_message_at END ASC, p.last_message_at DESC
            LIMIT 200
            """
        ).all(decoding: InboxRow.self, with: .snakeCase)
        let topics = Set(try await Appeals.Section.all(publishedOnly: false, on: req.db.sql).map(\.topic)).sorted()
        return AdminInboxPage(
            staff: staff.member, csrf: staff.session.csrfToken, filters: filters, topics: topics, rows: rows,
            now: req.now, dates: req.dates
        ).render().response()
    }

    // MARK: - One appeal

    struct CustomerRow: Decodable {
        let email: String?
        let lastName: String?
        let firstName: String?
        let middleName: String?
        let organization: String?
        let notifyByEmail: Bool
    }

    private func appeal(_ req: Request) async throws -> Appeals.Card {
        guard let number = req.parameters.get("number").flatMap({ Int64($0) }),
            let card = try await Appeals.Card.find(number: number, on: req.db.sql)
        else { throw Abort(.notFound) }
        return card
    }

    private func cardPage(_ req: Request, _ staff: StaffContext, _ card: Appeals.Card) async throws -> AdminAppealPage {
        let sql = req.db.sql
        let customer = try await sql.raw(
            """
            SELECT email, last_name, first_name, middle_name, organization, notify_by_email FROM accounts
            WHERE id = \(bind: card.accountId)
            """
        ).first(decoding: CustomerRow.self, with: .snakeCase)
        return AdminAppealPage(
            staff: staff.member, csrf: staff.session.csrfToken, card: card,
            customer: customer.map {
                (
                    [$0.lastName, $0.firstName, $0.middleName].compactMap { $0 }.joined(separator: " "),
                    $0.email ?? "—",
                    $0.organization ?? ""
                )
            } ?? ("—", "—", ""),
            messages: try await Appeals.Message.all(of: card.id, on: sql),
            files: try await Appeals.FileRow.all(of: card.id, on: sql),
            colleagues: try await StaffMember.all(on: sql).filter { !$0.blocked }, dates: req.dates)
    }

    @Sendable func card(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let card = try await appeal(req)
        try await req.recordStaff("staff.appeal.opened", subject: String(card.number))
        var page = try await cardPage(req, staff, card)
        page.notice = req.queryValue("done").map { _ in "Сохранено." }
        return page.render().response()
    }

    struct ReplyForm: Content {
        var text: String?
        var documents: String?
        var files: [File]?
    }

    @Sendable func reply(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let card = try await appeal(req)
        let form = try req.content.decode(ReplyForm.self)
        var page = try await cardPage(req, staff, card)
        let text = (form.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        page.text = form.text ?? ""
        if card.isClosed { page.errors["text"] = "Обращение закрыто" }
        if text.isEmpty { page.errors["text"] = "Напишите ответ" }
        if text.count > Appeals.maxText { page.errors["text"] = "Не больше \(Appeals.maxText) символов" }
        let (uploads, problem) = Appeals.uploads(form.files ?? [])
        if let problem { page.errors["files"] = problem }
        guard page.errors.isEmpty else { return page.render().response(status: .unprocessableEntity) }
        let status: Appeals.Status = form.documents != nil ? .documentsRequired : .inProgress
        try await answer(req, staff: staff, card: card, text: text, files: uploads, status: status, resolution: nil)
        return req.redirect(to: "/admin/appeals/\(card.number)?done=1")
    }

    @Sendable func close(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let card = try await appeal(req)
        let fields = try req.formFields()
        let resolution = (fields["resolution"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !resolution.isEmpty, resolution.count <= 200, !card.isClosed else {
            var page = try await cardPage(req, staff, card)
            page.errors["resolution"] = card.isClosed ? "Обращение уже закрыто" : "Укажите резолюцию, до 200 символов"
            return page.render().response(status: .unprocessableEntity)
        }
        let text = (fields["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try await answer(
            req, staff: staff, card: card, text: text.isEmpty ? "Обращение закрыто. Резолюция: \(resolution)." : text,
            files: [], status: .closed, resolution: resolution)
        return req.redirect(to: "/admin/appeals/\(card.number)?done=1")
    }

    /// A staff message: stored, counted as unread for the customer, e-mailed unless the customer said no,
    /// and reported to billing.
    private func answer(
        _ req: Request, staff: StaffContext, card: Appeals.Card, text: String, files: [Appeals.Upload],
        status: Appeals.Status, resolution: String?
    ) async throws {
        let (now, config) = (req.now, req.portal.config)
        let customer = try await req.db.sql.raw(
            "SELECT email, notify_by_email FROM accounts WHERE id = \(bind: card.accountId)"
        ).first()
        let email = try customer?.decode(column: "email", as: String?.self)
        let notify = try customer?.decode(column: "notify_by_email", as: Bool.self) ?? false
        let staffID = staff.member.id
        try await req.db.writeTransaction { tx in
            let sql = tx.sql
            let message = try await Appeals.addMessage(
                appealID: card.id, author: "staff", staffID: staffID, text: text, files: files, now: now, on: sql)
            let update = sql.update("appeals").set("status", to: status.rawValue).set("last_message_at", to: now)
                .set("awaiting_staff", to: false).set("customer_unread", to: SQLRaw("customer_unread + 1"))
            if let resolution { update.set("resolution", to: resolution) }
            if card.assigneeId == nil { update.set("assignee_id", to: staffID) }
            try await update.where("id", .equal, card.id).run()
            try await Appeals.recount(accountID: card.accountId, on: sql)
            try await EventNotifications.appealReply(
                number: card.number, closed: status == .closed, message: message, account: card.accountId, now: now,
                on: tx)
            try await BillingFeed.append(
                .appealMessage, entityID: message.uuidString,
                data: [
                    "appealId": .string(card.id.uuidString), "number": .number(Double(card.number)), "author": "staff",
                    "status": .string(status.rawValue), "text": .string(text),
                ], now: now, on: sql)
            if notify, let email {
                try await Outbox.enqueue(
                    AppealMails.reply(
                        number: card.number, status: status, link: config.publicOrigin + "/appeals/\(card.number)",
                        to: email, from: config.mailFrom, at: now), now: now, on: tx)
            }
        }
        try await req.recordStaff(
            status == .closed ? "staff.appeal.closed" : "staff.appeal.replied", subject: String(card.number),
            details: ["status": status.rawValue])
    }

    /// From a request for access (ЛКК ЮЛ → Права доступа): the appeal's author becomes the contract's
    /// «Администратор», and the appeal is answered and closed.
    @Sendable func grantAdministrator(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let card = try await appeal(req)
        let (now, config) = (req.now, req.portal.config)
        let (accountID, contractID, contractName) = (card.accountId, card.contractId, card.contractName)
        try await req.db.conflictRetryingTransaction { tx in
            try await AdministratorRole.grant(
                to: accountID, contractID: contractID, contractName: contractName, now: now, config: config, on: tx)
        }
        try await req.recordStaff(
            "staff.role.administrator.granted", subject: card.contractNumber,
            details: ["account": card.accountId.uuidString, "appeal": String(card.number)])
        if !card.isClosed {
            try await answer(
                req, staff: staff, card: card,
                text:
                    "Вам назначена роль «Администратор» на договоре № \(card.contractNumber). Теперь вы можете выдавать доступ к договору коллегам в разделе «Профиль» → «Договоры».",
                files: [], status: .closed, resolution: "Роль «Администратор» назначена")
        }
        return req.redirect(to: "/admin/appeals/\(card.number)?done=1")
    }

    @Sendable func assign(req: Request) async throws -> Response {
        _ = try req.verifiedStaff()
        let card = try await appeal(req)
        let fields = try req.formFields()
        guard let id = fields["assignee"].flatMap(UUID.init(uuidString:)),
            let member = try await StaffMember.find(id: id, on: req.db.sql), !member.blocked
        else { throw Abort(.badRequest) }
        try await req.db.sql.update("appeals").set("assignee_id", to: id).where("id", .equal, card.id).run()
        if card.appealStatus == .new {
            try await req.db.sql.update("appeals").set("status", to: Appeals.Status.inProgress.rawValue)
                .where("id", .equal, card.id).run()
        }
        try await req.recordStaff("staff.appeal.assigned", subject: String(card.number), details: ["to": member.email])
        return req.redirect(to: "/admin/appeals/\(card.number)?done=1")
    }

    @Sendable func file(req: Request) async throws -> Response {
        _ = try req.verifiedStaff()
        let card = try await appeal(req)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let file = try await Appeals.FileData.find(id, appealID: card.id, on: req.db.sql)
        else { throw Abort(.notFound) }
        return AppealsController.download(file)
    }

    // MARK: - Catalogue

    @Sendable func catalogue(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        return AdminCataloguePage(
            staff: staff.member, csrf: staff.session.csrfToken,
            sections: try await Appeals.Section.all(publishedOnly: false, on: req.db.sql)
        ).render().response()
    }

    /// Fields typed one per line as `text: Номер прибора учета`, `month: Период`, `money: Сумма`.
    static func parseFields(_ text: String) -> [AppealField]? {
        var fields: [AppealField] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let kind = AppealField.Kind(rawValue: parts[0]), !parts[1].isEmpty,
                parts[1].count <= 100
            else { return nil }
            fields.append(.init(key: "f\(fields.count + 1)", label: parts[1], kind: kind))
        }
        return fields.count <= 10 ? fields : nil
    }

    private func sectionValues(_ fields: [String: String]) -> (
        topic: String, title: String, spec: String, position: Int
    )? {
        let topic = (fields["topic"] ?? "").trimmingCharacters(in: .whitespaces)
        let title = (fields["title"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !topic.isEmpty, !title.isEmpty, topic.count <= 100, title.count <= 100,
            let parsed = Self.parseFields(fields["fields"] ?? ""),
            let spec = try? String(decoding: JSONEncoder.sorted.encode(parsed), as: UTF8.self)
        else { return nil }
        return (topic, title, spec, max(0, min(999, Int(fields["position"] ?? "") ?? 100)))
    }

    @Sendable func addSection(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        guard let values = sectionValues(try req.formFields()) else {
            var page = AdminCataloguePage(
                staff: staff.member, csrf: staff.session.csrfToken,
                sections: try await Appeals.Section.all(publishedOnly: false, on: req.db.sql))
            page.error = "Заполните тему и раздел; поля — по одному в строке, например «text: Номер прибора учета»"
            return page.render().response(status: .unprocessableEntity)
        }
        try await req.db.sql.insert(into: "appeal_sections")
            .columns("id", "topic", "title", "fields", "position", "published")
            .values(
                SQLBind(UUID()), SQLBind(values.topic), SQLBind(values.title), SQLBind(values.spec),
                SQLBind(values.position), SQLBind(true)
            ).run()
        try await req.recordStaff("staff.catalogue.added", subject: "\(values.topic) / \(values.title)")
        return req.redirect(to: "/admin/catalogue")
    }

    @Sendable func updateSection(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let fields = try req.formFields()
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            try await Appeals.Section.find(id, on: req.db.sql) != nil
        else { throw Abort(.notFound) }
        guard let values = sectionValues(fields) else {
            var page = AdminCataloguePage(
                staff: staff.member, csrf: staff.session.csrfToken,
                sections: try await Appeals.Section.all(publishedOnly: false, on: req.db.sql))
            page.error = "Заполните тему и раздел; поля — по одному в строке, например «text: Номер прибора учета»"
            return page.render().response(status: .unprocessableEntity)
        }
        try await req.db.sql.update("appeal_sections").set("topic", to: values.topic).set("title", to: values.title)
            .set("fields", to: values.spec).set("position", to: values.position)
            .set("published", to: fields["published"] != nil).where("id", .equal, id).run()
        try await req.recordStaff("staff.catalogue.changed", subject: "\(values.topic) / \(values.title)")
        return req.redirect(to: "/admin/catalogue")
    }
}

/// Letters about appeals.
enum AppealMails {
    static func reply(
        number: Int64, status: Appeals.Status, link: String, to email: String, from: MailAddress, at: Date
    )
        -> MailMessage
    {
        let state: String =
            switch status {
            case .documentsRequired:
                "Для рассмотрения обращения нужны документы: ответ сбытовой компании — в обращении."
            case .closed: "Обращение рассмотрено и закрыто."
            default: "Сбытовая компания ответила на ваше обращение."
            }
        return MailMessage(
            from: from, to: [MailAddress(email)], subject: "Ответ на обращение № \(number)",
            text: """
                Здравствуйте!

                \(state) Прочитать ответ и продолжить переписку можно в личном кабинете: \(link)

                Письмо отправлено автоматически, отвечать на него не нужно. Отключить такие письма можно в «Профиле», в настройках уведомлений.
                """,
            date: at)
    }
}
