import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// Notifications the staff write (ADM-4): kind, subject, text, confirmation, link button, display period and
/// audience; a draft is previewed, then published (its audience receives it in one statement) and may be
/// withdrawn. The list shows how many received, read and confirmed each.
struct AdminNotificationsController {
    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get("notifications", use: list)
        admin.get("notifications", "new", use: new)
        admin.post("notifications", use: save)
        admin.get("notifications", ":id", use: show)
        admin.post("notifications", ":id", use: save)
        admin.post("notifications", ":id", "publish", use: publish)
        admin.post("notifications", ":id", "withdraw", use: withdraw)
    }

    struct Row: Decodable, Sendable {
        let id: UUID
        let kind: String
        let subject: String
        let body: String
        let needsConfirmation: Bool
        let linkUrl: String?
        let linkTitle: String?
        let showsFrom: Date
        let showsUntil: Date?
        let audience: String
        let audienceValue: String
        let audienceRole: String?
        let status: String
        let sendEmail: Bool
        let createdAt: Date
        let publishedAt: Date?
    }

    struct Counts: Decodable, Sendable, Equatable {
        var delivered = 0
        var read = 0
        var confirmed = 0
    }

    static let columns =
        "id, kind, subject, body, needs_confirmation, link_url, link_title, shows_from, shows_until, audience, audience_value, audience_role, status, send_email, created_at, published_at"

    static func counts(of ids: [UUID], on sql: any SQLDatabase) async throws -> [UUID: Counts] {
        guard !ids.isEmpty else { return [:] }
        struct Line: Decodable {
            let notificationId: UUID
            let delivered: Int
            let read: Int
            let confirmed: Int
        }
        let lines = try await sql.raw(
            """
            SELECT notification_id, COUNT(*) AS delivered, COUNT(read_at) AS read, COUNT(confirmed_at) AS confirmed
            FROM notification_recipients WHERE notification_id IN (\(binds: ids)) GROUP BY notification_id
            """
        ).all(decoding: Line.self, with: .snakeCase)
        return Dictionary(
            uniqueKeysWithValues: lines.map {
                ($0.notificationId, Counts(delivered: $0.delivered, read: $0.read, confirmed: $0.confirmed))
            })
    }

    @Sendable func list(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let sql = req.db.sql
        let rows = try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM notifications WHERE audience <> 'event'
            ORDER BY created_at DESC LIMIT 200
            """
        ).all(decoding: Row.self, with: .snakeCase)
        return AdminNotificationsPage(
            staff: staff.member, csrf: staff.session.csrfToken, rows: rows,
            counts: try await Self.counts(of: rows.map(\.id), on: sql), dates: req.dates
        ).render().response()
    }

    @Sendable func new(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        var form = AdminNotificationForm.Values()
        form.showsFrom = req.dates.dateTime(req.now)
        return AdminNotificationForm(staff: staff.member, csrf: staff.session.csrfToken, id: nil, values: form)
            .render().response()
    }

    private func row(_ req: Request) async throws -> Row {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let row = try await req.db.sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM notifications WHERE id = \(bind: id) AND audience <> 'event'"
            ).first(decoding: Row.self, with: .snakeCase)
        else { throw Abort(.notFound) }
        return row
    }

    @Sendable func show(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let row = try await row(req)
        let values = AdminNotificationForm.Values(row, dates: req.dates)
        guard row.status == Notifications.Status.draft.rawValue else {
            let counts = try await Self.counts(of: [row.id], on: req.db.sql)[row.id] ?? Counts()
            return AdminNotificationCard(
                staff: staff.member, csrf: staff.session.csrfToken, row: row, values: values, counts: counts,
                dates: req.dates
            ).render().response()
        }
        var page = AdminNotificationForm(staff: staff.member, csrf: staff.session.csrfToken, id: row.id, values: values)
        if let draft = try? await checked(values, req: req).get() {
            page.preview = draft
            page.audienceSize = try await audienceSize(draft, on: req.db.sql)
        }
        return page.render().response()
    }

    /// Saves the form as a draft («Сохранить черновик») or shows it as the customer will see it
    /// («Предпросмотр»), with the number of accounts it will reach.
    @Sendable func save(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let fields = try req.formFields()
        let existing = req.parameters.get("id") == nil ? nil : try await row(req)
        if let existing, existing.status != Notifications.Status.draft.rawValue { throw Abort(.notFound) }
        let values = AdminNotificationForm.Values(fields)
        var page = AdminNotificationForm(
            staff: staff.member, csrf: staff.session.csrfToken, id: existing?.id, values: values)
        let draft: Notifications.Draft
        switch try await checked(values, req: req) {
        case .failure(let errors):
            page.errors = errors.fields
            return page.render().response(status: .unprocessableEntity)
        case .success(let value): draft = value
        }
        if fields["action"] == "preview" {
            page.preview = draft
            page.audienceSize = try await audienceSize(draft, on: req.db.sql)
            return page.render().response()
        }
        let sql = req.db.sql
        let id: UUID
        if let existing {
            id = existing.id
            try await Notifications.update(id, with: draft, on: sql)
        } else {
            id = try await Notifications.create(
                draft, createdBy: staff.member.email, now: req.now, on: sql)!
        }
        try await req.recordStaff("staff.notification.saved", subject: draft.subject)
        return req.redirect(to: "/admin/notifications/\(id.uuidString)")
    }

    @Sendable func publish(req: Request) async throws -> Response {
        _ = try req.verifiedStaff()
        let row = try await row(req)
        guard row.status == Notifications.Status.draft.rawValue,
            let draft = try? await checked(
                AdminNotificationForm.Values(row, dates: req.dates), req: req
            ).get()
        else { throw Abort(.notFound) }
        let delivered = try await Notifications.publish(row.id, draft: draft, now: req.now, on: req.db)
        try await req.recordStaff(
            "staff.notification.published", subject: row.subject, details: ["delivered": String(delivered)])
        return req.redirect(to: "/admin/notifications/\(row.id.uuidString)")
    }

    @Sendable func withdraw(req: Request) async throws -> Response {
        _ = try req.verifiedStaff()
        let row = try await row(req)
        guard row.status == Notifications.Status.published.rawValue else { throw Abort(.notFound) }
        try await Notifications.withdraw(row.id, now: req.now, on: req.db.sql)
        try await req.recordStaff("staff.notification.withdrawn", subject: row.subject)
        return req.redirect(to: "/admin/notifications/\(row.id.uuidString)")
    }

    /// The `values` no row of `table` has in `column`, in their order; nil for an empty or too long list.
    static func missing(_ values: [String], column: String, of table: String, on sql: any SQLDatabase) async throws
        -> [String]?
    {
        guard !values.isEmpty, values.count <= 5000 else { return nil }
        var found = Set<String>()
        for chunk in values.chunked(500) {
            for row in try await sql.select().column(column).from(table).where(SQLIdentifier(column), .in, chunk).all()
            {
                found.insert(try row.decode(column: column, as: String.self))
            }
        }
        return values.filter { !found.contains($0) }
    }

    func audienceSize(_ draft: Notifications.Draft, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM (\(Notifications.audienceQuery(draft))) x").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    struct FieldErrors: Error {
        var fields: [String: String]
    }

    /// The form's values as a draft, or a message for each field that is wrong.
    func checked(_ values: AdminNotificationForm.Values, req: Request) async throws -> Result<
        Notifications.Draft, FieldErrors
    > {
        var errors: [String: String] = [:]
        let subject = values.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = values.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if subject.isEmpty || subject.count > 200 { errors["subject"] = "Укажите тему, до 200 символов" }
        if body.isEmpty || body.count > 5000 { errors["body"] = "Введите текст уведомления, до 5000 символов" }
        let link = values.linkURL.trimmingCharacters(in: .whitespaces)
        if !link.isEmpty && (!Notifications.isAllowedLink(link) || link.count > 500) {
            errors["linkURL"] = "Адрес должен начинаться с https:// или с / (страница личного кабинета)"
        }
        if values.linkTitle.count > 60 { errors["linkTitle"] = "Не длиннее 60 символов" }
        let from = values.showsFrom.isEmpty ? req.now : req.dates.parseDateTime(values.showsFrom)
        if from == nil { errors["showsFrom"] = "Укажите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ" }
        var until: Date?
        if !values.showsUntil.isEmpty {
            until = req.dates.parseDateTime(values.showsUntil)
            if until == nil {
                errors["showsUntil"] = "Укажите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ"
            } else if let from, let until, until <= from {
                errors["showsUntil"] = "Окончание показа должно быть позже начала"
            }
        }
        let kind = Notifications.Kind(rawValue: values.kind)
        if kind == nil { errors["kind"] = "Выберите вид уведомления" }
        let audience = Notifications.Audience(rawValue: values.audience).flatMap { $0 == .event ? nil : $0 }
        var audienceValue = ""
        let sql = req.db.sql
        switch audience {
        case nil: errors["audience"] = "Выберите, кому отправить"
        case .all, .event: break
        case .category:
            if let category = Int(values.category), (1...6).contains(category) {
                audienceValue = String(category)
            } else {
                errors["category"] = "Выберите ценовую категорию"
            }
        case .contracts:
            let numbers = Notifications.lines(values.contracts)
            switch try await Self.missing(numbers, column: "number", of: "contracts", on: sql) {
            case nil: errors["contracts"] = "Укажите номера договоров, по одному в строке"
            case let missing? where missing.isEmpty: audienceValue = numbers.joined(separator: "\n")
            case let missing?:
                errors["contracts"] = "Не найдены договоры: \(missing.prefix(10).joined(separator: ", "))"
            }
        case .accounts:
            let emails = Notifications.lines(values.accounts).map { $0.lowercased() }
            switch try await Self.missing(emails, column: "email", of: "accounts", on: sql) {
            case nil: errors["accounts"] = "Укажите адреса электронной почты учетных записей, по одному в строке"
            case let missing? where missing.isEmpty: audienceValue = emails.joined(separator: "\n")
            case let missing?:
                errors["accounts"] = "Нет учетных записей с адресами: \(missing.prefix(10).joined(separator: ", "))"
            }
        }
        let role = values.role.isEmpty ? nil : Role(rawValue: values.role)
        if !values.role.isEmpty && role == nil { errors["role"] = "Выберите роль" }
        guard errors.isEmpty, let kind, let audience, let from else { return .failure(FieldErrors(fields: errors)) }
        return .success(
            Notifications.Draft(
                kind: kind, subject: subject, body: body, needsConfirmation: values.needsConfirmation,
                linkURL: link, linkTitle: values.linkTitle.trimmingCharacters(in: .whitespaces), showsFrom: from,
                showsUntil: until, audience: audience, audienceValue: audienceValue,
                audienceRole: audience == .accounts ? nil : role, sendEmail: values.sendEmail))
    }
}

/// «Новое уведомление» and a draft's form, with the preview.
struct AdminNotificationForm {
    struct Values: Sendable, Equatable {
        var kind = Notifications.Kind.bell.rawValue
        var subject = ""
        var body = ""
        var needsConfirmation = false
        var linkURL = ""
        var linkTitle = ""
        var showsFrom = ""
        var showsUntil = ""
        var audience = Notifications.Audience.all.rawValue
        var category = ""
        var contracts = ""
        var accounts = ""
        var role = ""
        var sendEmail = false

        init() {}

        init(_ fields: [String: String]) {
            kind = fields["kind"] ?? ""
            subject = String((fields["subject"] ?? "").prefix(1000))
            body = String((fields["body"] ?? "").prefix(20_000))
            needsConfirmation = fields["needsConfirmation"] != nil
            linkURL = String((fields["linkURL"] ?? "").prefix(1000))
            linkTitle = String((fields["linkTitle"] ?? "").prefix(200))
            showsFrom = String((fields["showsFrom"] ?? "").prefix(40))
            showsUntil = String((fields["showsUntil"] ?? "").prefix(40))
            audience = fields["audience"] ?? ""
            category = fields["category"] ?? ""
            contracts = String((fields["contracts"] ?? "").prefix(200_000))
            accounts = String((fields["accounts"] ?? "").prefix(200_000))
            role = fields["role"] ?? ""
            sendEmail = fields["sendEmail"] != nil
        }

        init(_ row: AdminNotificationsController.Row, dates: RussianDateFormat) {
            kind = row.kind
            subject = row.subject
            body = row.body
            needsConfirmation = row.needsConfirmation
            linkURL = row.linkUrl ?? ""
            linkTitle = row.linkTitle ?? ""
            showsFrom = dates.dateTime(row.showsFrom)
            showsUntil = row.showsUntil.map(dates.dateTime) ?? ""
            audience = row.audience
            switch Notifications.Audience(rawValue: row.audience) {
            case .category: category = row.audienceValue
            case .contracts: contracts = row.audienceValue
            case .accounts: accounts = row.audienceValue
            default: break
            }
            role = row.audienceRole ?? ""
            sendEmail = row.sendEmail
        }
    }

    var staff: StaffMember
    var csrf: String
    var id: UUID?
    var values: Values
    var errors: [String: String] = [:]
    var preview: Notifications.Draft?
    var audienceSize: Int?

    /// A labelled control with its error under it.
    func labelled(_ name: String, _ label: String, control: (HTML) -> HTML) -> HTML {
        let error = errors[name]
        let described: HTML =
            error == nil ? .empty : " aria-invalid=\"true\" aria-describedby=\"f-\(name)-error\""
        return """
            <div class="field\(error == nil ? "" : " field-invalid")"><label for="f-\(name)">\(label)</label>
            \(control(described))
            \(error.map { message -> HTML in "<p class=\"field-error\" id=\"f-\(name)-error\">\(message)</p>" })</div>
            """
    }

    func field(_ name: String, _ label: String, value: String, hint: String? = nil) -> HTML {
        labelled(name, label) {
            "<input id=\"f-\(name)\" name=\"\(name)\" value=\"\(value)\"\(attr: "placeholder", hint)\($0)>"
        }
    }

    func area(_ name: String, _ label: String, value: String, rows: Int = 4) -> HTML {
        labelled(name, label) {
            "<textarea id=\"f-\(name)\" name=\"\(name)\" rows=\"\(String(rows))\"\($0)>\(value)</textarea>"
        }
    }

    func select(_ name: String, _ label: String, options: [(String, String)], selected: String) -> HTML {
        let items = options.map { option -> HTML in
            "<option value=\"\(option.0)\"\(flag: "selected", option.0 == selected)>\(option.1)</option>"
        }
        return labelled(name, label) {
            "<select id=\"f-\(name)\" name=\"\(name)\"\($0)>\(HTML.join(items, separator: ""))</select>"
        }
    }

    func render() -> HTML {
        let action = id.map { "/admin/notifications/\($0.uuidString)" } ?? "/admin/notifications"
        let categories = [("", "—")] + (1...6).map { (String($0), PriceCategory(rawValue: $0)!.title) }
        let roles = [("", "Любая роль")] + Role.allCases.map { ($0.rawValue, $0.title) }
        let publishForm: HTML =
            id.map { id -> HTML in
                """
                <form method="post" action="/admin/notifications/\(id.uuidString)/publish" class="card">\(Forms.csrf(csrf))
                <p>Опубликованное уведомление получат сразу; изменить его будет нельзя, только отозвать.</p>
                <button class="button" type="submit">Опубликовать</button></form>
                """
            } ?? .empty
        return AdminLayout.page(
            title: id == nil ? "Новое уведомление" : "Черновик уведомления", staff: staff, csrf: csrf,
            current: "/admin/notifications",
            content: """
                <p><a href="/admin/notifications">← Уведомления</a></p>
                <h1>\(id == nil ? "Новое уведомление" : "Черновик уведомления")</h1>
                \(Forms.alert(errors.isEmpty ? nil : "Проверьте поля, отмеченные ниже"))
                \(previewHTML)
                <form class="form card" method="post" action="\(action)">\(Forms.csrf(csrf))
                \(select("kind", "Вид уведомления", options: Notifications.Kind.allCases.map { ($0.rawValue, $0.title) }, selected: values.kind))
                \(field("subject", "Тема", value: values.subject))
                \(area("body", "Текст (абзацы разделяются пустой строкой; адреса https://… становятся ссылками)", value: values.body, rows: 6))
                \(Forms.checkbox(name: "needsConfirmation", label: "Требуется подтверждение", checked: values.needsConfirmation))
                \(field("linkURL", "Кнопка перехода: адрес", value: values.linkURL, hint: "https://… или /payments"))
                \(field("linkTitle", "Кнопка перехода: надпись", value: values.linkTitle, hint: "Перейти"))
                \(field("showsFrom", "Показывать с", value: values.showsFrom, hint: "ДД.ММ.ГГГГ ЧЧ:ММ"))
                \(field("showsUntil", "Показывать по (необязательно)", value: values.showsUntil, hint: "ДД.ММ.ГГГГ ЧЧ:ММ"))
                \(select("audience", "Кому", options: Notifications.Audience.allCases.filter { $0 != .event }.map { ($0.rawValue, $0.title) }, selected: values.audience))
                <div data-audience-for="category">\(select("category", "Ценовая категория (для «Ценовая категория»)", options: categories, selected: values.category))</div>
                <div data-audience-for="contracts">\(area("contracts", "Номера договоров, по одному в строке (для «Договоры»)", value: values.contracts))</div>
                <div data-audience-for="accounts">\(area("accounts", "E-mail учетных записей, по одному в строке (для «Учетные записи»)", value: values.accounts))</div>
                <div data-audience-for="all category contracts">\(select("role", "Роль на договоре", options: roles, selected: values.role))</div>
                \(Forms.checkbox(name: "sendEmail", label: "Отправить копию на e-mail (тем, у кого включены уведомления на e-mail)", checked: values.sendEmail))
                <div class="page-actions">
                <button class="button button-secondary" type="submit" name="action" value="preview">Предпросмотр</button>
                <button class="button" type="submit" name="action" value="save">Сохранить черновик</button>
                </div>
                </form>
                \(publishForm)
                """)
    }

    /// The notification as the customer will see it, with who will receive it.
    var previewHTML: HTML {
        guard let draft = preview else { return .empty }
        let item = Notifications.Item(
            id: id ?? UUID(), kind: draft.kind.rawValue, subject: draft.subject, body: draft.body,
            needsConfirmation: draft.needsConfirmation, linkUrl: draft.linkURL.isEmpty ? nil : draft.linkURL,
            linkTitle: draft.linkTitle.isEmpty ? nil : draft.linkTitle, showsFrom: draft.showsFrom, readAt: nil,
            confirmedAt: nil)
        let confirm: HTML =
            draft.needsConfirmation || draft.kind == .modal ? "<span class=\"button\">Подтвердить</span>" : .empty
        let link: HTML =
            item.linkUrl == nil ? .empty : "<span class=\"button button-secondary\">\(item.linkLabel)</span>"
        let buttons: HTML = "<div class=\"page-actions\">\(confirm)\(link)</div>"
        return """
            <section class="card" aria-labelledby="preview-title"><h2 id="preview-title">Предпросмотр: \(draft.kind.title)</h2>
            <div class="\(draft.kind == .top ? "banner" : "modal")"><div class="banner-text"><p class="banner-subject">\(item.subject)</p>\(PlainText.html(item.body))</div>\(buttons)</div>
            <p>Получателей (учетных записей): \(String(audienceSize ?? 0)).</p>
            </section>
            """
    }
}

/// A published or withdrawn notification: what it says, to whom, and what its recipients did.
struct AdminNotificationCard {
    var staff: StaffMember
    var csrf: String
    var row: AdminNotificationsController.Row
    var values: AdminNotificationForm.Values
    var counts: AdminNotificationsController.Counts
    var dates: RussianDateFormat

    func render() -> HTML {
        let status = Notifications.Status(rawValue: row.status)
        let withdraw: HTML =
            status == .published
            ? """
            <form method="post" action="/admin/notifications/\(row.id.uuidString)/withdraw">\(Forms.csrf(csrf))<button class="button button-secondary" type="submit">Отозвать</button></form>
            """ : .empty
        return AdminLayout.page(
            title: row.subject, staff: staff, csrf: csrf, current: "/admin/notifications",
            content: """
                <p><a href="/admin/notifications">← Уведомления</a></p>
                <h1>\(row.subject)</h1>
                <section class="card"><dl class="details">
                <dt>Статус</dt><dd>\(status?.title ?? row.status)</dd>
                <dt>Вид</dt><dd>\(Notifications.Kind(rawValue: row.kind)?.title ?? row.kind)</dd>
                <dt>Кому</dt><dd>\(AdminNotificationsPage.audience(row))</dd>
                <dt>Показ</dt><dd>\(AdminNotificationsPage.period(row, dates: dates))</dd>
                <dt>Требуется подтверждение</dt><dd>\(row.needsConfirmation ? "да" : "нет")</dd>
                <dt>Кнопка перехода</dt><dd>\(row.linkUrl ?? "нет")</dd>
                <dt>Получили</dt><dd>\(String(counts.delivered))</dd>
                <dt>Прочитали</dt><dd>\(String(counts.read))</dd>
                <dt>Подтвердили</dt><dd>\(String(counts.confirmed))</dd>
                </dl>
                \(PlainText.html(row.body))
                \(withdraw)
                </section>
                """)
    }
}

/// «Уведомления» of the admin module: every notification the staff wrote, newest first.
struct AdminNotificationsPage {
    var staff: StaffMember
    var csrf: String
    var rows: [AdminNotificationsController.Row]
    var counts: [UUID: AdminNotificationsController.Counts]
    var dates: RussianDateFormat

    static func audience(_ row: AdminNotificationsController.Row) -> String {
        let role = row.audienceRole.flatMap(Role.init(rawValue:)).map { ", роль «\($0.title)»" } ?? ""
        switch Notifications.Audience(rawValue: row.audience) {
        case .all: return "Все клиенты" + role
        case .category:
            return
                "Ценовая категория \(PriceCategory(rawValue: Int(row.audienceValue) ?? 0)?.title ?? row.audienceValue)"
                + role
        case .contracts: return "Договоры: \(first(Notifications.lines(row.audienceValue)))" + role
        case .accounts: return "Учетные записи: \(first(Notifications.lines(row.audienceValue)))"
        default: return row.audience
        }
    }

    /// The first three of a list and how many more.
    static func first(_ items: [String]) -> String {
        items.prefix(3).joined(separator: ", ") + (items.count > 3 ? " и еще \(items.count - 3)" : "")
    }

    static func period(_ row: AdminNotificationsController.Row, dates: RussianDateFormat) -> String {
        "с \(dates.dateTime(row.showsFrom))" + (row.showsUntil.map { " по \(dates.dateTime($0))" } ?? "")
    }

    func render() -> HTML {
        let lines = rows.map { row -> HTML in
            let count = counts[row.id] ?? .init()
            return """
                <tr><td><a href="/admin/notifications/\(row.id.uuidString)">\(row.subject)</a></td>
                <td>\(Notifications.Kind(rawValue: row.kind)?.title ?? row.kind)</td>
                <td>\(Self.audience(row))</td><td>\(Self.period(row, dates: dates))</td>
                <td>\(Notifications.Status(rawValue: row.status)?.title ?? row.status)</td>
                <td>\(String(count.delivered)) / \(String(count.read)) / \(String(count.confirmed))</td></tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">Уведомлений еще нет.</p>"
            : """
            <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Тема</th><th scope="col">Вид</th>
            <th scope="col">Кому</th><th scope="col">Показ</th><th scope="col">Статус</th>
            <th scope="col">Получили / прочитали / подтвердили</th></tr></thead>
            <tbody>\(HTML.join(lines, separator: ""))</tbody></table></div>
            """
        return AdminLayout.page(
            title: "Уведомления", staff: staff, csrf: csrf, current: "/admin/notifications",
            content: """
                <h1>Уведомления</h1>
                <p><a class="button" href="/admin/notifications/new">Новое уведомление</a></p>
                \(table)
                """)
    }
}
