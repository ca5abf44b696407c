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

    @Test func changedEmailIsUnconfirmedUntilItsCode() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "other@romashka.ru", password: "Другой-пароль-1")
            let browser = try await signedIn(world)
            let taken = try await browser.post("/profile/email", ["email": "Other@Romashka.ru"])
            #expect(taken.body.contains("Этот адрес уже указан в другой учетной записи"))

            #expect(
                try await browser.post("/profile/email", ["email": "New@Romashka.ru"]).location
                    == "/profile/email/confirm")
            let code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            // Every page now carries the warning with «Перейти в профиль» (SHELL-2).
            for path in ["/", "/manual", "/profile"] {
                let page = try await browser.get(path)
                #expect(page.body.contains("Перейти в профиль"), "\(path)")
            }
            #expect(try await browser.get("/profile").body.contains(">Подтвердить</a>"))
            let wrong = try await browser.post(
                "/profile/email/confirm", ["code": code == "000000" ? "111111" : "000000"])
            #expect(wrong.body.contains("Неверный код"))
            #expect(try await browser.post("/profile/email/resend").status == .tooManyRequests)
            #expect(try await browser.post("/profile/email/confirm", ["code": code]).location == "/profile")
            let home = try await browser.get("/")
            #expect(!home.body.contains("Перейти в профиль"))
            let account = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "new@romashka.ru").first())
            #expect(account.emailConfirmed)
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
            let done = try await browser.post("/profile/delete")
            #expect(done.body.contains("Аккаунт удален."))
            #expect(try await world.count("accounts") == 0)
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
