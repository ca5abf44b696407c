import Foundation
import Markup
import SQLKit
import Vapor

/// «Вопрос-ответ» for the system administrator: groups and questions (order, publish or hide) and the
/// phrases customers searched for without finding anything.
struct AdminFAQController {
    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get("faq", use: page)
        admin.post("faq", "groups", use: saveGroup)
        admin.post("faq", "groups", ":id", use: saveGroup)
        admin.post("faq", "questions", use: saveQuestion)
        admin.post("faq", "questions", ":id", use: saveQuestion)
    }

    struct Miss: Decodable, Sendable {
        let phrase: String
        let times: Int
    }

    private func view(_ req: Request, _ staff: StaffContext, error: String? = nil) async throws -> AdminFAQPage {
        let sql = req.db.sql
        let misses = try await sql.raw(
            """
            SELECT phrase, COUNT(*) AS times FROM faq_misses GROUP BY phrase ORDER BY COUNT(*) DESC, phrase LIMIT 100
            """
        ).all(decoding: Miss.self, with: .snakeCase)
        return AdminFAQPage(
            staff: staff.member, csrf: staff.session.csrfToken,
            groups: try await FAQ.Group.all(publishedOnly: false, on: sql),
            questions: try await FAQ.Question.find(phrase: "", group: nil, publishedOnly: false, on: sql),
            misses: misses,
            error: error)
    }

    @Sendable func page(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        return try await view(req, staff).render().response()
    }

    @Sendable func saveGroup(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let fields = try req.formFields()
        let title = (fields["title"] ?? "").trimmingCharacters(in: .whitespaces)
        let position = max(0, min(999, Int(fields["position"] ?? "") ?? 100))
        guard !title.isEmpty, title.count <= 100 else {
            return try await view(req, staff, error: "Укажите название группы, до 100 символов").render()
                .response(status: .unprocessableEntity)
        }
        let sql = req.db.sql
        if let id = req.parameters.get("id") {
            guard let uuid = UUID(uuidString: id) else { throw Abort(.notFound) }
            try await sql.update("faq_groups").set("title", to: title).set("position", to: position)
                .set("published", to: fields["published"] != nil).where("id", .equal, uuid).run()
        } else {
            try await sql.insert(into: "faq_groups").columns("id", "title", "position", "published")
                .values(SQLBind(UUID()), SQLBind(title), SQLBind(position), SQLBind(true)).run()
        }
        try await req.recordStaff("staff.faq.group", subject: title)
        return req.redirect(to: "/admin/faq")
    }

    @Sendable func saveQuestion(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let fields = try req.formFields()
        let question = (fields["question"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let answer = (fields["answer"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let position = max(0, min(999, Int(fields["position"] ?? "") ?? 100))
        let sql = req.db.sql
        let groups = try await FAQ.Group.all(publishedOnly: false, on: sql)
        guard let group = fields["group"].flatMap(UUID.init(uuidString:)), groups.contains(where: { $0.id == group }),
            !question.isEmpty, question.count <= 300, !answer.isEmpty, answer.count <= 5000
        else {
            return try await view(req, staff, error: "Выберите группу и заполните вопрос (до 300 символов) и ответ")
                .render().response(status: .unprocessableEntity)
        }
        let searchText = FAQ.searchText(question + " " + answer)
        if let id = req.parameters.get("id") {
            guard let uuid = UUID(uuidString: id) else { throw Abort(.notFound) }
            try await sql.update("faq_questions").set("group_id", to: group).set("question", to: question)
                .set("answer", to: answer).set("position", to: position).set(
                    "published", to: fields["published"] != nil
                )
                .set("search_text", to: searchText).where("id", .equal, uuid).run()
        } else {
            try await sql.insert(into: "faq_questions")
                .columns("id", "group_id", "question", "answer", "position", "published", "search_text")
                .values(
                    SQLBind(UUID()), SQLBind(group), SQLBind(question), SQLBind(answer), SQLBind(position),
                    SQLBind(true), SQLBind(searchText)
                ).run()
        }
        try await req.recordStaff("staff.faq.question", subject: question)
        return req.redirect(to: "/admin/faq")
    }
}

struct AdminFAQPage {
    var staff: StaffMember
    var csrf: String
    var groups: [FAQ.Group]
    var questions: [FAQ.Question]
    var misses: [AdminFAQController.Miss]
    var error: String?

    func render() -> HTML {
        let groupForms = groups.map { group -> HTML in
            """
            <form class="filters" method="post" action="/admin/faq/groups/\(group.id.uuidString)">\(Forms.csrf(csrf))
            <div class="field"><label for="g-\(group.id.uuidString)">Группа</label><input id="g-\(group.id.uuidString)" name="title" value="\(group.title)"></div>
            <div class="field"><label for="gp-\(group.id.uuidString)">Порядок</label><input id="gp-\(group.id.uuidString)" name="position" inputmode="numeric" value="\(String(group.position))"></div>
            <div class="field field-check"><input id="gv-\(group.id.uuidString)" name="published" type="checkbox" value="on"\(flag: "checked", group.published)><label for="gv-\(group.id.uuidString)">Показывать</label></div>
            <button class="button button-secondary" type="submit">Сохранить</button></form>
            """
        }
        let questionForms = questions.map { question(form: $0) }
        let missRows = misses.map { miss -> HTML in "<tr><td>\(miss.phrase)</td><td>\(String(miss.times))</td></tr>" }
        return AdminLayout.page(
            title: "Вопрос-ответ", staff: staff, csrf: csrf, current: "/admin/faq",
            content: """
                <h1>Вопрос-ответ</h1>
                \(Forms.alert(error))
                <section class="card"><h2>Группы</h2>\(HTML.join(groupForms, separator: ""))
                <form class="filters" method="post" action="/admin/faq/groups">\(Forms.csrf(csrf))
                <div class="field"><label for="g-new">Новая группа</label><input id="g-new" name="title"></div>
                <button class="button button-secondary" type="submit">Добавить</button></form></section>
                <section class="card"><h2>Новый вопрос</h2>\(question(form: nil))</section>
                <h2>Вопросы</h2>
                \(HTML.join(questionForms, separator: ""))
                <section class="card"><h2>Поиски без результата</h2>
                \(missRows.isEmpty ? HTML(trusted: "<p class=\"empty\">Таких поисков не было.</p>") : HTML.join([HTML(trusted: "<div class=\"table-scroll\"><table class=\"table\"><thead><tr><th scope=\"col\">Поисковая фраза</th><th scope=\"col\">Сколько раз</th></tr></thead><tbody>")] + missRows + [HTML(trusted: "</tbody></table></div>")], separator: ""))
                </section>
                """)
    }

    func question(form item: FAQ.Question?) -> HTML {
        let id = item?.id.uuidString ?? "new"
        let options = groups.map { group -> HTML in
            "<option value=\"\(group.id.uuidString)\"\(flag: "selected", group.id == item?.groupId)>\(group.title)</option>"
        }
        let published: HTML =
            item.map {
                "<div class=\"field field-check\"><input id=\"qv-\(id)\" name=\"published\" type=\"checkbox\" value=\"on\"\($0.published ? HTML(trusted: " checked") : .empty)><label for=\"qv-\(id)\">Показывать</label></div>"
            } ?? .empty
        return """
            <form class="form narrow card" method="post" action="/admin/faq/questions\(item == nil ? "" : "/" + id)">\(Forms.csrf(csrf))
            <div class="field"><label for="qg-\(id)">Группа</label><select id="qg-\(id)" name="group">\(HTML.join(options, separator: ""))</select></div>
            <div class="field"><label for="qq-\(id)">Вопрос</label><input id="qq-\(id)" name="question" value="\(item?.question ?? "")"></div>
            <div class="field"><label for="qa-\(id)">Ответ</label><textarea id="qa-\(id)" name="answer" rows="4">\(item?.answer ?? "")</textarea></div>
            <div class="field"><label for="qp-\(id)">Порядок</label><input id="qp-\(id)" name="position" inputmode="numeric" value="\(String(item?.position ?? 100))"></div>
            \(published)
            <div class="page-actions"><button class="button button-secondary" type="submit">\(item == nil ? "Добавить" : "Сохранить")</button></div>
            </form>
            """
    }
}
