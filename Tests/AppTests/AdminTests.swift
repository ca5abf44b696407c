import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import App

/// The admin module: enrolment from a one-time link, sign-in with a password and a TOTP code, recovery
/// codes, session limits, roles of staff, and the screens staff read.
@Suite struct AdminTests {
    static let password = "Надежный пароль сотрудника 2026"

    /// Invites `email`, opens the setup link and enrols; returns the browser and the TOTP secret.
    func enrolled(_ world: TestWorld, email: String = "operator@energosbyt.ru", role: StaffMember.Role = .operator)
        async throws -> (TestBrowser, [UInt8], [String])
    {
        let token = try await StaffAccounts.invite(
            email: email, name: "Петрова Анна Сергеевна", role: role, now: world.clock.now(), on: world.app.db.sql)
        let browser = TestBrowser(world)
        let setup = try await browser.get("/admin/setup?token=\(token)")
        #expect(setup.status == .ok)
        #expect(setup.body.contains("<svg") && setup.body.contains("QR-код для приложения-аутентификатора"))
        let secretText = try #require(Self.secret(in: setup.body))
        let secret = try #require(Base32.decode(secretText))
        let code = TOTP.code(secret: secret, counter: TOTP.counter(at: world.clock.now()))
        let done = try await browser.post(
            "/admin/setup", ["token": token, "password": Self.password, "repeat": Self.password, "code": code])
        #expect(done.status == .ok)
        let codes = Self.recoveryCodes(in: done.body)
        #expect(codes.count == 10)
        world.clock.advance(31)
        return (browser, secret, codes)
    }

    static func secret(in html: String) -> String? {
        guard let range = html.range(of: "class=\"secret\">") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "<" }).replacingOccurrences(of: " ", with: "")
    }

    static func recoveryCodes(in html: String) -> [String] {
        html.components(separatedBy: "<li><code>").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    func currentCode(_ world: TestWorld, _ secret: [UInt8]) -> String {
        TOTP.code(secret: secret, counter: TOTP.counter(at: world.clock.now()))
    }

    /// A member of staff enrolled and signed in with both factors, on a page of the verified session.
    func signedInStaff(
        _ world: TestWorld, email: String = "operator@energosbyt.ru", role: StaffMember.Role = .operator
    ) async throws -> TestBrowser {
        let (browser, secret, _) = try await enrolled(world, email: email, role: role)
        try await signIn(world, browser, email: email, secret: secret)
        try await browser.get("/admin")
        return browser
    }

    /// Signs in with both factors.
    @discardableResult
    func signIn(_ world: TestWorld, _ browser: TestBrowser, email: String, secret: [UInt8]) async throws
        -> TestBrowser.Page
    {
        try await browser.get("/admin/login")
        let first = try await browser.post("/admin/login", ["email": email, "password": Self.password])
        #expect(first.location == "/admin/login/code")
        try await browser.get("/admin/login/code")
        world.clock.advance(30)
        return try await browser.post("/admin/login/code", ["code": currentCode(world, secret)])
    }

    @Test func enrolmentThenSignInWithBothFactors() async throws {
        try await withPortal { world in
            let token = try await StaffAccounts.invite(
                email: "Operator@Energosbyt.ru", name: "Петрова А. С.", role: .operator, now: world.clock.now(),
                on: world.app.db.sql)
            let browser = TestBrowser(world)
            let setup = try await browser.get("/admin/setup?token=\(token)")
            let secret = try #require(Self.secret(in: setup.body).flatMap(Base32.decode))
            #expect(secret.count == 20)
            // The same secret when the page is opened again, so a scanned code stays valid.
            #expect(
                Self.secret(in: try await browser.get("/admin/setup?token=\(token)").body).flatMap(Base32.decode)
                    == secret)
            let mismatch = try await browser.post(
                "/admin/setup", ["token": token, "password": Self.password, "repeat": "другой", "code": "000000"])
            #expect(mismatch.status == .unprocessableEntity)
            #expect(mismatch.body.contains("Пароли не совпадают"))
            let wrong = try await browser.post(
                "/admin/setup", ["token": token, "password": Self.password, "repeat": Self.password, "code": "000000"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.contains(AdminController.badCode))
            let code = currentCode(world, secret)
            let done = try await browser.post(
                "/admin/setup", ["token": token, "password": Self.password, "repeat": Self.password, "code": code])
            #expect(done.status == .ok)
            #expect(Self.recoveryCodes(in: done.body).count == 10)
            // The link worked once.
            #expect(try await browser.get("/admin/setup?token=\(token)").status == .notFound)
            let stored = try await world.count("staff_recovery_codes")
            #expect(stored == 10)

            #expect(try await browser.get("/admin").location == "/admin/login")
            try await browser.get("/admin/login")
            let bad = try await browser.post("/admin/login", ["email": "operator@energosbyt.ru", "password": "нет"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains(AdminController.badCredentials))
            let first = try await browser.post(
                "/admin/login", ["email": "operator@energosbyt.ru", "password": Self.password])
            #expect(first.location == "/admin/login/code")
            #expect(try await browser.get("/admin").location == "/admin/login", "the password alone opens nothing")
            try await browser.get("/admin/login/code")
            let replayed = try await browser.post("/admin/login/code", ["code": code])
            #expect(replayed.status == .unprocessableEntity, "the enrolment's code is not accepted again")
            world.clock.advance(30)
            let second = try await browser.post("/admin/login/code", ["code": currentCode(world, secret)])
            #expect(second.location == "/admin")
            let home = try await browser.get("/admin")
            #expect(home.status == .ok)
            #expect(home.body.contains("<h1>Администрирование</h1>"))
            #expect(home.body.contains("Петрова А. С. (Оператор)"))
            let entries = try await AuditLog.recent(action: "staff.", on: world.app.db).map(\.action)
            #expect(entries.contains("staff.signin") && entries.contains("staff.enrolled"))
            // Signing out ends the session.
            #expect(try await browser.post("/admin/logout").location == "/admin/login")
            #expect(try await browser.get("/admin").location == "/admin/login")
        }
    }

    @Test func aRecoveryCodeWorksOnceAndFiveWrongCodesEndTheAttempt() async throws {
        try await withPortal { world in
            let (browser, _, codes) = try await enrolled(world)
            try await browser.get("/admin/login")
            _ = try await browser.post("/admin/login", ["email": "operator@energosbyt.ru", "password": Self.password])
            try await browser.get("/admin/login/code?recovery=1")
            let used = try await browser.post("/admin/login/code", ["recovery": codes[3].uppercased()])
            #expect(used.location == "/admin")
            #expect(try await browser.get("/admin").status == .ok)
            _ = try await browser.post("/admin/logout")

            try await browser.get("/admin/login")
            _ = try await browser.post("/admin/login", ["email": "operator@energosbyt.ru", "password": Self.password])
            try await browser.get("/admin/login/code")
            let again = try await browser.post("/admin/login/code", ["recovery": codes[3]])
            #expect(again.status == .unprocessableEntity, "a used recovery code")
            for _ in 0..<3 {
                #expect(try await browser.post("/admin/login/code", ["code": "123456"]).status == .unprocessableEntity)
            }
            let fifth = try await browser.post("/admin/login/code", ["code": "123456"])
            #expect(fifth.location == "/admin/login", "five wrong codes: the password is asked again")
            #expect(try await browser.get("/admin/login/code").location == "/admin/login")
        }
    }

    @Test func sessionsEndAfterThirtyIdleMinutesAndEightHours() async throws {
        try await withPortal { world in
            let (browser, secret, _) = try await enrolled(world)
            try await signIn(world, browser, email: "operator@energosbyt.ru", secret: secret)
            #expect(try await browser.get("/admin").status == .ok)
            world.clock.advance(31 * 60)
            #expect(try await browser.get("/admin").location == "/admin/login")
            try await signIn(world, browser, email: "operator@energosbyt.ru", secret: secret)
            for _ in 0..<24 {
                world.clock.advance(20 * 60)
                #expect(try await browser.get("/admin").status == .ok)
            }
            world.clock.advance(20 * 60)
            #expect(try await browser.get("/admin").location == "/admin/login", "eight hours in all")
        }
    }

    @Test func customersAndStaffNeverShareASession() async throws {
        try await withPortal { world in
            let customer = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            #expect(try await customer.get("/admin").location == "/admin/login")
            #expect(try await customer.get("/admin/customers").location == "/admin/login")
            let (staff, secret, _) = try await enrolled(world)
            try await signIn(world, staff, email: "operator@energosbyt.ru", secret: secret)
            #expect(try await staff.get("/payments").location == "/login")
            // A staff form without the staff session's token is refused.
            staff.csrf = "forged"
            #expect(try await staff.post("/admin/logout").status == .forbidden)
        }
    }

    @Test func onlyTheSystemAdministratorManagesStaff() async throws {
        try await withPortal { world in
            let (operatorBrowser, operatorSecret, _) = try await enrolled(world)
            try await signIn(world, operatorBrowser, email: "operator@energosbyt.ru", secret: operatorSecret)
            #expect(try await operatorBrowser.get("/admin/staff").status == .notFound)
            #expect(!(try await operatorBrowser.get("/admin").body.contains("/admin/staff")))

            let (admin, adminSecret, _) = try await enrolled(world, email: "admin@energosbyt.ru", role: .admin)
            try await signIn(world, admin, email: "admin@energosbyt.ru", secret: adminSecret)
            let list = try await admin.get("/admin/staff")
            #expect(list.status == .ok)
            #expect(list.body.contains("operator@energosbyt.ru"))
            let invited = try await admin.post(
                "/admin/staff", ["email": "new@energosbyt.ru", "name": "Новиков Н. Н.", "role": "operator"])
            #expect(invited.body.contains("/admin/setup?token="))
            let duplicate = try await admin.post(
                "/admin/staff", ["email": "new@energosbyt.ru", "name": "Новиков", "role": "operator"])
            #expect(duplicate.status == .unprocessableEntity)
            #expect(duplicate.body.contains("Сотрудник с таким e-mail уже есть"))
            // Blocking ends the member's sessions and refuses the next sign-in.
            let member = try #require(try await StaffMember.find(email: "operator@energosbyt.ru", on: world.app.db.sql))
            let blocked = try await admin.post("/admin/staff/\(member.id.uuidString)/block")
            #expect(blocked.status == .ok)
            #expect(blocked.body.contains("Заблокирован"))
            #expect(try await operatorBrowser.get("/admin").location == "/admin/login")
            try await operatorBrowser.get("/admin/login")
            let refused = try await operatorBrowser.post(
                "/admin/login", ["email": "operator@energosbyt.ru", "password": Self.password])
            #expect(refused.body.contains("Учетная запись заблокирована"))
            let entries = try await AuditLog.recent(action: "staff.blocked", on: world.app.db)
            #expect(entries.first?.subject == "operator@energosbyt.ru")
            #expect(entries.first?.actor.hasPrefix("staff:") == true)
        }
    }

    @Test func staffFindCustomersReadTheOutboxAndTheAuditLog() async throws {
        try await withPortal { world in
            try await BillingSamples.load(world, token: try await world.billingToken())
            let customer = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            try await ContractTests().link(world, "buh@romashka.ru", .accountant)
            _ = customer
            let (staff, secret, _) = try await enrolled(world)
            try await signIn(world, staff, email: "operator@energosbyt.ru", secret: secret)
            for query in ["buh@romashka.ru", "BUH@romashka.ru", "7707083893", "74070100099901"] {
                let found = try await staff.get("/admin/customers?q=\(TestBrowser.encode(query))")
                #expect(found.body.contains("buh@romashka.ru"), "\(query)")
                #expect(found.body.contains("№ 74070100099901"), "\(query)")
                #expect(found.body.contains("Бухгалтер"), "\(query)")
            }
            #expect(try await staff.get("/admin/customers?q=nobody").body.contains("Ничего не найдено."))
            _ = try await world.deliveredMail()
            let outbox = try await staff.get("/admin/outbox?status=sent")
            #expect(outbox.status == .ok)
            let audit = try await staff.get("/admin/audit?actor=staff")
            #expect(audit.body.contains("<td>staff.signin</td>"))
            #expect(audit.body.contains("<td>staff.customers.search</td>"))
            #expect(!(try await staff.get("/admin/audit?actor=billing").body.contains("<td>staff.signin</td>")))
        }
    }

    @Test func invitationsNeedAnAddressAndAreNotRepeated() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            await #expect(throws: StaffAccounts.Failure.invalidEmail) {
                try await StaffAccounts.invite(
                    email: "не адрес", name: "x", role: .operator, now: world.clock.now(), on: sql)
            }
            _ = try await StaffAccounts.invite(
                email: "a@energosbyt.ru", name: "A", role: .admin, now: world.clock.now(), on: sql)
            await #expect(throws: StaffAccounts.Failure.taken) {
                try await StaffAccounts.invite(
                    email: "A@energosbyt.ru", name: "A", role: .admin, now: world.clock.now(), on: sql)
            }
            // A link older than 72 hours does not open.
            let token = try await StaffAccounts.invite(
                email: "a@energosbyt.ru", name: "A", role: .admin, now: world.clock.now(), on: sql, replacing: true)
            world.clock.advance(StaffAccounts.setupLifetime + 1)
            #expect(try await TestBrowser(world).get("/admin/setup?token=\(token)").status == .notFound)
        }
    }
}
