import Foundation
import Markup
import Vapor

/// The supplier's own contacts on «Помощь» → «Контакты», edited by the system administrator. Each contract's
/// branch and curator come from billing and are not edited here.
struct AdminContactsController {
    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get("contacts", use: page)
        admin.post("contacts", use: save)
    }

    @Sendable func page(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        return AdminContactsPage(
            staff: staff.member, csrf: staff.session.csrfToken,
            text: try await SiteTexts.body(.contacts, on: req.db.sql), saved: req.queryValue("saved") != nil
        ).render().response()
    }

    @Sendable func save(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let text = (try req.formFields()["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 5000 else {
            return AdminContactsPage(
                staff: staff.member, csrf: staff.session.csrfToken, text: text, error: "Не длиннее 5000 символов"
            ).render().response(status: .unprocessableEntity)
        }
        try await SiteTexts.save(.contacts, body: text, by: staff.member.email, now: req.now, on: req.db.sql)
        try await req.recordStaff("staff.contacts.saved")
        return req.redirect(to: "/admin/contacts?saved=1")
    }
}

struct AdminContactsPage {
    var staff: StaffMember
    var csrf: String
    var text: String
    var saved = false
    var error: String?

    func render() -> HTML {
        AdminLayout.page(
            title: "Контакты", staff: staff, csrf: csrf, current: "/admin/contacts",
            content: """
                <h1>Контакты сбытовой компании</h1>
                \(Forms.alert(saved ? "Сохранено. Клиенты видят новый текст на вкладке «Контакты» раздела «Помощь»." : nil, kind: "info"))
                <p>Текст показывается над контактами отделения и куратора каждого договора (их передает учетная система). Пустой текст убирает блок.</p>
                <form class="form card" method="post" action="/admin/contacts">\(Forms.csrf(csrf))
                <div class="field\(error == nil ? "" : " field-invalid")"><label for="f-body">Текст (абзацы разделяются пустой строкой; адреса https://… становятся ссылками)</label>
                <textarea id="f-body" name="body" rows="10"\(attr: "aria-describedby", error == nil ? nil : "f-body-error")>\(text)</textarea>
                \(error.map { message -> HTML in "<p class=\"field-error\" id=\"f-body-error\">\(message)</p>" })</div>
                <div class="page-actions"><button class="button" type="submit">Сохранить</button></div>
                </form>
                """)
    }
}
