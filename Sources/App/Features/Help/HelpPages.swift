import Foundation
import Markup

/// The tabs of «Помощь» (manual §8).
enum HelpTabs {
    static func html(current: SitePath) -> HTML {
        let tabs: [(String, SitePath)] = [("Вопрос-ответ", .help), ("Контакты", .helpContacts)]
        let links = tabs.map { tab -> HTML in
            let active = tab.1.path == current.path
            return
                "<a class=\"tab\(active ? " active" : "")\" href=\"\(tab.1.path)\"\(active ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(tab.0)</a>"
        }
        return "<nav class=\"tabs\" aria-label=\"Разделы помощи\">\(HTML.join(links, separator: ""))</nav>"
    }
}

/// «Вопрос-ответ»: the search phrase, the group filter, questions that open their answers.
struct HelpFAQPage {
    var context: ShellContext
    var groups: [FAQ.Group]
    var questions: [FAQ.Question]
    var phrase: String
    var group: String

    static let mock = HelpFAQPage(
        context: .mock,
        groups: [
            .init(
                id: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!, title: "Показания", position: 1,
                published: true)
        ],
        questions: [
            .init(
                id: UUID(uuidString: "00000000-0000-4000-8000-000000000002")!,
                groupId: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!,
                question: "Можно ли передать показания файлом Excel?", answer: "Да, в разделе «Показания».",
                position: 1,
                published: true)
        ], phrase: "", group: "")

    func render() -> HTML {
        let options = groups.map { item -> HTML in
            "<option value=\"\(item.id.uuidString)\"\(flag: "selected", item.id.uuidString == group)>\(item.title)</option>"
        }
        let shown = groups.filter { item in questions.contains { $0.groupId == item.id } }
        let body: HTML =
            questions.isEmpty
            ? """
            <p class="empty">По этой фразе ничего не найдено. Задайте вопрос специалистам: <a href="\(SitePath.appealNew.path)">Создать обращение</a>.</p>
            """
            : HTML.join(shown.map(groupBlock), separator: "")
        return Layout.page(
            title: "Помощь", context: context,
            content: """
                <h1>Помощь</h1>
                \(HelpTabs.html(current: .help))
                <form class="filters" method="get" action="\(SitePath.help.path)" role="search">
                <div class="field"><label for="f-q">Поисковая фраза</label><input id="f-q" name="q" type="search" value="\(phrase)"></div>
                <div class="field"><label for="f-group">Группа вопросов</label><select id="f-group" name="group"><option value="">Все</option>\(HTML.join(options, separator: ""))</select></div>
                <button class="button button-secondary" type="submit">Найти</button>
                </form>
                \(body)
                """)
    }

    func groupBlock(_ group: FAQ.Group) -> HTML {
        let items = questions.filter { $0.groupId == group.id }.map { item -> HTML in
            let anchor = "q-\(item.id.uuidString.lowercased())"
            return """
                <details class="faq" id="\(anchor)"><summary>\(item.question)</summary>
                <p class="message-text">\(item.answer)</p>
                <p><a href="\(SitePath.help.path)#\(anchor)">Ссылка на вопрос</a></p></details>
                """
        }
        return "<section class=\"faq-group\"><h2>\(group.title)</h2>\(HTML.join(items, separator: ""))</section>"
    }
}

/// «Контакты» (manual §8.2): the branch and the curator of each chosen contract, as billing sent them.
struct HelpContactsPage {
    struct Contact: Sendable, Equatable {
        var number: String
        var name: String
        var fields: [(String, String)]

        static func == (a: Contact, b: Contact) -> Bool {
            a.number == b.number && a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1)
        }
    }

    var context: ShellContext
    var contracts: [ContractOption]
    var chosen: Set<String>
    var contacts: [Contact]
    /// The supplier's own contacts, as its staff wrote them.
    var supplier = ""

    static let mock = HelpContactsPage(
        context: .mock, contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")],
        chosen: ["74070100000001"],
        contacts: [
            .init(
                number: "74070100000001", name: "Энергоснабжение цеха № 1",
                fields: [
                    ("ФИО руководителя отделения", "Смирнов Олег Петрович"),
                    ("Телефон отделения", "+7 (343) 200-00-00"),
                ])
        ])

    func render() -> HTML {
        let boxes = contracts.map { contract -> HTML in
            "<div class=\"field field-check\"><input id=\"c-\(contract.number)\" name=\"contract\" type=\"checkbox\" value=\"\(contract.number)\"\(flag: "checked", chosen.contains(contract.number))><label for=\"c-\(contract.number)\">№ \(contract.number) — \(contract.name)</label></div>"
        }
        let cards = contacts.map { contact -> HTML in
            let rows = contact.fields.map { field -> HTML in "<dt>\(field.0)</dt><dd>\(field.1)</dd>" }
            return """
                <section class="card"><h2>Договор № \(contact.number)</h2><p>\(contact.name)</p>
                \(contact.fields.isEmpty ? HTML(trusted: "<p class=\"empty\">Сбытовая компания не передала контакты по этому договору.</p>") : HTML.join([HTML(trusted: "<dl class=\"appeal-summary\">")] + rows + [HTML(trusted: "</dl>")], separator: ""))</section>
                """
        }
        return Layout.page(
            title: "Помощь", context: context,
            content: """
                <h1>Помощь</h1>
                \(HelpTabs.html(current: .helpContacts))
                \(supplier.isEmpty ? HTML.empty : "<section class=\"card\" aria-labelledby=\"supplier-contacts\"><h2 id=\"supplier-contacts\">Контакты сбытовой компании</h2>\(PlainText.html(supplier))</section>")
                <form method="get" action="\(SitePath.helpContacts.path)">
                <fieldset class="card choices"><legend>Договор</legend>\(HTML.join(boxes, separator: ""))</fieldset>
                <button class="button button-secondary" type="submit">Показать</button>
                </form>
                \(HTML.join(cards, separator: ""))
                """)
    }
}
