import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// «Уведомления»: the bell and its page, «Модальное окно», banners, the staff's authoring, audiences, events
/// and the e-mail copies.
@Suite struct NotificationsTests {
    static let email = "buh@romashka.ru"

    /// A customer with a role on contract K-1 (ценовая категория II) and a signed-in operator.
    func setUp(_ world: TestWorld, role: Role = .manager) async throws -> (customer: TestBrowser, staff: TestBrowser) {
        let customer = try await AppealsTests().setUp(world, role: role)
        let staff = try await AdminTests().signedInStaff(world)
        return (customer, staff)
    }

    static func form(
        _ subject: String, kind: Notifications.Kind = .bell, confirm: Bool = false, link: String = "",
        from: String = "", until: String = "", audience: Notifications.Audience = .all, extra: [String: String] = [:]
    ) -> [String: String] {
        var fields = [
            "kind": kind.rawValue, "subject": subject, "body": "Текст уведомления «\(subject)».",
            "linkURL": link, "linkTitle": link.isEmpty ? "" : "Открыть", "showsFrom": from, "showsUntil": until,
            "audience": audience.rawValue, "action": "save",
        ]
        if confirm { fields["needsConfirmation"] = "on" }
        fields.merge(extra) { $1 }
        return fields
    }

    /// Saves a draft from `fields` and publishes it; returns its id.
    @discardableResult
    func publish(_ world: TestWorld, _ staff: TestBrowser, _ fields: [String: String]) async throws -> UUID {
        let saved = try await staff.post("/admin/notifications", fields)
        let location = try #require(saved.location, "saved: \(saved.status) \(saved.body.prefix(300))")
        let id = try #require(UUID(uuidString: String(location.split(separator: "/").last ?? "")))
        try await staff.get(location)
        #expect(try await staff.post("/admin/notifications/\(id.uuidString)/publish", [:]).location == location)
        return id
    }

    /// Moves the clock on by `hours`, keeping the browsers' sessions alive (they end after 30 idle minutes).
    func pass(_ world: TestWorld, hours: Int, customer: TestBrowser, staff: TestBrowser) async throws {
        for _ in 0..<(hours * 3) {
            world.clock.advance(20 * 60)
            try await customer.get("/profile")
            try await staff.get("/admin/notifications")
        }
    }

    func unread(_ page: TestBrowser.Page) -> Int? {
        guard let range = page.body.range(of: "aria-label=\"непрочитанных: ") else { return 0 }
        return Int(page.body[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func textIsParagraphsAndLinksAndNothingElse() {
        let html = PlainText.html(
            "Первый <b>абзац</b>\nвторая строка\n\nПодробнее: https://energosbyt.example/tariffs?a=1&b=2. <script>x</script>"
        ).description
        #expect(html.contains("<p>Первый &lt;b&gt;абзац&lt;/b&gt;<br>вторая строка</p>"))
        #expect(
            html.contains(
                "<a href=\"https://energosbyt.example/tariffs?a=1&amp;b=2\" rel=\"noopener\">https://energosbyt.example/tariffs?a=1&amp;b=2</a>. &lt;script&gt;"
            ))
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        let quoted = PlainText.html("https://a.example/\"onmouseover=alert(1)").description
        #expect(!quoted.contains("\"onmouseover"))
        #expect(Notifications.isAllowedLink("/payments") && Notifications.isAllowedLink("https://a.example/x"))
        for bad in ["javascript:alert(1)", "//evil.example", "/\\evil.example", "data:text/html,x", "ftp://a.example"] {
            #expect(!Notifications.isAllowedLink(bad), "\(bad)")
        }
    }

    @Test func simpleConfirmLinkExpiredAndWithdrawnNotifications() async throws {
        try await withPortal { world in
            let (customer, staff) = try await setUp(world)
            // A form with mistakes keeps what was typed and says what is wrong next to each field.
            var wrong = Self.form("", link: "javascript:alert(1)", until: "31.02.2026 10:00")
            wrong["body"] = "Оставшийся текст"
            let refused = try await staff.post("/admin/notifications", wrong)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("Укажите тему, до 200 символов"))
            #expect(refused.body.contains("Адрес должен начинаться с https:// или с /"))
            #expect(refused.body.contains("Укажите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ"))
            #expect(refused.body.contains("Оставшийся текст"))
            #expect(try await world.count("notifications", where: "audience <> 'event'") == 0)
            // The preview shows it as the customer will, and how many will get it.
            var preview = Self.form("Плановое отключение")
            preview["action"] = "preview"
            let shown = try await staff.post("/admin/notifications", preview)
            #expect(
                shown.body.contains("Предпросмотр: Колокольчик")
                    && shown.body.contains("Получателей (учетных записей): 1."))
            #expect(try await world.count("notifications", where: "audience <> 'event'") == 0)

            let simple = try await publish(world, staff, Self.form("Плановое отключение"))
            let confirm = try await publish(world, staff, Self.form("Новые тарифы", confirm: true))
            let link = try await publish(
                world, staff, Self.form("Передайте показания", confirm: true, link: "/readings"))
            let home = try await customer.get("/")
            #expect(unread(home) == 3)
            #expect(home.body.contains("href=\"/notifications\""))
            let list = try await customer.get("/notifications")
            #expect(list.status == .ok)
            #expect(list.body.components(separatedBy: "envelope envelope-closed").count - 1 == 3)

            // A simple one is read when it is opened.
            let opened = try await customer.get("/notifications?open=\(simple.uuidString)")
            #expect(opened.body.contains("Текст уведомления «Плановое отключение»."))
            #expect(unread(opened) == 2)
            // One that needs confirmation is not, until «Подтвердить».
            let needs = try await customer.get("/notifications?open=\(confirm.uuidString)")
            #expect(needs.body.contains(">Подтвердить</button>"))
            #expect(unread(needs) == 2)
            let confirmed = try await customer.post(
                "/notifications/\(confirm.uuidString)/confirm", ["from": "list", "page": "1"])
            #expect(confirmed.location?.hasPrefix("/notifications?page=1&open=\(confirm.uuidString)") == true)
            // The link button reads and confirms it and opens its address.
            let followed = try await customer.post("/notifications/\(link.uuidString)/follow", [:])
            #expect(followed.location == "/readings")
            let read = try await customer.get("/notifications")
            #expect(unread(read) == 0)
            #expect(!read.body.contains("envelope envelope-closed"))
            let counts = try await staff.get("/admin/notifications")
            #expect(counts.body.contains("1 / 1 / 0") && counts.body.contains("1 / 1 / 1"))

            // Expired: no longer counted, still listed.
            let until = RussianDateFormat(timeZone: world.app.portal.config.timeZone).dateTime(
                world.clock.now().addingTimeInterval(3600))
            _ = try await publish(world, staff, Self.form("Только час", until: until))
            #expect(unread(try await customer.get("/")) == 1)
            try await pass(world, hours: 2, customer: customer, staff: staff)
            let later = try await customer.get("/notifications")
            #expect(unread(later) == 0)
            #expect(later.body.contains("Только час"))

            // Withdrawn: gone from the list.
            #expect(
                try await staff.post("/admin/notifications/\(simple.uuidString)/withdraw", [:]).location
                    == "/admin/notifications/\(simple.uuidString)")
            #expect(!(try await customer.get("/notifications").body.contains("Плановое отключение")))
            #expect(
                try await customer.post("/notifications/\(simple.uuidString)/confirm", ["from": "list"]).status
                    == .notFound)
            #expect(try await staff.get("/admin/notifications/\(simple.uuidString)").body.contains("Отозвано"))

            // Another account's notification is not found, and the page asks for sign-in.
            let stranger = try await ProfileTests().signedIn(world, email: "chuzhoy@example.ru")
            #expect(try await stranger.post("/notifications/\(link.uuidString)/follow", [:]).status == .notFound)
            #expect(
                try await stranger.get("/notifications?open=\(confirm.uuidString)").body.contains(
                    "Уведомлений пока нет."))
            #expect(try await TestBrowser(world).get("/notifications").location == "/login")
        }
    }

    @Test func audiencesReachWhomTheyName() async throws {
        try await withPortal { world in
            let (_, _) = try await setUp(world)
            let sql = world.app.db.sql
            for (email, role) in [("energo@romashka.ru", Role.powerEngineer), ("boss@romashka.ru", .accountant)] {
                try await world.makeAccount(email: email, password: ProfileTests.password)
                try await ContractTests().link(world, email, role)
            }
            try await world.makeAccount(email: "nobody@example.ru", password: ProfileTests.password)
            func reach(_ audience: Notifications.Audience, _ value: String = "", role: Role? = nil) async throws
                -> Set<String>
            {
                let draft = Notifications.Draft(
                    subject: "s", body: "b", showsFrom: world.clock.now(), audience: audience, audienceValue: value,
                    audienceRole: role)
                let id = try #require(
                    try await Notifications.create(draft, createdBy: nil, now: world.clock.now(), on: sql))
                try await Notifications.publish(id, draft: draft, now: world.clock.now(), on: world.app.db)
                let rows = try await sql.raw(
                    """
                    SELECT a.email FROM notification_recipients r JOIN accounts a ON a.id = r.account_id
                    WHERE r.notification_id = \(bind: id)
                    """
                ).all()
                return Set(try rows.map { try $0.decode(column: "email", as: String.self) })
            }
            let customers: Set = [Self.email, "energo@romashka.ru", "boss@romashka.ru"]
            #expect(try await reach(.all) == customers.union(["nobody@example.ru"]))
            #expect(try await reach(.all, role: .powerEngineer) == ["energo@romashka.ru"])
            #expect(try await reach(.category, "2") == customers)
            #expect(try await reach(.category, "3") == [])
            #expect(try await reach(.contracts, ContractTests.number) == customers)
            #expect(try await reach(.contracts, ContractTests.number, role: .accountant) == ["boss@romashka.ru"])
            #expect(
                try await reach(.accounts, "Nobody@Example.ru\nenergo@romashka.ru") == [
                    "nobody@example.ru", "energo@romashka.ru",
                ])
            // The form names what it cannot find.
            let staff = try await AdminTests().signedInStaff(world, email: "second@energosbyt.ru")
            try await staff.get("/admin/notifications/new")
            let missing = try await staff.post(
                "/admin/notifications",
                Self.form("x", audience: .contracts, extra: ["contracts": "\(ContractTests.number)\n74070199999999"]))
            #expect(missing.body.contains("Не найдены договоры: 74070199999999"))
            let nobody = try await staff.post(
                "/admin/notifications", Self.form("x", audience: .accounts, extra: ["accounts": "who@example.ru"]))
            #expect(nobody.body.contains("Нет учетных записей с адресами: who@example.ru"))
            let category = try await staff.post("/admin/notifications", Self.form("x", audience: .category))
            #expect(category.body.contains("Выберите ценовую категорию"))
        }
    }

    @Test func modalNotificationsOneAtATimeAfterSignIn() async throws {
        try await withPortal { world in
            let (customer, staff) = try await setUp(world)
            let first = try await publish(world, staff, Self.form("Первое", kind: .modal, confirm: true))
            world.clock.advance(60)
            try await staff.get("/admin/notifications")
            let second = try await publish(world, staff, Self.form("Второе", kind: .modal, confirm: true))
            // The session already open is not interrupted; the next sign-in opens the window.
            #expect(try await customer.get("/payments").status == .ok)
            let browser = TestBrowser(world)
            try await browser.get("/login")
            let signIn = try await browser.post("/login", ["email": Self.email, "password": ProfileTests.password])
            #expect(signIn.location == "/notifications/modal")
            let one = try await browser.get("/notifications/modal")
            #expect(one.body.contains("<h1 id=\"modal-title\">Первое</h1>") && one.body.contains("1 из 2"))
            #expect(one.body.contains("href=\"/notifications/modal?n=2\" rel=\"next\">Вперед"))
            let two = try await browser.get("/notifications/modal?n=2")
            #expect(two.body.contains("Второе") && two.body.contains("2 из 2"))
            let back = try await browser.get("/notifications/modal?n=1")
            #expect(back.body.contains("Первое"))
            // Confirming moves on to the next; after the last the window closes.
            let next = try await browser.post(
                "/notifications/\(first.uuidString)/confirm", ["from": "modal", "n": "1"])
            #expect(next.location == "/notifications/modal?n=1")
            let last = try await browser.get("/notifications/modal?n=1")
            #expect(last.body.contains("Второе") && !last.body.contains("из 2"))
            let done = try await browser.post(
                "/notifications/\(second.uuidString)/confirm", ["from": "modal", "n": "1"])
            #expect(done.location == "/")
            #expect(try await browser.get("/notifications/modal").location == "/")
            let list = try await browser.get("/notifications")
            #expect(list.body.contains("Первое") && list.body.contains("Второе"))
            #expect(!list.body.contains("envelope envelope-closed"))
            #expect(try await world.count("notification_recipients", where: "confirmed_at IS NOT NULL") == 2)
        }
    }

    @Test func bannersStayUntilClosedOrTheirPeriodEnds() async throws {
        try await withPortal { world in
            let (customer, staff) = try await setUp(world)
            let until = RussianDateFormat(timeZone: world.app.portal.config.timeZone).dateTime(
                world.clock.now().addingTimeInterval(3600))
            let closing = try await publish(world, staff, Self.form("Работы на сайте", kind: .top))
            _ = try await publish(world, staff, Self.form("Прием показаний до 25-го", kind: .top, until: until))
            let page = try await customer.get("/payments")
            #expect(page.body.contains("class=\"banner\" aria-label=\"Работы на сайте\""))
            #expect(page.body.contains("class=\"banner\" aria-label=\"Прием показаний до 25-го\""))
            let closed = try await customer.post(
                "/notifications/\(closing.uuidString)/close", ["back": "/payments"])
            #expect(closed.location == "/payments")
            let after = try await customer.get("/payments")
            #expect(!after.body.contains("aria-label=\"Работы на сайте\""))
            #expect(after.body.contains("aria-label=\"Прием показаний до 25-го\""))
            // A foreign address to go back to is not followed.
            #expect(
                try await customer.post("/notifications/\(closing.uuidString)/close", ["back": "//evil.example"])
                    .location == "/")
            try await pass(world, hours: 2, customer: customer, staff: staff)
            let expired = try await customer.get("/payments")
            #expect(!expired.body.contains("class=\"banner\""))
            let list = try await customer.get("/notifications")
            #expect(list.body.contains("Работы на сайте") && list.body.contains("Прием показаний до 25-го"))
        }
    }

    @Test func emailCopiesGoOnlyToThoseWhoWantThem() async throws {
        try await withPortal { world in
            let (_, staff) = try await setUp(world)
            try await world.makeAccount(email: "quiet@romashka.ru", password: ProfileTests.password)
            try await ContractTests().link(world, "quiet@romashka.ru", .accountant)
            let quiet = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "quiet@romashka.ru").first())
            quiet.notifyByEmail = false
            try await quiet.update(on: world.app.db)
            _ = try await world.deliveredMail()
            _ = try await publish(world, staff, Self.form("Изменение реквизитов", extra: ["sendEmail": "on"]))
            let letters = try await world.deliveredMail()
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.to.contains(Self.email) && letter.subject == "Изменение реквизитов")
            #expect(letter.text.contains("Текст уведомления «Изменение реквизитов»."))
            // Without «Отправить копию на e-mail» nobody gets a letter.
            _ = try await publish(world, staff, Self.form("Без письма"))
            #expect(try await world.deliveredMail().isEmpty)
            // One shown from later is mailed when it starts to show.
            let later = RussianDateFormat(timeZone: world.app.portal.config.timeZone).dateTime(
                world.clock.now().addingTimeInterval(3600))
            _ = try await publish(world, staff, Self.form("Позже", from: later, extra: ["sendEmail": "on"]))
            #expect(try await world.deliveredMail().isEmpty)
            try await pass(world, hours: 2, customer: try await ProfileTests().signedIn(world), staff: staff)
            #expect(try await world.deliveredMail().map(\.subject) == ["Позже"])
        }
    }

    @Test func eventsNotifyThosTheyConcern() async throws {
        try await withPortal { world in
            let (customer, _) = try await setUp(world, role: .accountant)
            try await world.makeAccount(email: "energo@romashka.ru", password: ProfileTests.password)
            try await ContractTests().link(world, "energo@romashka.ru", .powerEngineer)
            let token = try await world.billingToken()
            world.clock.advance(1)  // the records arrive after the roles were given
            let payment: JSONValue = [
                "id": "P-2", "contractId": "K-1", "paidOn": "2026-11-20", "amountKopecks": 1_250_000,
            ]
            for _ in 0..<2 {
                #expect(try await world.api(.PUT, "payments", token: token, body: ["items": [payment]]).status == .ok)
            }
            // A job makes them, after the batch's transaction.
            #expect(try await world.count("notifications", where: "audience = 'event'") == 0)
            try await JobWorker(application: world.app).drain()
            let subject = "Поступил платеж по договору № \(ContractTests.number)"
            #expect(try await world.count("notifications", where: "subject = '\(subject)'") == 1)
            let list = try await customer.get("/notifications")
            #expect(list.body.contains(subject))
            let energo = try await ProfileTests().signedIn(world, email: "energo@romashka.ru")
            #expect(!(try await energo.get("/notifications").body.contains(subject)), "«Энергетик» sees no payments")

            // A document: «Бухгалтер» sees it.
            let document: JSONValue = [
                "id": "D-2", "contractId": "K-1", "type": "invoiceFacture", "number": "СФ-2/11",
                "issuedOn": "2026-12-05",
                "period": "2026-11",
            ]
            #expect(try await world.api(.PUT, "documents", token: token, body: ["items": [document]]).status == .ok)
            try await JobWorker(application: world.app).drain()
            let documents = try await customer.get(
                "/notifications?open=\(try await id(world, like: "Новые документы"))")
            #expect(documents.body.contains("Счет-фактура № СФ-2/11 от 05.12.2026"))

            // The readings window: everyone who sends readings, once.
            let today = world.clock.now()
            let day = RussianDateFormat(timeZone: world.app.portal.config.timeZone).isoDay(today)
            let window: JSONValue = [
                "id": "W-1", "period": "2026-12", "opensOn": .string(day), "closesOn": "2026-12-31",
            ]
            #expect(try await world.api(.PUT, "reading-windows", token: token, body: ["items": [window]]).status == .ok)
            for _ in 0..<2 {
                try await EventNotifications.readingWindows(
                    now: today, timeZone: world.app.portal.config.timeZone, on: world.app.db)
            }
            #expect(try await world.count("notifications", where: "event_key = 'readings-window-open:W-1'") == 1)
            #expect(try await energo.get("/notifications").body.contains("Открыт прием показаний за"))
            #expect(!(try await customer.get("/notifications").body.contains("Открыт прием показаний")))
            let badWindow: JSONValue = [
                "id": "W-2", "period": "2027-01", "opensOn": "2027-01-20", "closesOn": "2027-01-10",
            ]
            #expect(
                try await world.api(.PUT, "reading-windows", token: token, body: ["items": [badWindow]]).status
                    == .unprocessableEntity)

            // A role given, and an appeal's reply, to the person concerned.
            let energoID = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "energo@romashka.ru").first()?.id)
            try await EventNotifications.role(
                .manager, contract: "K-1", account: energoID, now: today, on: world.app.db)
            #expect(
                try await energo.get("/notifications").body.contains(
                    "Роль на договоре № \(ContractTests.number): «Руководитель»"))
            try await EventNotifications.appealReply(
                number: 7, closed: false, message: UUID(), account: energoID, now: today, on: world.app.db)
            #expect(try await energo.get("/notifications").body.contains("Ответ на обращение № 7"))
        }
    }

    func id(_ world: TestWorld, like subject: String) async throws -> String {
        try #require(
            try await world.app.db.sql.raw(
                "SELECT id FROM notifications WHERE subject LIKE \(bind: subject + "%")"
            ).first()?.decode(column: "id", as: UUID.self).uuidString)
    }
}
