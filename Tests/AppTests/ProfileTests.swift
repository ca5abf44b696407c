import Fluent
import Foundation
import Testing
import Vapor

@testable import App

@Suite struct ProfileTests {
    static let password = "Зимний-вечер-2026"

    /// A signed-in browser for a complete account.
    func signedIn(_ world: TestWorld, email: String = "buh@romashka.ru", userAgent: String? = nil) async throws
        -> TestBrowser
    {
        if try await Account.query(on: world.app.db).filter(\.$email == email).count() == 0 {
            try await world.makeAccount(email: email, password: Self.password)
        }
        let browser = userAgent.map { TestBrowser(world, userAgent: $0) } ?? TestBrowser(world)
        try await browser.get("/login")
        #expect(try await browser.post("/login", ["email": email, "password": Self.password]).location == "/")
        try await browser.get("/profile")  // a page of the new session, with its CSRF token
        return browser
    }

    @Test func profileIsForSignedInPeopleOnly() async throws {
        try await withPortal { world in
            let profile = try await TestBrowser(world).get("/profile")
            let sessions = try await TestBrowser(world).get("/profile/sessions")
            #expect(profile.location == "/login")
            #expect(sessions.location == "/login")
        }
    }

    @Test func personalDataIsShownAndEdited() async throws {
        try await withPortal { world in
            let browser = try await signedIn(world)
            let profile = try await browser.get("/profile")
            for text in [
                "Иванова Анна Петровна", "ООО «Ромашка»", "Главный бухгалтер", "+7 (343) 123-45-67",
                "Редактирование профиля",
                "Изменить пароль", "Удалить аккаунт", "Адрес подтвержден",
            ] {
                #expect(profile.body.contains(text.replacingOccurrences(of: "«", with: "«")), "\(text)")
            }
            #expect(try await browser.get("/profile/edit").body.contains("value=\"Иванова\""))
            var fields = RegistrationTests.person
            fields["position"] = ""
            fields["lastName"] = "Петрова"
            let refused = try await browser.post("/profile/edit", fields)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("Заполните поле"))
            #expect(refused.body.contains("value=\"Петрова\""))
            fields["position"] = "Финансовый директор"
            #expect(try await browser.post("/profile/edit", fields).location == "/profile")
            #expect(try await browser.get("/profile").body.contains("Петрова Анна Петровна"))

            let badPhone = try await browser.post("/profile/phone", ["phone": "абв"])
            #expect(badPhone.body.contains(PortalDomainMessages.phone))
            #expect(try await browser.post("/profile/phone", ["phone": "+7 912 000 11 22"]).location == "/profile")
            #expect(try await browser.get("/profile").body.contains("+7 (912) 000-11-22"))

            #expect(try await browser.post("/profile/settings", ["marketing": "on"]).location == "/profile")
            let account = try #require(try await Account.query(on: world.app.db).first())
            #expect(account.marketing == true)
            #expect(account.notifyByEmail == false)
        }
    }

    @Test func aNewEmailTakesEffectOnlyOnceItsCodeIsTypedIn() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "other@romashka.ru", password: "Другой-пароль-1")
            let browser = try await signedIn(world)
            // The password comes first: without it nothing is said of the address.
            let noPassword = try await browser.post("/profile/email", ["email": "Other@Romashka.ru"])
            #expect(noPassword.body.contains("Введите пароль"))
            #expect(!noPassword.body.contains("Этот адрес уже указан в другой учетной записи"))
            let wrongPassword = try await browser.post(
                "/profile/email", ["email": "Other@Romashka.ru", "emailPassword": "не тот пароль"])
            #expect(wrongPassword.body.contains("Неверный пароль"))
            #expect(!wrongPassword.body.contains("Этот адрес уже указан в другой учетной записи"))
            let taken = try await browser.post(
                "/profile/email", ["email": "Other@Romashka.ru", "emailPassword": Self.password])
            #expect(taken.body.contains("Этот адрес уже указан в другой учетной записи"))

            #expect(
                try await browser.post("/profile/email", ["email": "New@Romashka.ru", "emailPassword": Self.password])
                    .location == "/profile/email/confirm")
            let letter = try #require(try await world.deliveredMail().first)
            #expect(letter.to.contains("new@romashka.ru"))
            let code = try #require(TestWorld.code(in: letter))
            // Until the code is typed in, the old address is the account's.
            let other = TestBrowser(world)
            try await other.get("/login")
            #expect(
                try await other.post("/login", ["email": "new@romashka.ru", "password": Self.password]).status
                    == .unprocessableEntity)
            #expect(try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").count() == 1)
            #expect(try await browser.get("/profile/email/confirm").body.contains("new@romashka.ru"))
            let wrong = try await browser.post(
                "/profile/email/confirm", ["code": code == "000000" ? "111111" : "000000"])
            #expect(wrong.body.contains("Неверный код"))
            #expect(try await browser.post("/profile/email/resend").status == .tooManyRequests)
            #expect(try await browser.post("/profile/email/confirm", ["code": code]).location == "/profile")
            let account = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "new@romashka.ru").first())
            #expect(account.emailConfirmed)
            #expect(try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").count() == 0)
            #expect(
                try await other.post("/login", ["email": "new@romashka.ru", "password": Self.password]).location == "/")
        }
    }

    /// An unconfirmed address gets its code from «Подтвердить», a form sent by POST: opening the code's page
    /// sends nothing.
    @Test func anUnconfirmedAddressIsSentItsCodeOnlyByAPost() async throws {
        try await withPortal { world in
            let browser = try await signedIn(world)
            let account = try #require(try await Account.query(on: world.app.db).first())
            account.emailConfirmed = false
            try await account.update(on: world.app.db)
            // Every page carries the warning with «Перейти в профиль» (SHELL-2).
            for path in ["/", "/manual", "/profile"] {
                #expect(try await browser.get(path).body.contains("Перейти в профиль"), "\(path)")
            }
            #expect(try await browser.get("/profile").body.contains("action=\"/profile/email/send\""))
            #expect(try await browser.get("/profile/email/confirm").location == "/profile")
            #expect(try await world.deliveredMail().isEmpty, "a GET sends no letter")
            #expect(try await browser.post("/profile/email/send").location == "/profile/email/confirm")
            let code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            #expect(try await browser.post("/profile/email/confirm", ["code": code]).location == "/profile")
            #expect(!(try await browser.get("/").body.contains("Перейти в профиль")))
            #expect(try #require(try await Account.query(on: world.app.db).first()).emailConfirmed)
        }
    }

    @Test func passwordChangeEndsOtherSessions() async throws {
        try await withPortal { world in
            let other = try await signedIn(world)
            let browser = try await signedIn(world)
            let before = browser.cookie
            var page = try await browser.post(
                "/profile/password",
                ["current": "не тот", "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"])
            #expect(page.body.contains("Неверный текущий пароль"))
            page = try await browser.post(
                "/profile/password",
                ["current": Self.password, "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2027"])
            #expect(page.body.contains("Пароли не совпадают"))
            page = try await browser.post(
                "/profile/password", ["current": Self.password, "password": "12345678", "repeat": "12345678"])
            #expect(page.body.contains("слишком распространен"))
            page = try await browser.post(
                "/profile/password",
                ["current": Self.password, "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"])
            #expect(page.body.contains("Пароль изменен"))
            #expect(browser.cookie != before)
            #expect(try await browser.get("/profile").status == .ok)
            #expect(try await other.get("/profile").location == "/login")
            try await other.get("/login")
            #expect(
                try await other.post("/login", ["email": "buh@romashka.ru", "password": Self.password]).status
                    == .unprocessableEntity)
        }
    }

    @Test func deletedAccountCannotSignInAndTheAddressRegistersAgain() async throws {
        try await withPortal { world in
            let browser = try await signedIn(world)
            #expect(try await browser.get("/profile/delete").body.contains(">Удалить</button>"))
            #expect(try await browser.post("/profile/delete").body.contains("Введите пароль"))
            #expect(
                try await browser.post("/profile/delete", ["password": "не тот пароль"]).body.contains(
                    "Неверный пароль"))
            #expect(try await world.count("accounts") == 1, "kept without the password")
            try await BillingSamples.load(world, token: try await world.billingToken())
            try await ContractTests().link(world, "buh@romashka.ru", .administrator)
            let done = try await browser.post("/profile/delete", ["password": Self.password])
            #expect(done.body.contains("Аккаунт удален."))
            #expect(try await world.count("accounts") == 0)
            // Its roles went with it: the contract has no «Администратор» left, and billing is told.
            #expect(try await world.count("contract_links") == 0)
            #expect(try await world.count("billing_feed", where: "kind = 'contractUnlinked'") == 1)
            #expect(try await world.count("sessions", where: "account_id IS NOT NULL") == 0)
            #expect(
                try await browser.post("/login", ["email": "buh@romashka.ru", "password": Self.password]).status
                    == .unprocessableEntity)
            try await browser.get("/register")
            try await browser.post(
                "/register", ["email": "buh@romashka.ru", "password": "Весенний-день-2027", "agree": "on"])
            let letters = try await world.deliveredMail()
            #expect(letters.map(\.subject).first?.hasPrefix("Код подтверждения регистрации") == true)
        }
    }

    @Test func sessionsAreListedAndEnded() async throws {
        try await withPortal { world in
            let phone = try await signedIn(
                world,
                userAgent:
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1"
            )
            let desktop = try await signedIn(world)
            let stranger = try await signedIn(world, email: "stranger@other.ru")

            let list = try await desktop.get("/profile/sessions")
            #expect(list.body.contains("Google Chrome 156"))
            #expect(list.body.contains("Safari 17"))
            #expect(list.body.contains("iOS 17"))
            #expect(list.body.components(separatedBy: "Текущая").count == 2, "one «Текущая»")
            // In the «Дата и время» column, after the browser's and the system's.
            #expect(list.body.contains("</td><td><span class=\"badge-current\">Текущая</span></td>"))
            #expect(list.body.contains(">Завершить</button>"))
            #expect(!list.body.contains("stranger"))

            // Another account's session cannot be ended: it is «not found».
            let strangerSession = try #require(
                try await PortalSession.query(on: world.app.db).filter(\.$tokenHash == Sessions.hash(stranger.cookie!))
                    .first())
            #expect(
                try await desktop.post("/profile/sessions/\(strangerSession.id!.uuidString)/end").status == .notFound)
            #expect(try await stranger.get("/profile").status == .ok)

            let phoneSession = try #require(
                try await PortalSession.query(on: world.app.db).filter(\.$tokenHash == Sessions.hash(phone.cookie!))
                    .first())
            #expect(
                try await desktop.post("/profile/sessions/\(phoneSession.id!.uuidString)/end").location
                    == "/profile/sessions")
            #expect(try await phone.get("/profile").location == "/login")

            let own = try #require(
                try await PortalSession.query(on: world.app.db).filter(\.$tokenHash == Sessions.hash(desktop.cookie!))
                    .first())
            #expect(try await desktop.post("/profile/sessions/\(own.id!.uuidString)/end").location == "/login")
            #expect(try await desktop.get("/profile").location == "/login")
        }
    }
}
