import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// «Помощь»: «Вопрос-ответ» with its search and group filter, «Контакты», and the staff's editing.
@Suite struct HelpTests {
    /// The start page lists the account's contracts with its role on each and leads to every section.
    @Test func theStartPageListsContractsAndLeadsToEverySection() async throws {
        try await withPortal { world in
            let browser = try await ContractTests().setUp(world)
            #expect(try await browser.get("/").body.contains("добавьте хотя бы один договор"))
            try await ContractTests().link(world, "buh@romashka.ru", .accountant)
            let page = try await browser.get("/").body
            #expect(page.contains("№ \(ContractTests.number)</a>"))
            #expect(page.contains("<span class=\"badge-role\">Бухгалтер</span>"))
            let sections = [
                ("/payments", "Оплата"), ("/readings", "Показания"), ("/history/documents", "История"),
                ("/appeals", "Обращения"), ("/help", "Помощь"),
            ]
            for (path, title) in sections {
                #expect(page.contains("<h2><a href=\"\(path)\">\(title)</a></h2>"), "\(title)")
            }
        }
    }

    @Test func stemsIgnoreCaseYoAndEndings() {
        #expect(FAQ.stems("Показаний") == ["показан"])
        #expect(FAQ.stems("показания") == ["показан"])
        #expect(FAQ.stems("ПОКАЗАН") == ["показан"])
        #expect(FAQ.stems("Ёмкость, счета!") == ["емкост", "счет"])
        #expect(FAQ.stems("и а в") == [])
        #expect(FAQ.searchText("Счет-фактура: «Ёлка»") == " счет фактура елка ")
    }

    @Test func questionsAreFoundByWordsWhateverTheirForm() async throws {
        try await withPortal { world in
            let browser = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            let all = try await browser.get("/help")
            #expect(all.status == .ok)
            #expect(all.body.contains("<h2>Показания</h2>"))
            #expect(all.body.contains("Можно ли передать показания файлом Excel?"))
            #expect(all.body.contains("Ссылка на вопрос"))
            for phrase in ["показаний", "ПОКАЗАН", "excel показания", "файлом"] {
                let found = try await browser.get("/help?q=\(TestBrowser.encode(phrase))")
                #expect(found.body.contains("Можно ли передать показания файлом Excel?"), "\(phrase)")
                #expect(!found.body.contains("Как оплатить счет картой?"), "\(phrase)")
            }
            // «ё» is «е»: «счёт» finds «счет».
            let yo = try await browser.get("/help?q=\(TestBrowser.encode("Счёт картой"))")
            #expect(yo.body.contains("Как оплатить счет картой?"))
            let invoice = try await browser.get("/help?q=\(TestBrowser.encode("счета-фактуры"))")
            #expect(invoice.body.contains("Где найти счет-фактуру и акт приема-передачи?"))
            // The group filter.
            let groups = try await FAQ.Group.all(publishedOnly: true, on: world.app.db.sql)
            let payments = try #require(groups.first { $0.title == "Оплата и документы" })
            let filtered = try await browser.get("/help?group=\(payments.id.uuidString)")
            #expect(filtered.body.contains("Как оплатить счет картой?"))
            #expect(!filtered.body.contains("Можно ли передать показания файлом Excel?"))
            // Nothing found: an appeal is offered and the phrase is kept for the staff.
            let none = try await browser.get("/help?q=\(TestBrowser.encode("абракадабра"))")
            #expect(none.body.contains("По этой фразе ничего не найдено."))
            #expect(none.body.contains("href=\"/appeals/new\">Создать обращение</a>"))
            #expect(try await world.count("faq_misses") == 1)
            #expect(try await TestBrowser(world).get("/help").location == "/login")
        }
    }

    @Test func contactsShowOnlyWhatBillingSent() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            try await BillingSamples.load(world, token: token)
            let browser = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            try await ContractTests().link(world, "buh@romashka.ru", .accountant)
            let empty = try await browser.get("/help/contacts")
            #expect(empty.body.contains("Сбытовая компания не передала контакты по этому договору."))
            guard case .object(var contract) = BillingSamples.contract else { return }
            contract["branchHead"] = "Смирнов Олег Петрович"
            contract["curatorPhone"] = "+7 (343) 200-10-20"
            contract["curatorEmail"] = "curator@energosbyt.example"
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": [.object(contract)]]).status == .ok
            )
            let page = try await browser.get("/help/contacts?contract=\(ContractTests.number)")
            #expect(page.body.contains("<dt>ФИО руководителя отделения</dt><dd>Смирнов Олег Петрович</dd>"))
            #expect(page.body.contains("curator@energosbyt.example"))
            #expect(!page.body.contains("Адрес отделения"), "a field billing did not send is left out")
            // Another company's contract number shows nothing of it.
            let stranger = try await ProfileTests().signedIn(world, email: "chuzhoy@example.ru")
            #expect(
                !(try await stranger.get("/help/contacts?contract=\(ContractTests.number)").body.contains("Смирнов")))
        }
    }

    @Test func theSupplierContactsAreEditedByTheSystemAdministrator() async throws {
        try await withPortal { world in
            let customer = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            let before = try await customer.get("/help/contacts")
            #expect(before.body.contains("<h2 id=\"supplier-contacts\">Контакты сбытовой компании</h2>"))
            #expect(before.body.contains("Контакт-центр сбытовой компании"))
            let operatorBrowser = try await AdminTests().signedInStaff(world)
            #expect(try await operatorBrowser.get("/admin/contacts").status == .notFound)
            let admin = try await AdminTests().signedInStaff(world, email: "boss@energosbyt.ru", role: .admin)
            #expect(try await admin.get("/admin/contacts").body.contains("Контакт-центр сбытовой компании"))
            let text = "Телефон: 8 800 100-00-00 <b>бесплатно</b>\n\nСайт: https://energosbyt.example/contacts"
            #expect(try await admin.post("/admin/contacts", ["body": text]).location == "/admin/contacts?saved=1")
            let after = try await customer.get("/help/contacts")
            #expect(after.body.contains("<p>Телефон: 8 800 100-00-00 &lt;b&gt;бесплатно&lt;/b&gt;</p>"))
            #expect(after.body.contains("<a href=\"https://energosbyt.example/contacts\" rel=\"noopener\">"))
            #expect(!after.body.contains("Контакт-центр сбытовой компании"))
            #expect(try await admin.post("/admin/contacts", ["body": ""]).location == "/admin/contacts?saved=1")
            #expect(!(try await customer.get("/help/contacts").body.contains("supplier-contacts")))
            #expect(
                try await world.count("audit_log", where: "action = 'staff.text.saved' AND subject = 'contacts'") == 2)

            // The supplier's section of the manual, after the guide's own.
            #expect(!(try await customer.get("/manual").body.contains("Сведения сбытовой компании")))
            let note = "## Часы работы\n\nОфис на ул. Ленина, 1 работает с 9:00 до 18:00."
            #expect(try await admin.post("/admin/manual", ["body": note]).location == "/admin/manual?saved=1")
            let manual = try await customer.get("/manual")
            let title = "<h2>\(Manual.sections.count + 1). Сведения сбытовой компании</h2>"
            #expect(
                manual.body.contains("<section id=\"supplier\">\(title)<h3>Часы работы</h3><p>Офис на ул. Ленина, 1"))
            #expect(manual.body.contains("<a href=\"#supplier\">"))
            #expect(try await operatorBrowser.get("/admin/manual").status == .notFound)
        }
    }

    /// Every role sees its contract's contacts (Table 3: the contract is open to all four).
    @Test(arguments: Role.allCases) func contactsForEveryRole(role: Role) async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            try await BillingSamples.load(world, token: token)
            guard case .object(var contract) = BillingSamples.contract else { return }
            contract["curatorName"] = "Кузнецова Мария Ивановна"
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": [.object(contract)]]).status == .ok
            )
            let browser = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            #expect(!(try await browser.get("/help/contacts").body.contains("Кузнецова")), "no role, nothing")
            try await ContractTests().link(world, "buh@romashka.ru", role)
            let page = try await browser.get("/help/contacts?contract=\(ContractTests.number)")
            #expect(page.body.contains("<dt>ФИО куратора</dt><dd>Кузнецова Мария Ивановна</dd>"), "\(role)")
        }
    }

    @Test func theSystemAdministratorEditsQuestionsAndSeesFruitlessSearches() async throws {
        try await withPortal { world in
            let customer = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            _ = try await customer.get("/help?q=\(TestBrowser.encode("емкость трансформатора"))")
            let operatorBrowser = try await AdminTests().signedInStaff(world)
            #expect(try await operatorBrowser.get("/admin/faq").status == .notFound)
            let admin = try await AdminTests().signedInStaff(world, email: "admin@energosbyt.ru", role: .admin)
            let page = try await admin.get("/admin/faq")
            #expect(page.body.contains("<td>емкость трансформатора</td><td>1</td>"))
            let group = try #require(try await FAQ.Group.all(publishedOnly: true, on: world.app.db.sql).first)
            let added = try await admin.post(
                "/admin/faq/questions",
                [
                    "group": group.id.uuidString, "question": "Что такое ёмкость трансформатора тока?",
                    "answer": "Это не ёмкость, а коэффициент трансформации.", "position": "1",
                ])
            #expect(added.location == "/admin/faq")
            #expect(
                try await customer.get("/help?q=\(TestBrowser.encode("емкость"))").body.contains("Что такое ёмкость"))
            let question = try #require(
                try await FAQ.Question.find(phrase: "емкость", group: nil, publishedOnly: false, on: world.app.db.sql)
                    .first)
            try await admin.get("/admin/faq")
            let hidden = try await admin.post(
                "/admin/faq/questions/\(question.id.uuidString)",
                [
                    "group": group.id.uuidString, "question": question.question, "answer": question.answer,
                    "position": "1",
                ])
            #expect(hidden.location == "/admin/faq")
            #expect(!(try await customer.get("/help").body.contains("Что такое ёмкость")))
        }
    }
}

/// «Пользовательское соглашение» in versions: a new one is accepted before going on, and kept.
@Suite struct AgreementTests {
    @Test func aNewVersionIsAcceptedAtTheNextSignInAndKept() async throws {
        try await withPortal { world in
            let customer = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            let first = try await customer.get("/agreement")
            #expect(first.body.contains("Редакция № 1 от"))
            #expect(first.body.contains("<h2>1. Термины</h2>"))
            #expect(try await customer.get("/agreement/accept").location == "/", "nothing to accept yet")

            // Only the system administrator publishes.
            let operatorBrowser = try await AdminTests().signedInStaff(world)
            #expect(try await operatorBrowser.get("/admin/agreement").status == .notFound)
            let admin = try await AdminTests().signedInStaff(world, email: "boss@energosbyt.ru", role: .admin)
            let page = try await admin.get("/admin/agreement")
            #expect(page.body.contains("Опубликовать новую редакцию"))
            let same = try await admin.post("/admin/agreement", ["body": Self.current(page.body)])
            #expect(same.status == .unprocessableEntity)
            #expect(same.body.contains("Текст не изменился: новая редакция не нужна"))
            let text = "Новая редакция.\n\n## 1. Термины\n\nПользователь — <b>человек</b>."
            #expect(try await admin.post("/admin/agreement", ["body": text]).location == "/admin/agreement?published=2")

            // The customer is asked before anything else, and cannot skip it.
            let asked = try await customer.get("/payments")
            #expect(asked.location == "/agreement/accept")
            let acceptPage = try await customer.get("/agreement/accept")
            #expect(acceptPage.body.contains("Новая редакция пользовательского соглашения"))
            #expect(acceptPage.body.contains("Пользователь — &lt;b&gt;человек&lt;/b&gt;."))
            let refused = try await customer.post("/agreement/accept", ["version": "2"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("Чтобы продолжить, примите пользовательское соглашение"))
            #expect(try await customer.get("/payments").location == "/agreement/accept")
            #expect(try await customer.get("/agreement").status == .ok, "the text stays readable")
            let stale = try await customer.post("/agreement/accept", ["version": "1", "agree": "on"])
            #expect(stale.status == .unprocessableEntity, "an older version read does not accept the new one")
            #expect(try await customer.post("/agreement/accept", ["version": "2", "agree": "on"]).location == "/")
            #expect(try await customer.get("/payments").status == .ok)
            #expect(try await world.count("agreement_acceptances", where: "version = 2") == 1)

            // Who accepted which version and when: the list of versions and the customer's card.
            let versions = try await admin.get("/admin/agreement")
            #expect(versions.body.contains("<td>№ 2</td>"))
            let card = try await admin.get("/admin/customers?q=buh%40romashka.ru")
            #expect(card.body.contains("редакция № 2 принята"))
        }
    }

    static func current(_ html: String) -> String {
        guard let start = html.range(of: "name=\"body\" rows=\"20\">"), let end = html.range(of: "</textarea>")
        else { return "" }
        return String(html[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// «Инструкция пользователя»: the sections in the manual's order with their screenshots, and the PDF.
@Suite struct ManualTests {
    @Test func theGuideHasEverySectionWithItsFiguresAndAPDF() async throws {
        try await withPortal { world in
            let page = try await TestBrowser(world).get("/manual")
            #expect(page.status == .ok)
            var position = page.body.startIndex
            for section in Manual.sections {
                let found = try #require(
                    page.body.range(of: "<h2>\(section.title)</h2>", range: position..<page.body.endIndex))
                position = found.upperBound
            }
            for (index, name) in Manual.figures.enumerated() {
                #expect(page.body.contains("src=\"/images/manual/\(name).jpg\""))
                #expect(page.body.contains("<figcaption>Рисунок \(index + 1) – "))
                #expect(try await TestBrowser(world).get("/images/manual/\(name).jpg").status == .ok, "\(name)")
            }
            #expect(page.body.contains("href=\"/manual.pdf\""))
            let pdf = try await TestBrowser(world).get("/manual.pdf")
            #expect(pdf.status == .ok)
            #expect(pdf.headers.contentType == HTTPMediaType(type: "application", subType: "pdf"))
            #expect(pdf.headers.first(name: .contentDisposition)?.contains("filename*=UTF-8''") == true)
            #expect(pdf.data.starts(with: Data("%PDF-1.7".utf8)))
            // Signed in and not, from the sign-in page and «Ещё».
            #expect(try await TestBrowser(world).get("/login").body.contains("href=\"/manual\""))
            let customer = try await ProfileTests().signedIn(world)
            #expect(
                try await customer.get("/payments").body.contains("<a href=\"/manual\">Инструкция пользователя</a>"))
        }
    }
}
