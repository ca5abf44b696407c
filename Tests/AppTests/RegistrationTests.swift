import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import App

@Suite struct RegistrationTests {
    static let person = [
        "lastName": "Иванова", "firstName": "Анна", "middleName": "Петровна", "organization": "ООО «Ромашка»",
        "position": "Главный бухгалтер", "address": "г. Екатеринбург, ул. Ленина, 1",
    ]

    /// Registers `email` up to the code window and returns the code from the letter.
    func startRegistration(_ browser: TestBrowser, email: String, password: String = "Зимний-вечер-2026") async throws
        -> String?
    {
        try await browser.get("/register")
        let page = try await browser.post("/register", ["email": email, "password": password, "agree": "on"])
        #expect(page.status == .seeOther)
        #expect(page.location == "/register/code")
        let letters = try await browser.world.deliveredMail()
        #expect(letters.count == 1)
        #expect(letters.first?.to == "<\(email.lowercased())>")
        return letters.first.flatMap(TestWorld.code(in:))
    }

    @Test func wholeRegistrationLeadsIntoThePortal() async throws {
        try await withPortal { world in
            let browser = TestBrowser(world)
            let login = try await browser.get("/")
            #expect(login.body.contains("<h1>Вход в личный кабинет</h1>"))
            for label in [
                "E-mail", "Пароль", ">Войти<", ">Регистрация<", ">Вспомнить пароль<", ">Инструкция пользователя<",
            ] {
                #expect(login.body.contains(label), "\(label)")
            }
            let code = try #require(try await startRegistration(browser, email: "Buh@Romashka.ru"))
            let window = try await browser.get("/register/code")
            #expect(window.body.contains("buh@romashka.ru"))
            #expect(window.body.contains(">Отправить повторно<"))
            #expect(try await world.count("accounts") == 0, "no account before the code")

            let wrong = try await browser.post("/register/code", ["code": code == "000000" ? "111111" : "000000"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.contains("Неверный код. Осталось попыток: 4."))

            let confirmed = try await browser.post("/register/code", ["code": code])
            #expect(confirmed.location == "/welcome")
            #expect(
                try await world.count(
                    "accounts", where: "email = 'buh@romashka.ru' AND email_confirmed = \(world.sqlTrue)") == 1)
            // «Я принимаю пользовательское соглашение» is kept as the acceptance of the version in force.
            #expect(try await world.count("agreement_acceptances", where: "version = 1") == 1)

            // Until both steps are done, every page leads back to the missing one.
            #expect(try await browser.get("/").location == "/welcome")
            #expect(try await browser.get("/manual").status == .ok)
            var incomplete = Self.person
            incomplete["lastName"] = "  "
            incomplete["organization"] = ""
            let refused = try await browser.post("/welcome", incomplete)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.components(separatedBy: "Заполните поле").count == 3)
            #expect(refused.body.contains("value=\"Главный бухгалтер\""), "valid values are kept")
            #expect(try await browser.post("/welcome", Self.person).location == "/welcome/phone")
            #expect(try await browser.get("/").location == "/welcome/phone")
            let badPhone = try await browser.post("/welcome/phone", ["phone": "12-34"])
            #expect(badPhone.body.contains(PortalDomainMessages.phone))
            #expect(badPhone.body.contains("value=\"12-34\""))
            #expect(try await browser.post("/welcome/phone", ["phone": "8 (343) 123-45-67"]).location == "/")

            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.body.contains("Иванова А. П."))
            #expect(home.body.contains(">Выйти</button>"))
            let audit = try await AuditLog.recent(on: world.app.db).map(\.action)
            #expect(audit.contains("account.registered"))
        }
    }

    @Test func registrationFormRefusalsKeepWhatWasTyped() async throws {
        try await withPortal { world in
            let browser = TestBrowser(world)
            try await browser.get("/register")
            var page = try await browser.post(
                "/register", ["email": "buh@romashka", "password": "короткий", "marketing": "on"])
            #expect(page.status == .unprocessableEntity)
            #expect(page.body.contains("Введите адрес электронной почты"))
            #expect(page.body.contains("Для регистрации необходимо принять пользовательское соглашение"))
            #expect(page.body.contains("value=\"buh@romashka\""))
            #expect(!page.body.contains("короткий"), "a password never comes back")
            #expect(page.body.contains("id=\"f-marketing\" name=\"marketing\" type=\"checkbox\" value=\"on\" checked"))

            page = try await browser.post(
                "/register", ["email": "buh@romashka.ru", "password": "1234567", "agree": "on"])
            #expect(page.body.contains("Пароль должен содержать не менее 8 символов"))
            page = try await browser.post(
                "/register", ["email": "buh@romashka.ru", "password": "Qwerty123", "agree": "on"])
            #expect(page.body.contains("Этот пароль слишком распространен"))
            page = try await browser.post(
                "/register", ["email": "buh@romashka.ru", "password": "football", "agree": "on"])
            #expect(page.body.contains("Этот пароль слишком распространен"))
            #expect(try await world.deliveredMail().isEmpty)
        }
    }

    @Test func anAddressWithAnAccountIsNotRevealed() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Старый-пароль-1")
            let browser = TestBrowser(world)
            try await browser.get("/register")
            let page = try await browser.post(
                "/register", ["email": "buh@romashka.ru", "password": "Зимний-вечер-2026", "agree": "on"])
            #expect(page.location == "/register/code", "the same next step as for a new address")
            let letters = try await world.deliveredMail()
            #expect(letters.map(\.subject) == ["Попытка повторной регистрации"])
            #expect(TestWorld.code(in: letters[0]) == nil)
            #expect(try await browser.get("/register/code").body.contains("buh@romashka.ru"))
            for guess in ["000000", "123456", "999999"] {
                #expect(try await browser.post("/register/code", ["code": guess]).status == .unprocessableEntity)
            }
            #expect(try await world.count("accounts") == 1)
        }
    }

    @Test func expiredBurnedAndResentCodes() async throws {
        try await withPortal { world in
            let browser = TestBrowser(world)
            let first = try #require(try await startRegistration(browser, email: "energo@romashka.ru"))

            // Resending within the minute is refused; after it, a new code replaces the old one.
            let early = try await browser.post("/register/code/resend")
            #expect(early.status == .tooManyRequests)
            #expect(early.body.contains("Отправить код повторно можно через 60 с."))
            world.clock.advance(61)
            let resent = try await browser.post("/register/code/resend")
            #expect(resent.body.contains("Мы отправили новый код."))
            let second = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            if first != second {
                #expect(try await browser.post("/register/code", ["code": first]).body.contains("Неверный код"))
            }

            // Fifteen minutes later the code has expired.
            world.clock.advance(15 * 60 + 1)
            #expect(
                try await browser.post("/register/code", ["code": second]).body.contains("Срок действия кода истек"))

            // Five wrong tries burn a fresh code.
            try await browser.post("/register/code/resend")
            let third = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            let wrong = third == "000000" ? "111111" : "000000"
            for _ in 0..<5 { try await browser.post("/register/code", ["code": wrong]) }
            #expect(try await browser.post("/register/code", ["code": third]).body.contains("слишком много раз"))
            #expect(try await world.count("accounts") == 0)
        }
    }
}

/// Messages the tests look for, from the domain.
enum PortalDomainMessages {
    static let phone = "Введите номер телефона из 10 цифр"
}

extension TestWorld {
    /// `TRUE` literal for the database in use (SQLite stores booleans as 1).
    var sqlTrue: String { app.db.sql.dialect.name == "sqlite" ? "1" : "TRUE" }
}
