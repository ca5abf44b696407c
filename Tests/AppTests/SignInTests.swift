import Fluent
import Foundation
import Testing
import Vapor

@testable import App

@Suite struct SignInTests {
    @Test func signInRotatesTheSessionAndSignOutEndsIt() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Зимний-вечер-2026")
            let browser = TestBrowser(world)
            try await browser.get("/login")
            let anonymous = browser.cookie
            let page = try await browser.post(
                "/login", ["email": " BUH@romashka.ru ", "password": "Зимний-вечер-2026"])
            #expect(page.location == "/")
            #expect(browser.cookie != nil && browser.cookie != anonymous)
            #expect(try await browser.get("/").body.contains("Иванова А. П."))
            #expect(try await AuditLog.recent(on: world.app.db).first?.action == "signin")

            #expect(try await browser.post("/logout").location == "/login")
            #expect(browser.cookie == nil)
            #expect(try await browser.get("/").body.contains("<h1>Вход в личный кабинет</h1>"))
            #expect(try await world.count("sessions", where: "account_id IS NOT NULL") == 0)
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameMessage() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Зимний-вечер-2026")
            let browser = TestBrowser(world)
            try await browser.get("/login")
            let wrong = try await browser.post("/login", ["email": "buh@romashka.ru", "password": "не тот пароль"])
            let unknown = try await browser.post(
                "/login", ["email": "nobody@romashka.ru", "password": "не тот пароль"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(unknown.status == wrong.status)
            #expect(wrong.body.contains(AuthController.badCredentials))
            #expect(unknown.body.contains(AuthController.badCredentials))
            #expect(wrong.body.contains("value=\"buh@romashka.ru\""), "the e-mail stays in the field")
            let empty = try await browser.post("/login", ["email": "", "password": ""])
            #expect(empty.body.contains("Введите e-mail или логин"))
            #expect(empty.body.contains("Введите пароль"))
            #expect(try await AuditLog.recent(on: world.app.db).filter { $0.action == "signin.failed" }.count == 2)
        }
    }

    @Test func aLoginIsAcceptedInTheEmailField() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: nil, password: "Временный-пароль-7", login: "lkk-104233")
            let browser = TestBrowser(world)
            try await browser.get("/login")
            #expect(
                try await browser.post("/login", ["email": "LKK-104233", "password": "Временный-пароль-7"]).location
                    == "/")
        }
    }

    /// Only failures count toward the limit: the owner signing in again and again is never stopped.
    @Test func successfulSignInsDoNotCount() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Зимний-вечер-2026")
            for attempt in 1...15 {
                let browser = TestBrowser(world)
                try await browser.get("/login")
                let page = try await browser.post(
                    "/login", ["email": "buh@romashka.ru", "password": "Зимний-вечер-2026"])
                #expect(page.location == "/", "sign-in \(attempt)")
            }
        }
    }

    @Test func signInIsThrottledPerAccount() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Зимний-вечер-2026")
            let browser = TestBrowser(world)
            try await browser.get("/login")
            for _ in 0..<10 {
                try await browser.post("/login", ["email": "buh@romashka.ru", "password": "подбор-пароля"])
            }
            let blocked = try await browser.post(
                "/login", ["email": "buh@romashka.ru", "password": "Зимний-вечер-2026"])
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body.contains("Слишком много попыток входа"))
            #expect(!blocked.body.contains("мин.."), "one full stop after the minutes")
            world.clock.advance(900)
            #expect(
                try await browser.post("/login", ["email": "buh@romashka.ru", "password": "Зимний-вечер-2026"]).location
                    == "/")
        }
    }
}

@Suite struct RecoveryTests {
    @Test func recoveryChangesThePasswordAndEndsOtherSessions() async throws {
        try await withPortal { world in
            try await world.makeAccount(email: "buh@romashka.ru", password: "Старый-пароль-1")
            let other = TestBrowser(world)
            try await other.get("/login")
            try await other.post("/login", ["email": "buh@romashka.ru", "password": "Старый-пароль-1"])
            #expect(try await other.get("/").status == .ok)

            let browser = TestBrowser(world)
            try await browser.get("/recover")
            #expect(try await browser.post("/recover", ["email": "buh@romashka.ru"]).location == "/recover/code")
            let code = try #require(try await world.deliveredMail().first.flatMap(TestWorld.code(in:)))
            let mismatch = try await browser.post(
                "/recover/code", ["code": code, "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2025"])
            #expect(mismatch.body.contains("Пароли не совпадают"))
            let weak = try await browser.post(
                "/recover/code", ["code": code, "password": "password1", "repeat": "password1"])
            #expect(weak.body.contains("слишком распространен"))
            let done = try await browser.post(
                "/recover/code", ["code": code, "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"])
            #expect(done.location == "/")
            #expect(try await browser.get("/").body.contains("Иванова А. П."))

            // The other browser was signed out by the new password.
            #expect(try await other.get("/").body.contains("<h1>Вход в личный кабинет</h1>"))
            try await other.get("/login")
            #expect(
                try await other.post("/login", ["email": "buh@romashka.ru", "password": "Старый-пароль-1"]).status
                    == .unprocessableEntity)
            #expect(
                try await other.post("/login", ["email": "buh@romashka.ru", "password": "Новый-пароль-2026"]).location
                    == "/")
        }
    }

    @Test func unknownAddressLooksTheSameAndSendsNothing() async throws {
        try await withPortal { world in
            let browser = TestBrowser(world)
            try await browser.get("/recover")
            #expect(try await browser.post("/recover", ["email": "nobody@romashka.ru"]).location == "/recover/code")
            #expect(try await world.deliveredMail().isEmpty)
            let page = try await browser.post(
                "/recover/code", ["code": "123456", "password": "Новый-пароль-2026", "repeat": "Новый-пароль-2026"])
            #expect(page.body.contains("Неверный код"))
            let bad = try await browser.post("/recover", ["email": "не адрес"])
            #expect(bad.body.contains("Введите адрес электронной почты"))
        }
    }

    /// An address two accounts shared before addresses were unique is taken off both by the migration;
    /// recovery then sends the person to the «Интернет-приемная».
    @Test func sharedAddressIsSentToTheInternetReception() async throws {
        try await withPortal { world in
            let migration = CreateUniqueAccountEmails()
            try await migration.revert(on: world.app.db)
            let first = try await world.makeAccount(
                email: "office@romashka.ru", password: "Первый-пароль-1", login: "office1")
            let second = try await world.makeAccount(
                email: "Office@Romashka.ru", password: "Второй-пароль-2", login: "office2")
            let own = try await world.makeAccount(email: "own@romashka.ru", password: "Третий-пароль-3")
            try await migration.prepare(on: world.app.db)
            for account in [first, second] {
                let stored = try #require(try await Account.find(account.id, on: world.app.db))
                #expect(stored.email == nil, "taken off the account")
                #expect(stored.login != nil, "the login stays")
            }
            #expect(try await Account.find(own.id, on: world.app.db)?.email == "own@romashka.ru")
            #expect(try await world.count("shared_emails") == 2)
            // Addresses are unique from now on, whatever their case.
            await #expect(throws: (any Error).self) {
                try await world.makeAccount(email: "OWN@romashka.ru", password: "Четвертый-пароль-4")
            }
            let browser = TestBrowser(world)
            try await browser.get("/recover")
            let page = try await browser.post("/recover", ["email": "office@romashka.ru"])
            #expect(page.status == .ok)
            #expect(page.body.contains("Интернет-приемную"))
            #expect(page.body.contains("последний известный вам логин и номер договора"))
            #expect(!page.body.contains("name=\"email\""), "nothing more is asked")
            #expect(try await world.deliveredMail().isEmpty)
        }
    }
}
