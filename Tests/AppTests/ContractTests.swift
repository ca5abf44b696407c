import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import XLSX

@testable import App

@Suite struct ContractTests {
    static let number = "74070100099901"

    /// The sample contract from billing, and a signed-in browser for `email`.
    func setUp(_ world: TestWorld, email: String = "buh@romashka.ru") async throws -> TestBrowser {
        if try await world.rows("contracts") == 0 {
            try await BillingSamples.load(world, token: try await world.billingToken())
        }
        return try await ProfileTests().signedIn(world, email: email)
    }

    func link(_ world: TestWorld, _ email: String, _ role: Role, objects: [String]? = nil) async throws {
        let account = try await Account.query(on: world.app.db).filter(\.$email == email).first()!
        try await ContractLink(
            accountID: account.id!, contractID: "K-1", role: role, energyObjects: objects, now: world.clock.now()
        )
        .create(on: world.app.db)
    }

    /// The link in the letter, as a path.
    func linkPath(in message: DevMailbox.Message) -> String? {
        guard let range = message.text.range(of: "/contracts/confirm?token=") else { return nil }
        return String(message.text[range.lowerBound...].prefix { !$0.isWhitespace })
    }

    @Test func datesAreShownDayFirstAndAnythingElseAsItIs() {
        #expect(ContractCard.date("2026-10-18") == "18.10.2026")
        #expect(ContractCard.date(nil) == "")
        #expect(ContractCard.date("2026-10") == "2026-10")
        #expect(ContractCard.date("2026101818") == "2026101818", "ten characters without dashes")
        #expect(ContractCard.date("2026—10—18") == "2026—10—18")
    }

    @Test func addingWithTheContractsEmailBindsItAsManager() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/contracts/add")
            let answer = try await browser.post(
                "/contracts/add", ["number": Self.number, "email": "Energo@Romashka.example"])
            #expect(answer.location == "/profile/contracts?added=1")
            let list = try await browser.get("/profile/contracts?added=1")
            #expect(list.body.contains(ContractsPage.addedNotice))
            #expect(list.body.contains("Ожидают подтверждения"))
            let letters = try await world.deliveredMail()
            #expect(letters.count == 1)
            #expect(letters.first?.to.contains("energo@romashka.example") == true)
            guard let letter = letters.first, let path = linkPath(in: letter) else {
                Issue.record("no link in the letter")
                return
            }
            // Only what the portal has checked: the requester's confirmed address, not a typed name.
            #expect(letter.text.contains("с адресом buh@romashka.ru"))
            #expect(!letter.text.contains("Иванова") && !letter.text.contains("Ромашка»"))
            // The link opens a confirmation page; confirming binds the contract with «Руководитель».
            let ask = try await browser.get(path)
            #expect(ask.status == .ok)
            #expect(ask.body.contains("Подтвердить"))
            let token = String(path.split(separator: "=").last ?? "")
            let done = try await browser.post("/contracts/confirm", ["token": token])
            #expect(done.status == .ok)
            #expect(done.body.contains("Договор добавлен"))
            let links = try await ContractLink.query(on: world.app.db).all()
            #expect(links.count == 1)
            #expect(links.first?.role == .manager)
            let contracts = try await browser.get("/profile/contracts")
            #expect(contracts.body.contains(Self.number))
            #expect(contracts.body.contains("Руководитель"))
            #expect(!contracts.body.contains("Ожидают подтверждения"))
            // The feed tells billing.
            let feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.map(\.kind) == ["contractLinked"])
            // Single use.
            #expect(try await browser.get(path).status == .notFound)
            #expect(try await browser.post("/contracts/confirm", ["token": token]).status == .notFound)
            #expect(try await ContractLink.query(on: world.app.db).count() == 1)
            // Adding it again says it is already there.
            try await browser.get("/contracts/add")
            let twice = try await browser.post(
                "/contracts/add", ["number": Self.number, "email": "buh@romashka.example"])
            #expect(twice.status == .unprocessableEntity)
            #expect(twice.body.contains("уже добавлен"))
        }
    }

    @Test func anotherEmailOrAnUnknownNumberLooksTheSameAndBindsNothing() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/contracts/add")
            let other = try await browser.post(
                "/contracts/add", ["number": Self.number, "email": "boss@gmail.example"])
            try await browser.get("/contracts/add")
            let unknown = try await browser.post(
                "/contracts/add", ["number": "74070100099999", "email": "energo@romashka.example"])
            #expect(other.location == "/profile/contracts?added=1")
            #expect(unknown.location == other.location)
            #expect(try await world.deliveredMail().isEmpty)
            #expect(try await ContractLink.query(on: world.app.db).count() == 0)
            let list = try await browser.get("/profile/contracts")
            #expect(list.body.contains("boss@gmail.example"), "listed as pending, like a real one")
        }
    }

    @Test func malformedInputIsRefusedNextToTheField() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/contracts/add")
            let short = try await browser.post(
                "/contracts/add", ["number": "7407010009990", "email": "buh@romashka.example"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.body.contains("Номер договора состоит из 14 цифр"))
            #expect(short.body.contains("value=\"buh@romashka.example\""), "the valid e-mail is kept")
            let letters = try await browser.post("/contracts/add", ["number": "7407O100099901", "email": "no-at-sign"])
            #expect(letters.body.contains("Номер договора состоит из 14 цифр"))
            #expect(letters.body.contains(EmailAddress.invalidMessage))
            let empty = try await browser.post("/contracts/add", [:])
            #expect(empty.body.components(separatedBy: "Заполните поле").count == 3)
            #expect(try await world.count("contract_additions") == 0)
        }
    }

    @Test func aLinkExpiresAfter24HoursAndTheJobRemovesTheAddition() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/contracts/add")
            try await browser.post("/contracts/add", ["number": Self.number, "email": "energo@romashka.example"])
            try await browser.post("/contracts/add", ["number": Self.number, "email": "someone@else.example"])
            guard let letter = try await world.deliveredMail().first, let path = linkPath(in: letter) else {
                Issue.record("no letter")
                return
            }
            world.clock.advance(23 * 3600)
            #expect(try await browser.get(path).status == .ok)
            try await Housekeeping.run(world.app)
            #expect(try await world.count("contract_additions") == 2)
            world.clock.advance(3600 + 1)
            #expect(try await browser.get(path).status == .notFound)
            try await Housekeeping.run(world.app)
            #expect(try await world.count("contract_additions") == 0)
            #expect(try await ContractLink.query(on: world.app.db).count() == 0)
        }
    }

    @Test(arguments: Role.allCases)
    func everyRoleSeesDownloadsAndRemovesItsContract(role: Role) async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await link(world, "buh@romashka.ru", role)
            let home = try await browser.get("/")
            #expect(home.body.contains("/contracts/\(Self.number)"))
            #expect(home.body.contains(role.title))
            let page = try await browser.get("/contracts/\(Self.number)")
            #expect(page.status == .ok)
            for text in [
                "Договор № \(Self.number)", "ООО «Ромашка»", "7707083893", "30101810400000000225", "01234567",
                "Меркурий 230 ART-03", "A+ День, A+ Ночь", "Скачать", "Удалить договор", "Ценовая категория",
                role.title,
            ] {
                #expect(page.body.contains(text), "\(text)")
            }
            // «Скачать»: the same card as a workbook our reader opens.
            var download: (HTTPStatus, Data, String?) = (.ok, Data(), nil)
            try await world.app.testing().test(
                .GET, "/contracts/\(Self.number)/download", headers: ["Cookie": "lkk_session=\(browser.cookie ?? "")"]
            ) { res async in
                download = (res.status, Data(buffer: res.body), res.headers.first(name: .contentDisposition))
            }
            #expect(download.0 == .ok)
            #expect(download.2?.contains("attachment") == true)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID()).xlsx")
            try download.1.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let workbook = try Workbook(url: file)
            #expect(workbook.sheetNames == ["Договор", "Приборы учета"])
            let meters = try workbook.rows(inSheet: "Приборы учета")
            #expect(meters.count == 2)
            #expect(meters.last?[4] == .string("01234567"))
            // Dates are dates, not text.
            #expect(meters.last?[9] == .date(try #require(ContractCard.isoDate("2024-05-01"))))
            let card = try workbook.rows(inSheet: "Договор")
            #expect(card.contains { $0[2] == .string(Self.number) })
            #expect(
                card.contains {
                    $0[1] == .string("Дата договора") && $0[2] == .date(ContractCard.isoDate("2020-03-15")!)
                })
            // «Удалить договор» → the confirmation → «Удалить».
            let confirm = try await browser.get("/contracts/\(Self.number)/remove")
            #expect(confirm.body.contains("Удалить"))
            let removed = try await browser.post("/contracts/\(Self.number)/remove")
            #expect(removed.location == "/profile/contracts")
            #expect(try await ContractLink.query(on: world.app.db).count() == 0)
            #expect(try await browser.get("/contracts/\(Self.number)").status == .notFound)
            let feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.map(\.kind) == ["contractUnlinked"])
        }
    }

    @Test func anotherAccountsContractIsNotFoundOnEveryRoute() async throws {
        try await withPortal { world in
            let owner = try await setUp(world, email: "owner@romashka.ru")
            try await link(world, "owner@romashka.ru", .administrator)
            let stranger = try await setUp(world, email: "stranger@vasilek.ru")
            for path in [
                "/contracts/\(Self.number)", "/contracts/\(Self.number)/download", "/contracts/\(Self.number)/remove",
                "/contracts/74070100000000", "/contracts/not-a-number",
            ] {
                let page = try await stranger.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(!page.body.contains("Ромашка"))
            }
            #expect(try await stranger.post("/contracts/\(Self.number)/remove").status == .notFound)
            #expect(try await ContractLink.query(on: world.app.db).count() == 1)
            #expect(try await owner.get("/contracts/\(Self.number)").status == .ok)
            // Signed out: to the sign-in page.
            #expect(try await TestBrowser(world).get("/contracts/\(Self.number)").location == "/login")
        }
    }

    @Test func aLinkLimitedToSomeEnergyObjectsShowsOnlyTheirMeters() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await link(world, "buh@romashka.ru", .powerEngineer, objects: ["EO-other"])
            let page = try await browser.get("/contracts/\(Self.number)")
            #expect(page.status == .ok)
            #expect(!page.body.contains("01234567"))
            #expect(page.body.contains("Нет приборов учета"))
        }
    }

    @Test func theCardShowsMetersFiftyAPage() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await link(world, "buh@romashka.ru", .manager)
            // 60 more meters on a second object «000102» (after «000101», whose meter «01234567» comes first).
            var meters: [JSONValue] = []
            var channels: [JSONValue] = []
            for index in 1...60 {
                meters.append([
                    "id": .string("M-P\(index)"), "energyObjectId": "EO-P",
                    "number": .string("7700" + BillingPeriod.padded(index, 4)),
                    "model": "Меркурий 234", "complexName": "ИК", "digits": 6, "ratio": 1, "hourly": false,
                    "status": "waiting",
                ])
                channels.append([
                    "id": .string("CH-P\(index)"), "meterId": .string("M-P\(index)"), "quantity": "activeImport",
                    "zone": "allDay",
                ])
            }
            let object: JSONValue = [
                "id": "EO-P", "contractId": "K-1", "code": "000102", "name": "Склад", "address": "г. Екатеринбург",
                "status": "waiting",
            ]
            let token = try await world.billingToken("card-paging")
            for (path, items) in [("energy-objects", [object]), ("meters", meters), ("meter-channels", channels)] {
                #expect(try await world.api(.PUT, path, token: token, body: ["items": .array(items)]).status == .ok)
            }
            let first = try await browser.get("/contracts/\(Self.number)")
            #expect(first.body.components(separatedBy: "<td>Меркурий 234</td>").count - 1 == 49)
            #expect(
                first.body.contains("01234567") && first.body.contains("77000049") && !first.body.contains("77000050"))
            #expect(first.body.contains("Приборы 1–50 из 61"))
            #expect(first.body.contains("href=\"/contracts/\(Self.number)?page=2\""))
            let second = try await browser.get("/contracts/\(Self.number)?page=2")
            #expect(second.body.contains("Приборы 51–61 из 61"))
            #expect(
                second.body.contains("77000050") && second.body.contains("77000060")
                    && !second.body.contains("01234567"))
            #expect(second.body.contains("<td>A+ Круглосуточно</td>"), "the page's meters have their channels")
            // Past the end: the last page; nonsense: the first.
            #expect(try await browser.get("/contracts/\(Self.number)?page=99").body.contains("Приборы 51–61 из 61"))
            #expect(try await browser.get("/contracts/\(Self.number)?page=abc").body.contains("Приборы 1–50 из 61"))
            // The download keeps every meter.
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let link = try await ContractLink.query(on: world.app.db).filter(\.$accountID == account.id!).first()!
            let all = try #require(try await ContractCard.load(number: Self.number, link: link, on: world.app.db.sql))
            #expect(all.meters.count == 61)
            #expect(all.channels.values.reduce(0) { $0 + $1.count } == 62)
            // A link limited to the first object counts and pages only its meter.
            let limitedLink = ContractLink(
                accountID: account.id!, contractID: "K-1", role: .powerEngineer, energyObjects: ["EO-1"],
                now: world.clock.now())
            let limited = try #require(
                try await ContractCard.load(number: Self.number, link: limitedLink, meterPage: 1, on: world.app.db.sql))
            #expect(limited.meterCount == 1)
            #expect(limited.meters.map(\.number) == ["01234567"])
            #expect(limited.channels["M-1"]?.count == 2)
        }
    }

    @Test func theDatabaseHoldsAtMostOneAdministratorPerContract() async throws {
        try await withPortal { world in
            _ = try await setUp(world, email: "first@romashka.ru")
            _ = try await setUp(world, email: "second@romashka.ru")
            try await link(world, "first@romashka.ru", .administrator)
            try await link(world, "second@romashka.ru", .manager)
            let second = try await ContractLink.query(on: world.app.db).filter(\.$roleName == "manager").first()!
            second.roleName = Role.administrator.rawValue
            await #expect(throws: (any Error).self) { try await second.update(on: world.app.db) }
            #expect(try await world.count("contract_links", where: "role = 'administrator'") == 1)
        }
    }
}
