import Foundation
import Markup
import Vapor

/// Texts of the portal the system administrator edits (`SiteTexts`): the supplier's own contacts on
/// «Помощь» → «Контакты» (each contract's branch and curator come from billing and are not edited here), and
/// the supplier's section at the end of «Инструкция пользователя» (the rest of the guide describes the
/// portal as built and changes with it).
struct AdminTextsController {
    struct Text: Sendable {
        let key: SiteTexts.Key
        let path: String
        let title: String
        let about: String
    }

    static let texts = [
        Text(
            key: .contacts, path: "contacts", title: "Контакты сбытовой компании",
            about:
                "Текст показывается на вкладке «Контакты» раздела «Помощь» над контактами отделения и куратора каждого договора (их передает учетная система). Пустой текст убирает блок."
        ),
        Text(
            key: .manual, path: "manual", title: "Сведения сбытовой компании в инструкции",
            about:
                "Текст становится последним разделом «Инструкции пользователя» на странице и в PDF. Остальные разделы описывают кабинет и обновляются вместе с ним. Пустой текст убирает раздел."
        ),
    ]

    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        for text in Self.texts {
            admin.get(.constant(text.path)) { try await page(req: $0, text: text) }
            admin.post(.constant(text.path)) { try await save(req: $0, text: text) }
        }
    }

    func page(req: Request, text: Text) async throws -> Response {
        let staff = try req.systemAdministrator()
        return AdminTextPage(
            staff: staff.member, csrf: staff.session.csrfToken, text: text,
            body: try await SiteTexts.body(text.key, on: req.db.sql), saved: req.queryValue("saved") != nil
        ).render().response()
    }

    func save(req: Request, text: Text) async throws -> Response {
        let staff = try req.systemAdministrator()
        let body = (try req.formFields()["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.count <= 20_000 else {
            return AdminTextPage(
                staff: staff.member, csrf: staff.session.csrfToken, text: text, body: body,
                error: "Не длиннее 20 000 символов"
            ).render().response(status: .unprocessableEntity)
        }
        try await SiteTexts.save(text.key, body: body, by: staff.member.email, now: req.now, on: req.db.sql)
        try await req.recordStaff("staff.text.saved", subject: text.key.rawValue)
        return req.redirect(to: "/admin/\(text.path)?saved=1")
    }
}

struct AdminTextPage {
    var staff: StaffMember
    var csrf: String
    var text: AdminTextsController.Text
    var body: String
    var saved = false
    var error: String?

    /// The text a member of staff writes (`PlainText`), with its error under it.
    static func bodyField(_ body: String, error: String?, rows: Int) -> HTML {
        """
        <div class="field\(error == nil ? "" : " field-invalid")"><label for="f-body">Текст (абзацы разделяются пустой строкой, строка «## …» — заголовок; адреса https://… становятся ссылками)</label>
        <textarea id="f-body" name="body" rows="\(String(rows))"\(attr: "aria-invalid", error == nil ? nil : "true")\(attr: "aria-describedby", error == nil ? nil : "f-body-error")>\(body)</textarea>
        \(error.map { message -> HTML in "<p class=\"field-error\" id=\"f-body-error\">\(message)</p>" })</div>
        """
    }

    func render() -> HTML {
        AdminLayout.page(
            title: text.title, staff: staff, csrf: csrf, current: "/admin/\(text.path)",
            content: """
                <h1>\(text.title)</h1>
                \(Forms.alert(saved ? "Сохранено." : nil, kind: "info"))
                <p>\(text.about)</p>
                <form class="form card" method="post" action="/admin/\(text.path)">\(Forms.csrf(csrf))
                \(Self.bodyField(body, error: error, rows: 12))
                <div class="page-actions"><button class="button" type="submit">Сохранить</button></div>
                </form>
                """)
    }
}
