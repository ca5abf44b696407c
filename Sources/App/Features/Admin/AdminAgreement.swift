import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// «Пользовательское соглашение» for the system administrator: the versions with how many accepted each, and a
/// new version to publish (every customer then accepts it before going on).
struct AdminAgreementController {
    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get("agreement", use: page)
        admin.post("agreement", use: publish)
    }

    @Sendable func page(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let sql = req.db.sql
        return AdminAgreementPage(
            staff: staff.member, csrf: staff.session.csrfToken, text: try await Agreement.current(on: sql)?.body ?? "",
            versions: try await Agreement.versions(on: sql), dates: req.dates, notice: req.queryValue("published")
        ).render().response()
    }

    @Sendable func publish(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let text = (try req.formFields()["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let sql = req.db.sql
        let current = try await Agreement.current(on: sql)
        var error: String?
        if text.isEmpty || text.count > 100_000 { error = "Введите текст соглашения, до 100 000 символов" }
        if text == current?.body { error = "Текст не изменился: новая редакция не нужна" }
        if let error {
            return AdminAgreementPage(
                staff: staff.member, csrf: staff.session.csrfToken, text: text,
                versions: try await Agreement.versions(on: sql), dates: req.dates, error: error
            ).render().response(status: .unprocessableEntity)
        }
        let version = try await Agreement.publish(text, by: staff.member.email, now: req.now, on: req.db)
        try await req.recordStaff("staff.agreement.published", subject: String(version))
        return req.redirect(to: "/admin/agreement?published=\(version)")
    }
}

struct AdminAgreementPage {
    var staff: StaffMember
    var csrf: String
    var text: String
    var versions: [Agreement.Summary]
    var dates: RussianDateFormat
    var notice: String?
    var error: String?

    func render() -> HTML {
        let rows = versions.map { version -> HTML in
            "<tr><td>№ \(String(version.version))</td><td>\(dates.dateTime(version.publishedAt))</td><td>\(version.publishedBy ?? "—")</td><td>\(String(version.accepted))</td></tr>"
        }
        return AdminLayout.page(
            title: "Пользовательское соглашение", staff: staff, csrf: csrf, current: "/admin/agreement",
            content: """
                <h1>Пользовательское соглашение</h1>
                \(Forms.alert(notice.map { "Редакция № \($0) опубликована. Клиенты примут ее при следующем входе." }, kind: "info"))
                <section class="card"><h2>Редакции</h2>
                <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Редакция</th><th scope="col">Опубликована</th><th scope="col">Кем</th><th scope="col">Приняли</th></tr></thead>
                <tbody>\(HTML.join(rows, separator: ""))</tbody></table></div></section>
                <form class="form card" method="post" action="/admin/agreement">\(Forms.csrf(csrf))
                <h2>Новая редакция</h2>
                \(AdminTextPage.bodyField(text, error: error, rows: 20))
                <p>После публикации каждый клиент при следующем входе увидит новую редакцию и сможет продолжить работу, только приняв ее.</p>
                <div class="page-actions"><button class="button" type="submit">Опубликовать новую редакцию</button></div>
                </form>
                """)
    }
}
