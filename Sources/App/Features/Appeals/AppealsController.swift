import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor

/// «Обращения» for the customer (manual §7; APL-1…3): the list, «Новое обращение» in two steps, the card
/// with its thread, replies and files.
struct AppealsController {
    /// A message's form with its files: five of 10 MB and the text.
    static let bodyLimit = 52 * 1024 * 1024

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.appeals.route, use: list)
        routes.get(SitePath.appealNew.route, use: newPage)
        routes.get(SitePath.appealDetails.route, use: details)
        routes.on(.POST, SitePath.appeals.route, body: .collect(maxSize: "52mb"), use: create)
            .userInfo[CSRFMiddleware.bodyLimitKey] = Self.bodyLimit
        routes.get(SitePath.appeal("").route, use: card)
        routes.on(.POST, SitePath.appealReply("").route, body: .collect(maxSize: "52mb"), use: reply)
            .userInfo[CSRFMiddleware.bodyLimitKey] = Self.bodyLimit
        routes.get(SitePath.appealFile("", "").route, use: file)
    }

    /// The contracts on which the account may write: every role may (Table 3: «Просмотр договора»).
    private func contracts(_ req: Request, _ account: Account) async throws -> [HistoryData.Contract] {
        try await HistoryData.contracts(of: account.id!, allowing: .viewContract, on: req.db.sql)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let rows = try await Appeals.ListRow.all(of: account.id!, on: req.db.sql)
        let notice = req.queryValue("sent").flatMap { Int64($0) }.map { "Обращение № \($0) отправлено." }
        return AppealsPage(context: req.shellContext, rows: rows, dates: req.dates, notice: notice).render().response()
    }

    @Sendable func newPage(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let contracts = try await contracts(req, account)
        let sections = try await Appeals.Section.all(publishedOnly: true, on: req.db.sql)
        var page = AppealNewPage(
            context: req.shellContext, sections: sections,
            contracts: contracts.map { .init(number: $0.number, name: $0.name) },
            section: req.queryValue("section") ?? "",
            contract: req.queryValue("contract") ?? "")
        if let access = try await Appeals.Section.accessRequest(on: req.db.sql), page.section == access.id.uuidString {
            page.title = "Направить обращение"
        }
        return page.render().response()
    }

    /// The chosen section and contract, or the first step again with what is missing.
    enum Choice {
        case chosen(Appeals.Section, HistoryData.Contract)
        case missing(AppealNewPage)
    }

    private func choice(_ req: Request, section: String?, contract: String?) async throws -> Choice {
        let account = try req.signedIn()
        let contracts = try await contracts(req, account)
        let sections = try await Appeals.Section.all(publishedOnly: true, on: req.db.sql)
        let chosen = sections.first { $0.id.uuidString == section }
        let held = contracts.first { $0.number == contract }
        var page = AppealNewPage(
            context: req.shellContext, sections: sections,
            contracts: contracts.map { .init(number: $0.number, name: $0.name) }, section: section ?? "",
            contract: contract ?? "")
        if chosen == nil { page.errors["section"] = "Выберите раздел" }
        if held == nil { page.errors["contract"] = "Выберите договор" }
        guard let chosen, let held else { return .missing(page) }
        return .chosen(chosen, held)
    }

    @Sendable func details(req: Request) async throws -> Response {
        switch try await choice(req, section: req.queryValue("section"), contract: req.queryValue("contract")) {
        case .missing(let page): return page.render().response(status: .unprocessableEntity)
        case .chosen(let section, let contract):
            return AppealDetailsPage(
                context: req.shellContext, section: section,
                contract: .init(number: contract.number, name: contract.name)
            ).render().response()
        }
    }

    struct MessageForm: Content {
        var section: String?
        var contract: String?
        /// The section's own fields, `field[key]` in the form.
        var field: [String: String]?
        var text: String?
        var files: [File]?
    }

    /// The section's fields as filled in, or the problems next to them.
    static func fields(of section: Appeals.Section, in form: [String: String]) -> (
        [Appeals.FilledField], [String: String]
    ) {
        var filled: [Appeals.FilledField] = []
        var errors: [String: String] = [:]
        for field in section.fieldList {
            let name = "field-\(field.key)"
            let value = (form[field.key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else {
                errors[name] = "Заполните поле"
                continue
            }
            switch field.kind {
            case .text:
                if value.count > 200 { errors[name] = "Не больше 200 символов" }
                filled.append(.init(label: field.label, value: String(value.prefix(200))))
            case .month:
                if let period = BillingPeriod(value), (2000...2100).contains(period.year) {
                    filled.append(.init(label: field.label, value: period.russianName))
                } else {
                    errors[name] = "Укажите месяц в формате ГГГГ-ММ"
                }
            case .money:
                switch Money.parse(value) {
                case .success(let money): filled.append(.init(label: field.label, value: money.formatted))
                case .failure(let problem): errors[name] = problem.message
                }
            }
        }
        return (filled, errors)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let form = try req.content.decode(MessageForm.self)
        let raw = form.field ?? [:]
        let section: Appeals.Section
        let contract: HistoryData.Contract
        switch try await choice(req, section: form.section, contract: form.contract) {
        case .missing(let page): return page.render().response(status: .unprocessableEntity)
        case .chosen(let chosenSection, let chosenContract): (section, contract) = (chosenSection, chosenContract)
        }
        let text = (form.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var page = AppealDetailsPage(
            context: req.shellContext, section: section, contract: .init(number: contract.number, name: contract.name),
            values: Dictionary(uniqueKeysWithValues: section.fieldList.map { ($0.key, raw[$0.key] ?? "") }),
            text: form.text ?? "")
        let (filled, fieldErrors) = Self.fields(of: section, in: raw)
        page.errors = fieldErrors
        if text.isEmpty { page.errors["text"] = "Напишите, о чем обращение" }
        if text.count > Appeals.maxText { page.errors["text"] = "Не больше \(Appeals.maxText) символов" }
        let (uploads, problem) = Appeals.uploads(form.files ?? [])
        if let problem { page.errors["files"] = problem }
        guard page.errors.isEmpty else { return page.render().response(status: .unprocessableEntity) }
        if let wait = try await Throttle.check(req, [("appeal:\(account.id!)", 20)], window: 3600) {
            page.errors["form"] = "Слишком много обращений. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let (accountID, now) = (account.id!, req.now)
        let created = try await req.db.conflictRetryingTransaction { tx in
            try await Appeals.create(
                accountID: accountID, contractID: contract.id, section: section, fields: filled, text: text,
                files: uploads, now: now, on: tx.sql)
        }
        try await AuditLog.record(
            "appeal.created", subject: String(created.number), details: ["contract": contract.number], request: req)
        return req.redirect(to: SitePath.appeals.path + "?sent=\(created.number)")
    }

    /// The appeal `number` if the account wrote it and still holds its contract; a 404 otherwise.
    private func appeal(_ req: Request, _ account: Account) async throws -> Appeals.Card {
        guard let number = req.parameters.get("number").flatMap({ Int64($0) }),
            let card = try await Appeals.Card.find(number: number, on: req.db.sql), card.accountId == account.id,
            let link = try await ContractLink.query(on: req.db).filter(\.$accountID == account.id!)
                .filter(\.$contractID == card.contractId).first(),
            link.allows(.viewContract)
        else { throw Abort(.notFound) }
        return card
    }

    private func cardPage(_ req: Request, _ card: Appeals.Card) async throws -> AppealCardPage {
        let sql = req.db.sql
        return AppealCardPage(
            context: req.shellContext, card: card, messages: try await Appeals.Message.all(of: card.id, on: sql),
            files: try await Appeals.FileRow.all(of: card.id, on: sql), dates: req.dates)
    }

    @Sendable func card(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let card = try await appeal(req, account)
        if card.customerUnread > 0 {
            // Opening the appeal reads its replies: the menu counter goes down at once.
            let (id, accountID, number, now) = (card.id, account.id!, card.number, req.now)
            try await req.db.writeTransaction { tx in
                try await tx.sql.update("appeals").set("customer_unread", to: 0).where("id", .equal, id).run()
                try await Appeals.recount(accountID: accountID, on: tx.sql)
                try await EventNotifications.readAppealReplies(number: number, account: accountID, now: now, on: tx.sql)
            }
            // The counter counts appeals with unread replies, and this one has none now; so does the bell.
            account.unreadAppeals = max(0, account.unreadAppeals - 1)
            req.sessions.unreadNotifications = try await Notifications.unreadCount(
                account: accountID, now: now, on: req.db.sql)
        }
        var page = try await cardPage(req, card)
        if req.queryValue("replied") == "1" { page.notice = "Сообщение отправлено." }
        return page.render().response()
    }

    @Sendable func reply(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let card = try await appeal(req, account)
        let form = try req.content.decode(MessageForm.self)
        var page = try await cardPage(req, card)
        guard !card.isClosed else {
            page.errors["text"] = "Обращение закрыто: создайте новое"
            return page.render().response(status: .unprocessableEntity)
        }
        let text = (form.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        page.text = form.text ?? ""
        if text.isEmpty { page.errors["text"] = "Напишите сообщение" }
        if text.count > Appeals.maxText { page.errors["text"] = "Не больше \(Appeals.maxText) символов" }
        let (uploads, problem) = Appeals.uploads(form.files ?? [])
        if let problem { page.errors["files"] = problem }
        guard page.errors.isEmpty else { return page.render().response(status: .unprocessableEntity) }
        let (now, id, number) = (req.now, card.id, card.number)
        let reopen = card.appealStatus == .documentsRequired
        try await req.db.writeTransaction { tx in
            let message = try await Appeals.addMessage(
                appealID: id, author: "customer", staffID: nil, text: text, files: uploads, now: now, on: tx.sql)
            let update = tx.sql.update("appeals").set("last_message_at", to: now).set("awaiting_staff", to: true)
            if reopen { update.set("status", to: Appeals.Status.inProgress.rawValue) }
            try await update.where("id", .equal, id).run()
            try await BillingFeed.append(
                .appealMessage, entityID: message.uuidString,
                data: [
                    "appealId": .string(id.uuidString), "number": .number(Double(number)), "author": "customer",
                    "text": .string(text),
                ], now: now, on: tx.sql)
        }
        try await AuditLog.record("appeal.replied", subject: String(card.number), request: req)
        return req.redirect(to: SitePath.appeal(String(card.number)).path + "?replied=1")
    }

    @Sendable func file(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let card = try await appeal(req, account)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let file = try await Appeals.FileData.find(id, appealID: card.id, on: req.db.sql)
        else { throw Abort(.notFound) }
        return Self.download(file)
    }

    /// A stored file as an attachment (never shown inline: it came from another person).
    static func download(_ file: Appeals.FileData) -> Response {
        let response = Response(status: .ok, body: .init(data: file.data))
        response.headers.replaceOrAdd(name: .contentType, value: file.contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: Response.attachment(fileName: file.fileName))
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
