import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// Roles in use (manual §11.2.1): «Запросить доступ», staff granting «Администратор», the administrator
/// giving roles to colleagues by e-mail, accounts made for new addresses, changing and removing roles.
@Suite struct RolesTests {
    static let number = ContractTests.number
    static let admin = "director@romashka.ru"

    func letterText(contract: String, role: Role) -> String {
        "На договор \(contract) Вам назначена роль \(role.title). Вы можете посмотреть изменения в личном кабинете http://"
    }

    @Test func accessIsRequestedOnlyWhereNoAdministratorIs() async throws {
        try await withPortal { world in
            let browser = try await AppealsTests().setUp(world, role: .manager)
            let section = try #require(try await Appeals.Section.accessRequest(on: world.app.db.sql))
            let list = try await browser.get("/profile/contracts")
            #expect(list.body.contains("/appeals/new?section=\(section.id.uuidString)&amp;contract=\(Self.number)"))
            #expect(list.body.contains("Запросить доступ"))
            let prefilled = try await browser.get(
                "/appeals/new?section=\(section.id.uuidString)&contract=\(Self.number)")
            #expect(
                prefilled.body.contains("<option value=\"\(section.id.uuidString)\" selected>Права доступа</option>"))
            #expect(prefilled.body.contains("<h1>Направить обращение</h1>"))
            // Once the contract has an administrator, the request is no longer offered.
            _ = try await ProfileTests().signedIn(world, email: Self.admin)
            try await ContractTests().link(world, Self.admin, .administrator)
            #expect(!(try await browser.get("/profile/contracts").body.contains("Запросить доступ")))
        }
    }

    @Test func staffGrantAdministratorFromTheRequestAndThePreviousOneIsTold() async throws {
        try await withPortal { world in
            let customer = try await AppealsTests().setUp(world, role: .manager)
            _ = try await ProfileTests().signedIn(world, email: Self.admin)
            try await ContractTests().link(world, Self.admin, .administrator)
            let section = try #require(try await Appeals.Section.accessRequest(on: world.app.db.sql))
            try await customer.get("/appeals/new/details?section=\(section.id.uuidString)&contract=\(Self.number)")
            let sent = try await customer.postMultipart(
                "/appeals",
                ["section": section.id.uuidString, "contract": Self.number, "text": "Прошу роль администратора"],
                files: [])
            let number = try #require(sent.location.flatMap { Int64($0.split(separator: "=").last ?? "") })
            let (staff, secret, _) = try await AdminTests().enrolled(world)
            try await AdminTests().signIn(world, staff, email: "operator@energosbyt.ru", secret: secret)
            let card = try await staff.get("/admin/appeals/\(number)")
            #expect(card.body.contains("Назначить «Администратор»"))
            let granted = try await staff.post("/admin/appeals/\(number)/grant-administrator")
            #expect(granted.location == "/admin/appeals/\(number)?done=1")
            let roles = try await world.app.db.sql.raw(
                "SELECT a.email, l.role FROM contract_links l JOIN accounts a ON a.id = l.account_id ORDER BY a.email"
            ).all().map {
                (try $0.decode(column: "email", as: String.self), try $0.decode(column: "role", as: String.self))
            }
            #expect(roles.map(\.0) == [AppealsTests.email, Self.admin])
            #expect(roles.map(\.1) == [Role.administrator.rawValue, Role.manager.rawValue])
            let letters = try await world.deliveredMail()
            let name = "Договор энергоснабжения № \(Self.number)"
            #expect(
                letters.contains {
                    $0.to.contains(AppealsTests.email)
                        && $0.text.hasPrefix(letterText(contract: name, role: .administrator))
                })
            #expect(
                letters.contains {
                    $0.to.contains(Self.admin) && $0.text.hasPrefix(letterText(contract: name, role: .manager))
                })
            let answer = try await customer.get("/appeals/\(number)")
            #expect(answer.body.contains("Вам назначена роль «Администратор» на договоре № \(Self.number)"))
            #expect(answer.body.contains("Закрыто: Роль «Администратор» назначена"))
            let audit = try await AuditLog.recent(action: "staff.role.", on: world.app.db)
            #expect(audit.first?.action == "staff.role.administrator.granted")
        }
    }

    @Test func twoGrantsAtOnceLeaveOneAdministrator() async throws {
        try await withPortal { world in
            _ = try await AppealsTests().setUp(world, role: .manager)
            _ = try await ProfileTests().signedIn(world, email: Self.admin)
            try await ContractTests().link(world, Self.admin, .manager)
            let accounts = try await Account.query(on: world.app.db).all().compactMap(\.id)
            let (now, config, db) = (world.clock.now(), world.app.portal.config, world.app.db)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for account in accounts {
                    group.addTask {
                        try await db.conflictRetryingTransaction { tx in
                            try await AdministratorRole.grant(
                                to: account, contractID: "K-1", contractName: "Договор", now: now, config: config,
                                on: tx)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await world.count("contract_links", where: "role = 'administrator'") == 1)
            #expect(try await world.count("contract_links") == 2)
        }
    }

    /// The contract's administrator, signed in.
    func administrator(_ world: TestWorld) async throws -> TestBrowser {
        try await BillingSamples.load(world, token: try await world.billingToken())
        let browser = try await ProfileTests().signedIn(world, email: Self.admin)
        try await ContractTests().link(world, Self.admin, .administrator)
        return browser
    }

    @Test func aNewAddressGetsAnAccountWithATemporaryPassword() async throws {
        try await withPortal { world in
            let admin = try await administrator(world)
            let contracts = try await admin.get("/profile/contracts")
            #expect(contracts.body.contains("Пользователи договора (1)"))
            #expect(try await admin.get("/contracts/\(Self.number)").body.contains("<h2>Пользователи договора</h2>"))
            #expect(contracts.body.contains("/contracts/\(Self.number)/roles/new"))
            let list = try await admin.get("/contracts/\(Self.number)/roles")
            #expect(list.status == .ok)
            #expect(list.body.contains(Self.admin) && list.body.contains("Администратор"))
            try await admin.get("/contracts/\(Self.number)/roles/new")
            let wrong = try await admin.post(
                "/contracts/\(Self.number)/roles", ["role": "administrator", "email": "нет", "objects": "all"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.contains("Выберите роль") && wrong.body.contains(EmailAddress.invalidMessage))
            let given = try await admin.post(
                "/contracts/\(Self.number)/roles",
                ["role": "accountant", "email": "Glavbuh@Romashka.ru", "objects": "all"])
            #expect(given.location == "/contracts/\(Self.number)/roles?given=1")
            let letter = try #require(try await world.deliveredMail().first)
            #expect(letter.to.contains("glavbuh@romashka.ru"))
            #expect(
                letter.text.hasPrefix(
                    letterText(contract: "Договор энергоснабжения № \(Self.number)", role: .accountant)))
            let login = try #require(Self.line("Логин: ", in: letter.text))
            let password = try #require(Self.line("Пароль: ", in: letter.text))
            #expect(login.hasPrefix("lkk") && password.count == 12)

            // First sign-in with the login: «Давайте познакомимся», then a new password, then the contract.
            let person = TestBrowser(world)
            try await person.get("/login")
            #expect(try await person.post("/login", ["email": login, "password": password]).location == "/")
            #expect(try await person.get("/payments").location == "/welcome")
            try await world.app.db.sql.raw(
                """
                UPDATE accounts SET last_name = 'Сидорова', first_name = 'Анна', organization = 'ООО «Ромашка»',
                    position = 'Главный бухгалтер', address = 'г. Екатеринбург', phone = '+73431234567'
                WHERE login = \(bind: login)
                """
            ).run()
            #expect(try await person.get("/payments").location == "/profile?password=required")
            let profile = try await person.get("/profile?password=required")
            #expect(profile.body.contains(ProfileController.newPasswordNeeded))
            let changed = try await person.post(
                "/profile/password",
                ["current": password, "password": ProfileTests.password, "repeat": ProfileTests.password])
            #expect(changed.status == .ok)
            // Nobody accepted the agreement for this address: its owner does now.
            #expect(try await person.get("/payments").location == "/agreement/accept")
            try await person.get("/agreement/accept")
            #expect(try await person.post("/agreement/accept", ["version": "1", "agree": "on"]).location == "/")
            #expect(try await person.get("/payments").body.contains(Self.number))
            #expect(!(try await person.get("/readings").body.contains(Self.number)), "«Бухгалтер» sends no readings")
            #expect(try await person.get("/profile/contracts").body.contains("Бухгалтер"))
            #expect(!(try await person.get("/contracts/\(Self.number)").body.contains("Пользователи договора")))
            #expect(try await admin.get("/profile/contracts").body.contains("Пользователи договора (2)"))
            // The temporary password no longer works.
            let again = TestBrowser(world)
            try await again.get("/login")
            #expect(
                try await again.post("/login", ["email": login, "password": password]).status == .unprocessableEntity)

            // The administrator removes the role: the contract is gone at once.
            let holder = try #require(try await Account.query(on: world.app.db).filter(\.$login == login).first())
            try await admin.get("/contracts/\(Self.number)/roles")
            let removed = try await admin.post("/contracts/\(Self.number)/roles/\(holder.id!.uuidString)/remove")
            #expect(removed.location == "/contracts/\(Self.number)/roles?removed=1")
            #expect(try await person.get("/contracts/\(Self.number)").status == .notFound)
            #expect(!(try await person.get("/payments").body.contains(Self.number)))
        }
    }

    static func line(_ label: String, in text: String) -> String? {
        text.split(whereSeparator: \.isNewline).first { $0.hasPrefix(label) }.map { String($0.dropFirst(label.count)) }
    }

    @Test func aTemporaryPasswordExpiresAfterSeventyTwoHours() async throws {
        try await withPortal { world in
            let admin = try await administrator(world)
            try await admin.get("/contracts/\(Self.number)/roles/new")
            _ = try await admin.post(
                "/contracts/\(Self.number)/roles",
                ["role": "powerEngineer", "email": "energo2@romashka.ru", "objects": "all"])
            let letter = try #require(try await world.deliveredMail().first)
            let login = try #require(Self.line("Логин: ", in: letter.text))
            let password = try #require(Self.line("Пароль: ", in: letter.text))
            world.clock.advance(ContractRolesController.temporaryPasswordLifetime + 60)
            let person = TestBrowser(world)
            try await person.get("/login")
            let refused = try await person.post("/login", ["email": login, "password": password])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains(AuthController.expiredPassword))
        }
    }

    @Test func aRegisteredAddressSeesTheContractAtOnceWithItsEnergyObjects() async throws {
        try await withPortal { world in
            let admin = try await administrator(world)
            let colleague = try await ProfileTests().signedIn(world, email: "energo@romashka.ru")
            try await admin.get("/contracts/\(Self.number)/roles/new")
            let given = try await admin.post(
                "/contracts/\(Self.number)/roles",
                ["role": "powerEngineer", "email": "energo@romashka.ru", "objects": "some", "object-EO-1": "on"])
            #expect(given.location == "/contracts/\(Self.number)/roles?given=1")
            let letter = try #require(try await world.deliveredMail().first)
            #expect(
                letter.text.hasPrefix(
                    letterText(contract: "Договор энергоснабжения № \(Self.number)", role: .powerEngineer)))
            #expect(!letter.text.contains("Логин:"), "an existing account gets no password")
            #expect(try await colleague.get("/readings").body.contains(Self.number))
            let link = try #require(
                try await ContractLink.query(on: world.app.db).filter(\.$roleName == Role.powerEngineer.rawValue)
                    .first())
            #expect(link.energyObjects == ["EO-1"])
            // Changing the role: «Бухгалтер» for the whole contract.
            let account = link.accountID.uuidString
            try await admin.get("/contracts/\(Self.number)/roles/\(account)")
            let changed = try await admin.post(
                "/contracts/\(Self.number)/roles/\(account)", ["role": "accountant", "objects": "all"])
            #expect(changed.location == "/contracts/\(Self.number)/roles?changed=1")
            #expect(!(try await colleague.get("/readings").body.contains(Self.number)))
            #expect(try await colleague.get("/payments").body.contains(Self.number))
        }
    }

    @Test func aRoleGivenStaysWhenThePersonAlsoAddsTheContractByNumber() async throws {
        try await withPortal { world in
            let admin = try await administrator(world)
            let colleague = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            try await admin.get("/contracts/\(Self.number)/roles/new")
            _ = try await admin.post(
                "/contracts/\(Self.number)/roles", ["role": "accountant", "email": "buh@romashka.ru", "objects": "all"])
            _ = try await world.deliveredMail()
            // The same person tries to add the contract by its number: it is already theirs, nothing changes.
            try await colleague.get("/contracts/add")
            let again = try await colleague.post(
                "/contracts/add", ["number": Self.number, "email": "Buh@Romashka.example"])
            #expect(again.status == .unprocessableEntity)
            #expect(again.body.contains("Этот договор уже добавлен в ваш личный кабинет"))
            #expect(try await world.deliveredMail().isEmpty)
            let links = try await ContractLink.query(on: world.app.db).filter(\.$contractID == "K-1").all()
            #expect(links.count == 2, "no second link for the same person")
            #expect(links.contains { $0.role == .accountant }, "the role the administrator gave stays")
        }
    }

    @Test(arguments: [Role.manager, .powerEngineer, .accountant])
    func onlyTheAdministratorGivesRoles(role: Role) async throws {
        try await withPortal { world in
            try await BillingSamples.load(world, token: try await world.billingToken())
            let browser = try await ProfileTests().signedIn(world, email: Self.admin)
            try await ContractTests().link(world, Self.admin, role)
            #expect(try await browser.get("/contracts/\(Self.number)/roles").status == .notFound)
            #expect(try await browser.get("/contracts/\(Self.number)/roles/new").status == .notFound)
            try await browser.get("/profile")
            let refused = try await browser.post(
                "/contracts/\(Self.number)/roles", ["role": "accountant", "email": "x@romashka.ru", "objects": "all"])
            #expect(refused.status == .notFound)
            #expect(try await world.count("contract_links") == 1)
        }
    }

    @Test func theAdministratorsOwnRoleIsNotChangedHere() async throws {
        try await withPortal { world in
            let admin = try await administrator(world)
            let own = try #require(try await Account.query(on: world.app.db).filter(\.$email == Self.admin).first())
            try await admin.get("/contracts/\(Self.number)/roles")
            #expect(
                try await admin.post("/contracts/\(Self.number)/roles/\(own.id!.uuidString)/remove").status == .notFound
            )
            #expect(try await admin.get("/contracts/\(Self.number)/roles/\(own.id!.uuidString)").status == .notFound)
            try await admin.get("/contracts/\(Self.number)/roles/new")
            let self_ = try await admin.post(
                "/contracts/\(Self.number)/roles", ["role": "manager", "email": Self.admin, "objects": "all"])
            #expect(self_.status == .unprocessableEntity)
            #expect(try await world.count("contract_links", where: "role = 'administrator'") == 1)
        }
    }
}
