import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// «Обращения» on both sides: the customer's two steps, files judged by their bytes, the thread, the menu
/// counter, the staff's inbox, replies, documents asked for, closing, and the catalogue.
@Suite struct AppealsTests {
    static let email = "buh@romashka.ru"
    static let number = ContractTests.number
    static let pdf = Data("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8)

    func setUp(_ world: TestWorld, role: Role = .manager) async throws -> TestBrowser {
        try await BillingSamples.load(world, token: try await world.billingToken())
        let browser = try await ProfileTests().signedIn(world, email: Self.email)
        try await ContractTests().link(world, Self.email, role)
        return browser
    }

    func section(_ world: TestWorld, _ title: String) async throws -> Appeals.Section {
        try #require(
            try await Appeals.Section.all(publishedOnly: false, on: world.app.db.sql).first { $0.title == title })
    }

    /// Creates an appeal «Расчеты» → «Зачет переплаты» with a PDF; returns its number.
    @discardableResult
    func create(
        _ world: TestWorld, _ browser: TestBrowser, text: String = "Прошу зачесть переплату в счет будущих платежей."
    )
        async throws -> Int64
    {
        let offset = try await section(world, "Зачет переплаты")
        let details = try await browser.get(
            "/appeals/new/details?section=\(offset.id.uuidString)&contract=\(Self.number)")
        #expect(details.status == .ok)
        let sent = try await browser.postMultipart(
            "/appeals",
            ["section": offset.id.uuidString, "contract": Self.number, "field[amount]": "1 500,50", "text": text],
            files: [("платежка.pdf", Self.pdf)])
        let location = try #require(sent.location)
        #expect(location.hasPrefix("/appeals?sent="))
        return try #require(Int64(location.dropFirst("/appeals?sent=".count)))
    }

    @Test func aCustomerWritesAnAppealInTwoSteps() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let first = try await browser.get("/appeals/new")
            #expect(first.body.contains("<optgroup label=\"Расчеты\">"))
            #expect(first.body.contains(">Зачет переплаты</option>"))
            #expect(first.body.contains(Self.number))
            let missing = try await browser.get("/appeals/new/details?contract=\(Self.number)")
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.contains("Выберите раздел"))
            let offset = try await section(world, "Зачет переплаты")
            let details = try await browser.get(
                "/appeals/new/details?section=\(offset.id.uuidString)&contract=\(Self.number)")
            #expect(details.body.contains("Сумма переплаты, ₽"))
            #expect(details.body.contains("Информация по обращению"))
            let bad = try await browser.postMultipart(
                "/appeals",
                ["section": offset.id.uuidString, "contract": Self.number, "field[amount]": "много", "text": ""],
                files: [])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("Напишите, о чем обращение"))
            #expect(bad.body.contains("value=\"много\""), "what was typed stays")

            let number = try await create(world, browser)
            let list = try await browser.get("/appeals?sent=\(number)")
            #expect(list.body.contains("Обращение № \(number) отправлено."))
            #expect(list.body.contains("Раздел: Расчеты — Зачет переплаты"))
            #expect(list.body.contains("Договор: № \(Self.number)"))
            #expect(list.body.contains("Новое"))
            let card = try await browser.get("/appeals/\(number)")
            for expected in [
                "Способ обращения</dt><dd>Личный кабинет", "Сумма переплаты, ₽</dt><dd>1\u{202F}500,50\u{00A0}₽",
                "Прошу зачесть переплату", "платежка.pdf",
            ] {
                #expect(card.body.contains(expected), "\(expected)")
            }
            let file = try #require(try await world.app.db.sql.raw("SELECT id FROM appeal_files").first())
            let id = try file.decode(column: "id", as: UUID.self)
            let download = try await browser.get("/appeals/\(number)/files/\(id.uuidString)")
            #expect(download.data == Self.pdf)
            #expect(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment") == true)
            let feed = try await BillingFeed.read(after: 0, limit: 50, on: world.app.db.sql)
            #expect(feed.contains { $0.kind == "appeal" })
        }
    }

    @Test func filesAreJudgedByTheirBytes() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let other = try await section(world, "Прочие вопросы")
            try await browser.get("/appeals/new/details?section=\(other.id.uuidString)&contract=\(Self.number)")
            let fields = ["section": other.id.uuidString, "contract": Self.number, "text": "Вопрос"]
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
            for (name, data, message) in [
                ("договор.pdf", Data("MZ\u{90}\u{0}program".utf8), "не подходит"),
                ("скан.pdf", Data(), "пустой"),
                ("большой.pdf", Self.pdf + Data(count: 20 * 1024 * 1024 - Self.pdf.count), "больше 10 МБ"),
                ("рисунок.pdf", png, "не совпадает со своим расширением"),
                ("архив.zip", Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), "не подходит"),
            ] {
                let refused = try await browser.postMultipart("/appeals", fields, files: [(name, data)])
                #expect(refused.status == .unprocessableEntity, "\(name)")
                #expect(refused.body.contains(message), "\(name): \(message)")
            }
            #expect(try await world.count("appeals") == 0)
            let taken = try await browser.postMultipart("/appeals", fields, files: [("рисунок.png", png)])
            #expect(taken.status == .seeOther || taken.status == .found)
            #expect(try await world.count("appeal_files") == 1)
        }
    }

    @Test func theStaffsAnswerRaisesTheCounterAndReachesTheCustomer() async throws {
        try await withPortal { world in
            let customer = try await setUp(world)
            let number = try await create(world, customer)
            let (staff, secret, _) = try await AdminTests().enrolled(world)
            try await AdminTests().signIn(world, staff, email: "operator@energosbyt.ru", secret: secret)
            let inbox = try await staff.get("/admin/appeals")
            #expect(inbox.body.contains("/admin/appeals/\(number)"))
            #expect(inbox.body.contains("Расчеты — Зачет переплаты"))
            for _ in 0..<4 {
                world.clock.advance(20 * 60)  // within both sessions' 30 idle minutes
                try await staff.get("/admin")
                try await customer.get("/appeals")
            }
            let aged = try await staff.get("/admin/appeals")
            #expect(aged.body.contains(" ч "), "its age while unanswered")
            let card = try await staff.get("/admin/appeals/\(number)")
            #expect(card.body.contains("Прошу зачесть переплату"))
            #expect(card.body.contains("buh@romashka.ru"))
            let asked = try await staff.postMultipart(
                "/admin/appeals/\(number)/reply",
                ["text": "Приложите, пожалуйста, акт сверки.", "documents": "on"], files: [])
            #expect(asked.location == "/admin/appeals/\(number)?done=1")
            let letters = try await world.deliveredMail()
            let letter = try #require(letters.first)
            #expect(letter.subject == "Ответ на обращение № \(number)")
            #expect(letter.text.contains("/appeals/\(number)"))
            #expect(letter.to.contains(Self.email))

            let menu = try await customer.get("/payments")
            #expect(menu.body.contains("Обращения <span class=\"badge\""))
            // The bell has it too, and opening the appeal reads it there as well.
            #expect(menu.body.contains("aria-label=\"непрочитанных: 1\""))
            #expect(try await customer.get("/notifications").body.contains("Ответ на обращение № \(number)"))
            let list = try await customer.get("/appeals")
            #expect(list.body.contains("Требуются документы"))
            #expect(list.body.contains("Новый ответ"))
            let opened = try await customer.get("/appeals/\(number)")
            #expect(opened.body.contains("Приложите, пожалуйста, акт сверки."))
            #expect(opened.body.contains("Сбытовая компания (Петрова Анна Сергеевна)"))
            #expect(!opened.body.contains("непрочитанных:"), "the bell's count is read again")
            let after = try await customer.get("/payments")
            #expect(!after.body.contains("Обращения <span class=\"badge\""))
            #expect(!after.body.contains("непрочитанных:"))

            let replied = try await customer.postMultipart(
                "/appeals/\(number)/reply", ["text": "Акт во вложении."], files: [("акт.pdf", Self.pdf)])
            #expect(replied.location == "/appeals/\(number)?replied=1")
            #expect(try await staff.get("/admin/appeals/\(number)").body.contains("Акт во вложении."))
            let reopened = try #require(try await Appeals.Card.find(number: number, on: world.app.db.sql))
            #expect(reopened.appealStatus == .inProgress && reopened.awaitingStaff)

            let closed = try await staff.post("/admin/appeals/\(number)/close", ["resolution": "Переплата зачтена"])
            #expect(closed.location == "/admin/appeals/\(number)?done=1")
            let final = try await customer.get("/appeals/\(number)")
            #expect(final.body.contains("Закрыто: Переплата зачтена"))
            #expect(final.body.contains("Обращение закрыто."))
            let late = try await customer.postMultipart("/appeals/\(number)/reply", ["text": "Еще вопрос"], files: [])
            #expect(late.status == .unprocessableEntity)
            let feed = try await BillingFeed.read(after: 0, limit: 50, on: world.app.db.sql)
            #expect(feed.filter { $0.kind == "appealMessage" }.count == 3)
            let audit = try await AuditLog.recent(action: "staff.appeal.", on: world.app.db).map(\.action)
            #expect(audit.contains("staff.appeal.replied") && audit.contains("staff.appeal.closed"))
        }
    }

    @Test func appealsWrittenAtOnceGetTheirOwnNumbers() async throws {
        try await withPortal { world in
            _ = try await setUp(world)
            var browsers: [TestBrowser] = []
            for _ in 0..<4 { browsers.append(try await ProfileTests().signedIn(world, email: Self.email)) }
            let other = try await section(world, "Прочие вопросы")
            for browser in browsers {
                try await browser.get("/appeals/new/details?section=\(other.id.uuidString)&contract=\(Self.number)")
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for (index, browser) in browsers.enumerated() {
                    group.addTask {
                        try await browser.postMultipart(
                            "/appeals",
                            ["section": other.id.uuidString, "contract": Self.number, "text": "Вопрос \(index)"],
                            files: []
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .seeOther || $0 == .found }, "\(statuses)")
            let numbers = try await world.app.db.sql.raw("SELECT number FROM appeals ORDER BY number").all()
                .map { try $0.decode(column: "number", as: Int64.self) }
            #expect(numbers == [1, 2, 3, 4])
        }
    }

    @Test func noLetterWhenTheCustomerSaidNo() async throws {
        try await withPortal { world in
            let customer = try await setUp(world)
            let number = try await create(world, customer)
            let account = try #require(try await Account.query(on: world.app.db).filter(\.$email == Self.email).first())
            account.notifyByEmail = false
            try await account.save(on: world.app.db)
            let (staff, secret, _) = try await AdminTests().enrolled(world)
            try await AdminTests().signIn(world, staff, email: "operator@energosbyt.ru", secret: secret)
            try await staff.get("/admin/appeals/\(number)")
            _ = try await staff.postMultipart("/admin/appeals/\(number)/reply", ["text": "Ответ"], files: [])
            #expect(try await world.deliveredMail().isEmpty)
            #expect(try await customer.get("/appeals").body.contains("Новый ответ"))
        }
    }

    @Test(arguments: Role.allCases) func everyRoleWritesOnItsContracts(role: Role) async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: role)
            #expect(try await browser.get("/appeals/new").body.contains(Self.number))
            let number = try await create(world, browser)
            #expect(try await browser.get("/appeals/\(number)").status == .ok)
        }
    }

    @Test func anotherCompanyGetsNotFound() async throws {
        try await withPortal { world in
            let owner = try await setUp(world)
            let number = try await create(world, owner)
            let file = try #require(try await world.app.db.sql.raw("SELECT id FROM appeal_files").first())
            let id = try file.decode(column: "id", as: UUID.self)
            let stranger = try await ProfileTests().signedIn(world, email: "chuzhoy@example.ru")
            #expect(try await stranger.get("/appeals/\(number)").status == .notFound)
            #expect(try await stranger.get("/appeals/\(number)/files/\(id.uuidString)").status == .notFound)
            #expect(
                try await stranger.postMultipart("/appeals/\(number)/reply", ["text": "x"], files: []).status
                    == .notFound)
            #expect(!(try await stranger.get("/appeals").body.contains("Зачет переплаты")))
            let offset = try await section(world, "Зачет переплаты")
            let foreign = try await stranger.postMultipart(
                "/appeals",
                ["section": offset.id.uuidString, "contract": Self.number, "field[amount]": "1", "text": "x"],
                files: [])
            #expect(foreign.status == .unprocessableEntity)
            #expect(try await world.count("appeals") == 1)
            // Customers never reach the staff's copy.
            #expect(try await owner.get("/admin/appeals/\(number)").location == "/admin/login")
        }
    }

    @Test func theSystemAdministratorEditsTheCatalogue() async throws {
        try await withPortal { world in
            let customer = try await setUp(world)
            let (operatorBrowser, operatorSecret, _) = try await AdminTests().enrolled(world)
            try await AdminTests().signIn(
                world, operatorBrowser, email: "operator@energosbyt.ru", secret: operatorSecret)
            #expect(try await operatorBrowser.get("/admin/catalogue").status == .notFound)
            let (admin, secret, _) = try await AdminTests().enrolled(world, email: "admin@energosbyt.ru", role: .admin)
            try await AdminTests().signIn(world, admin, email: "admin@energosbyt.ru", secret: secret)
            try await admin.get("/admin/catalogue")
            let wrong = try await admin.post(
                "/admin/catalogue", ["topic": "Показания", "title": "Поверка", "fields": "date: Дата"])
            #expect(wrong.status == .unprocessableEntity)
            let added = try await admin.post(
                "/admin/catalogue",
                [
                    "topic": "Показания", "title": "Поверка прибора учета",
                    "fields": "text: Номер прибора учета\nmonth: Месяц поверки", "position": "5",
                ])
            #expect(added.location == "/admin/catalogue")
            let verification = try await section(world, "Поверка прибора учета")
            #expect(verification.fieldList.map(\.label) == ["Номер прибора учета", "Месяц поверки"])
            #expect(try await customer.get("/appeals/new").body.contains("Поверка прибора учета"))
            // Hidden: no longer offered to customers.
            let hidden = try await admin.post(
                "/admin/catalogue/\(verification.id.uuidString)",
                [
                    "topic": "Показания", "title": "Поверка прибора учета", "fields": "text: Номер прибора учета",
                    "position": "5",
                ])
            #expect(hidden.location == "/admin/catalogue")
            #expect(!(try await customer.get("/appeals/new").body.contains("Поверка прибора учета")))
        }
    }
}
