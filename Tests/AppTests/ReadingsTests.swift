import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

@Suite struct ReadingsTests {
    static let number = ContractTests.number
    let day = ReadingFields.value("CH-1")
    let night = ReadingFields.value("CH-2")
    let rollover = ReadingFields.rollover("M-1")

    /// The sample contract with a previous reading on both channels, and a browser holding it with `role`.
    func setUp(_ world: TestWorld, role: Role, objects: [String]? = nil) async throws -> TestBrowser {
        let browser = try await ContractTests().setUp(world)
        guard case .object(var night) = BillingSamples.reading else { fatalError() }
        night["id"] = "R-2"
        night["channelId"] = "CH-2"
        night["value"] = "999990"
        try await world.api(
            .PUT, "readings", token: try await world.billingToken("t2"), body: ["items": [.object(night)]])
        try await ContractTests().link(world, "buh@romashka.ru", role, objects: objects)
        return browser
    }

    func submitted(_ world: TestWorld) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try await world.app.db.sql.select().columns("channel_id", "value_milli")
            .from("submitted_readings").all()
        {
            out[try row.decode(column: "channel_id", as: String.self)] = try row.decode(
                column: "value_milli", as: Int64.self)
        }
        return out
    }

    @Test func longContractsArePagedAfterFiltering() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            // 24 more objects (codes 000102…000125), each with one meter «9000xxxx» and one channel.
            var objects: [JSONValue] = []
            var meters: [JSONValue] = []
            var channels: [JSONValue] = []
            for index in 2...25 {
                let code = "0001" + BillingPeriod.padded(index, 2)
                objects.append([
                    "id": .string("EO-\(index)"), "contractId": "K-1", "code": .string(code),
                    "name": .string("Склад \(index)"), "address": "г. Екатеринбург", "status": "waiting",
                ])
                meters.append([
                    "id": .string("M-\(index)"), "energyObjectId": .string("EO-\(index)"),
                    "number": .string("9000" + BillingPeriod.padded(index, 4)), "model": "Меркурий 230",
                    "complexName": "ИК", "digits": 6, "ratio": 1, "hourly": false, "status": "waiting",
                ])
                channels.append([
                    "id": .string("CH-X\(index)"), "meterId": .string("M-\(index)"), "quantity": "activeImport",
                    "zone": "allDay",
                ])
            }
            let token = try await world.billingToken("paging")
            for (path, items) in [("energy-objects", objects), ("meters", meters), ("meter-channels", channels)] {
                #expect(try await world.api(.PUT, path, token: token, body: ["items": .array(items)]).status == .ok)
            }
            let first = try await browser.get("/readings?contract=\(Self.number)")
            #expect(first.body.components(separatedBy: "<details class=\"eo\"").count == 21, "20 objects a page")
            #expect(first.body.contains("90000020") && !first.body.contains("90000021"))
            #expect(first.body.contains("page=2"))
            let second = try await browser.get("/readings?contract=\(Self.number)&page=2")
            #expect(second.body.components(separatedBy: "<details class=\"eo\"").count == 6)
            for index in 21...25 {
                #expect(second.body.contains("9000" + BillingPeriod.padded(index, 4)), "meter of object \(index)")
            }
            #expect(!second.body.contains("01234567"), "the first page's meter is not on the second")
            // A filter narrows before paging: «Склад 25» is alone on page 1.
            let filtered = try await browser.get(
                "/readings?contract=\(Self.number)&q=%D0%A1%D0%BA%D0%BB%D0%B0%D0%B4%2025")
            #expect(filtered.body.components(separatedBy: "<details class=\"eo\"").count == 2)
            #expect(filtered.body.contains("90000025"))
            // A page past the end shows the last one.
            let beyond = try await browser.get("/readings?contract=\(Self.number)&page=9")
            #expect(beyond.body.contains("90000025") && !beyond.body.contains("90000020"))
        }
    }

    @Test func aWholeContractReadInOneQueryIsWhatItsPageReadsObjectByObject() async throws {
        try await withPortal { world in
            _ = try await setUp(world, role: .manager)
            // EO-0 (code 000050, before EO-1's 000101) with an hourly meter «00000002» and a meter «00000001».
            let token = try await world.billingToken("whole")
            let items: [(String, [JSONValue])] = [
                (
                    "energy-objects",
                    [
                        [
                            "id": "EO-0", "contractId": "K-1", "code": "000050", "name": "Склад", "address": "г. Пермь",
                            "status": "accepted",
                        ]
                    ]
                ),
                (
                    "meters",
                    [
                        [
                            "id": "M-H", "energyObjectId": "EO-0", "number": "00000002", "model": "СЭТ-4ТМ",
                            "complexName": "ИК Склад", "digits": 7, "ratio": 2, "hourly": true, "status": "waiting",
                        ],
                        [
                            "id": "M-0", "energyObjectId": "EO-0", "number": "00000001", "model": "Меркурий 230",
                            "complexName": "ИК", "digits": 5, "ratio": 1, "hourly": false, "status": "accepted",
                        ],
                    ]
                ),
                (
                    "meter-channels",
                    [
                        ["id": "CH-H", "meterId": "M-H", "quantity": "activeImport", "zone": "allDay"],
                        ["id": "CH-R", "meterId": "M-H", "quantity": "reactiveImport", "zone": "allDay"],
                        ["id": "CH-0", "meterId": "M-0", "quantity": "activeImport", "zone": "allDay"],
                    ]
                ),
            ]
            for (path, list) in items {
                #expect(try await world.api(.PUT, path, token: token, body: ["items": .array(list)]).status == .ok)
            }
            let sql = world.app.db.sql
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let now = world.clock.now()
            for (channel, period, value) in [
                ("CH-1", "2026-11", 12_400_000), ("CH-H", "2026-11", 5_000), ("CH-0", "2026-10", 7),
            ] {
                try await sql.insert(into: "submitted_readings")
                    .columns(
                        "id", "contract_id", "channel_id", "period", "value_milli", "account_id", "source",
                        "submitted_at"
                    )
                    .values(
                        SQLBind(UUID()), SQLBind("K-1"), SQLBind(channel), SQLBind(period), SQLBind(Int64(value)),
                        SQLBind(account.id!), SQLBind("form"), SQLBind(now)
                    ).run()
            }
            // Two acts of M-H this month (the later one counts) and one of last month.
            for (period, total, seconds) in [("2026-11", 100_000, 0.0), ("2026-11", 250_000, 60), ("2026-10", 9, 120)] {
                try await sql.insert(into: "interval_acts")
                    .columns(
                        "id", "contract_id", "meter_id", "channel_id", "period", "kind", "status", "total_milli",
                        "hourly_values", "file_name", "file_data", "account_id", "created_at"
                    )
                    .values(
                        SQLBind(UUID()), SQLBind("K-1"), SQLBind("M-H"), SQLBind("CH-H"), SQLBind(period),
                        SQLBind("primary"), SQLBind("waiting"), SQLBind(Int64(total)), SQLBind("[]"),
                        SQLBind("a.xlsx"), SQLBind(Data()), SQLBind(account.id!),
                        SQLBind(now.addingTimeInterval(seconds))
                    ).run()
            }
            func describe(_ data: ReadingsData) -> [String] {
                data.objects.flatMap { object in
                    [
                        "\(object.id) \(object.code) \(object.name) \(object.address) \(object.status?.rawValue ?? "-") \(object.meterCount)"
                    ]
                        + object.meters.flatMap { meter in
                            [
                                "  \(meter.id) \(meter.number) \(meter.complexName) \(meter.ratio) \(meter.digits) \(meter.status?.rawValue ?? "-") \(meter.hourly) \(meter.intervalTotal.map { String($0) } ?? "-")"
                            ]
                                + meter.channels.map { channel in
                                    "    \(channel.id) \(channel.quantity?.rawValue ?? "-") \(channel.zone?.rawValue ?? "-") \(channel.previous.map { String($0) } ?? "-") \(channel.previousDate ?? "-") \(channel.submitted.map { String($0) } ?? "-")"
                                }
                        }
                }
            }
            let period = BillingPeriod(year: 2026, month: 11)!
            let (contract, link) = try await ReadingsData.contracts(of: account.id!, on: sql)[0]
            let whole = try await ReadingsData.load(contract, link: link, period: period, on: sql)
            let paged = try await ReadingsData.loadPage(contract, link: link, period: period, filters: .init(), on: sql)
            #expect(describe(whole) == describe(paged))
            #expect(
                describe(whole) == [
                    "EO-0 000050 Склад г. Пермь accepted 2",
                    "  M-0 00000001 ИК 1 5 accepted false -",
                    "    CH-0 activeImport allDay - - -",
                    "  M-H 00000002 ИК Склад 2 7 waiting true 250000",
                    "    CH-H activeImport allDay - - 5000",
                    "    CH-R reactiveImport allDay - - -",
                    "EO-1 000101 Цех № 1 620014, г. Екатеринбург, ул. Ленина, д. 1 waiting 1",
                    "  M-1 01234567 ИК Цех № 1 40 6 waiting false -",
                    "    CH-1 activeImport day 12345678 2026-11-01 12400000",
                    "    CH-2 activeImport night 999990000 2026-11-01 -",
                ], "\(describe(whole).joined(separator: "\n"))")
            // A link limited to EO-1 reads only EO-1, both ways.
            let limited = ReadingsData.Link(role: .powerEngineer, energyObjectIDs: "EO-1")
            let wholeLimited = try await ReadingsData.load(contract, link: limited, period: period, on: sql)
            #expect(wholeLimited.objects.map(\.id) == ["EO-1"])
            #expect(
                describe(wholeLimited)
                    == describe(
                        try await ReadingsData.loadPage(
                            contract, link: limited, period: period, filters: .init(), on: sql))
            )
        }
    }

    /// Each channel keeps its latest accepted reading (`BillingSummary.latestReading`) whatever order billing sends
    /// readings in, and a page still shows the last closed period's once a later one has come.
    @Test func channelsKeepTheirLatestAcceptedReading() async throws {
        try await withPortal { world in
            _ = try await setUp(world, role: .powerEngineer)
            let sql = world.app.db.sql
            let token = try await world.billingToken("t3")
            func send(_ id: String, _ channel: String, _ period: String, _ value: String, _ readOn: String)
                async throws
            {
                let item: JSONValue = [
                    "id": .string(id), "channelId": .string(channel), "period": .string(period),
                    "value": .string(value), "readOn": .string(readOn),
                ]
                #expect(try await world.api(.PUT, "readings", token: token, body: ["items": [item]]).status == .ok)
            }
            // What the channels keep, and the same worked out from the readings.
            func kept() async throws -> [String] {
                try await sql.raw(
                    """
                    SELECT id, latest_period, latest_value_milli, latest_read_on FROM meter_channels
                    WHERE contract_id = 'K-1' ORDER BY id
                    """
                ).all().map {
                    let period = try $0.decode(column: "latest_period", as: String?.self)
                    let value = try $0.decode(column: "latest_value_milli", as: Int64?.self)
                    let readOn = try $0.decode(column: "latest_read_on", as: String?.self)
                    return
                        "\(try $0.decode(column: "id", as: String.self)) \(period ?? "-") \(value.map { String($0) } ?? "-") \(readOn ?? "-")"
                }
            }
            func workedOut() async throws -> [String] {
                try await sql.raw(
                    """
                    SELECT k.id, (SELECT a.period || ' ' || a.value_milli || ' ' || a.read_on FROM accepted_readings a
                                  WHERE a.channel_id = k.id ORDER BY a.period DESC LIMIT 1) AS latest
                    FROM meter_channels k WHERE k.contract_id = 'K-1' ORDER BY k.id
                    """
                ).all().map {
                    "\(try $0.decode(column: "id", as: String.self)) \(try $0.decode(column: "latest", as: String?.self) ?? "- - -")"
                }
            }
            // The page's previous readings (the closed period is 2026-10), read both ways.
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let (contract, link) = try await ReadingsData.contracts(of: account.id!, on: sql)[0]
            let period = BillingPeriod(year: 2026, month: 11)!
            func shown() async throws -> [String] {
                let paged = try await ReadingsData.loadPage(
                    contract, link: link, period: period, filters: .init(), on: sql)
                let whole = try await ReadingsData.load(contract, link: link, period: period, on: sql)
                func previous(_ data: ReadingsData) -> [String] {
                    data.objects.flatMap(\.meters).flatMap(\.channels).map {
                        "\($0.id) \($0.previous.map { String($0) } ?? "-") \($0.previousDate ?? "-")"
                    }.sorted()
                }
                #expect(previous(paged) == previous(whole))
                return previous(paged)
            }

            #expect(try await kept() == ["CH-1 2026-10 12345678 2026-11-01", "CH-2 2026-10 999990000 2026-11-01"])
            let closed = ["CH-1 12345678 2026-11-01", "CH-2 999990000 2026-11-01"]
            #expect(try await shown() == closed)
            // An earlier period sent later changes nothing.
            try await send("R-0", "CH-1", "2026-09", "12000", "2026-10-01")
            #expect(try await kept() == ["CH-1 2026-10 12345678 2026-11-01", "CH-2 2026-10 999990000 2026-11-01"])
            // A later period is kept, and the page still shows the closed one's.
            try await send("R-3", "CH-1", "2026-11", "12500.5", "2026-12-01")
            #expect(try await kept() == ["CH-1 2026-11 12500500 2026-12-01", "CH-2 2026-10 999990000 2026-11-01"])
            #expect(try await shown() == closed)
            // The same reading sent again for the other channel leaves the first one its own latest.
            try await send("R-3", "CH-2", "2026-11", "999999", "2026-12-02")
            #expect(try await kept() == ["CH-1 2026-10 12345678 2026-11-01", "CH-2 2026-11 999999000 2026-12-02"])
            #expect(try await shown() == closed)
            #expect(try await kept() == (try await workedOut()))
            // A correction of the closed period's value shows at once.
            try await send("R-1", "CH-1", "2026-10", "12345.7", "2026-11-01")
            #expect(try await shown() == ["CH-1 12345700 2026-11-01", "CH-2 999990000 2026-11-01"])
            #expect(try await kept() == (try await workedOut()))
            // What the migration does for readings stored before it.
            let before = try await kept()
            try await sql.raw("UPDATE meter_channels SET latest_period = NULL, latest_value_milli = NULL").run()
            try await BillingSummary.latestReading.refreshAll(on: sql)
            #expect(try await kept() == before)
        }
    }

    /// Each energy object keeps its number of meters (`BillingSummary.meterCount`) as billing adds meters and
    /// moves them between objects, and the pages are cut by it.
    @Test func objectsKeepTheirNumberOfMeters() async throws {
        try await withPortal { world in
            _ = try await setUp(world, role: .powerEngineer)
            let sql = world.app.db.sql
            let token = try await world.billingToken("t3")
            func send(_ path: String, _ item: JSONValue) async throws {
                #expect(try await world.api(.PUT, path, token: token, body: ["items": [item]]).status == .ok)
            }
            func meter(_ id: String, on object: String) -> JSONValue {
                [
                    "id": .string(id), "energyObjectId": .string(object), "number": .string("7700" + id.suffix(1)),
                    "model": "Меркурий 230", "complexName": "ИК", "digits": 6, "ratio": 1, "hourly": false,
                    "status": "waiting",
                ]
            }
            func kept() async throws -> [String] {
                try await sql.raw("SELECT id, meter_count FROM energy_objects WHERE contract_id = 'K-1' ORDER BY id")
                    .all().map {
                        "\(try $0.decode(column: "id", as: String.self)) \(try $0.decode(column: "meter_count", as: Int.self))"
                    }
            }
            func counted() async throws -> [String] {
                try await sql.raw(
                    """
                    SELECT o.id, (SELECT count(*) FROM meters m WHERE m.energy_object_id = o.id) AS n
                    FROM energy_objects o WHERE o.contract_id = 'K-1' ORDER BY o.id
                    """
                ).all().map {
                    "\(try $0.decode(column: "id", as: String.self)) \(try $0.decode(column: "n", as: Int.self))"
                }
            }
            #expect(try await kept() == ["EO-1 1"])
            try await send(
                "energy-objects",
                [
                    "id": "EO-2", "contractId": "K-1", "code": "000102", "name": "Склад", "address": "г. Екатеринбург",
                    "status": "waiting",
                ])
            try await send("meters", meter("M-2", on: "EO-1"))
            try await send("meters", meter("M-3", on: "EO-1"))
            #expect(try await kept() == ["EO-1 3", "EO-2 0"])
            // A meter sent again for another object leaves the first one.
            try await send("meters", meter("M-3", on: "EO-2"))
            #expect(try await kept() == ["EO-1 2", "EO-2 1"])
            // An object sent again keeps its count.
            try await send(
                "energy-objects",
                [
                    "id": "EO-2", "contractId": "K-1", "code": "000102", "name": "Склад № 2",
                    "address": "г. Екатеринбург", "status": "waiting",
                ])
            #expect(try await kept() == ["EO-1 2", "EO-2 1"])
            #expect(try await kept() == (try await counted()))
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let (contract, link) = try await ReadingsData.contracts(of: account.id!, on: sql)[0]
            let data = try await ReadingsData.loadPage(
                contract, link: link, period: BillingPeriod(year: 2026, month: 11)!, filters: .init(), on: sql)
            #expect(data.objects.map { "\($0.id) \($0.meterCount) \($0.meters.count)" } == ["EO-1 2 2", "EO-2 1 1"])
            // What the migration does for meters stored before it.
            try await sql.raw("UPDATE energy_objects SET meter_count = 0").run()
            try await BillingSummary.meterCount.refreshAll(on: sql)
            #expect(try await kept() == ["EO-1 2", "EO-2 1"])
        }
    }

    @Test func pagesHoldTwentyObjectsOrFiftyMeters() {
        func objects(_ meters: [Int]) -> [ReadingsData.Object] {
            meters.enumerated().map { index, count in
                ReadingsData.Object(
                    id: "o\(index)", code: String(index), name: "", address: "", status: .waiting, meters: [],
                    meterCount: count)
            }
        }
        #expect(ReadingsData.pages(objects(Array(repeating: 1, count: 25))) == [0..<20, 20..<25])
        #expect(
            ReadingsData.pages(objects(Array(repeating: 10, count: 50))).map(\.count) == Array(repeating: 5, count: 10))
        // Whole objects: one with more than 50 meters has its own page.
        #expect(ReadingsData.pages(objects([30, 30, 60, 10, 40, 45])) == [0..<1, 1..<2, 2..<3, 3..<5, 5..<6])
        #expect(ReadingsData.pages(objects([])) == [0..<0])
        #expect(ReadingsData.page(99, of: objects([30, 30, 60])).page == 3, "past the end: the last page")
        #expect(ReadingsData.page(99, of: objects([30, 30, 60])).count == 3)
        #expect(ReadingsData.page(0, of: objects([30, 30, 60])).range == 0..<1)
    }

    @Test func fieldNamesCarryTheChannelIdAsHex() {
        #expect(ReadingFields.hex("K-1") == "4b2d31")
        #expect(ReadingFields.hex("Ж/7") == "d0962f37")
        #expect(ReadingFields.unhex(ReadingFields.hex("канал №12 A+")) == "канал №12 A+")
        #expect(ReadingFields.unhex("4g") == nil)
    }

    @Test(arguments: [Role.powerEngineer, .manager, .administrator])
    func rolesThatSubmitSeeTheMetersAndSend(role: Role) async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: role)
            let page = try await browser.get("/readings")
            #expect(page.status == .ok)
            for text in [
                "Цех № 1", "01234567", "ИК Цех № 1", "A+", "День", "Ночь", "12\u{202F}345,678", "Ожидание",
                "Передать показания", "Расчетный период: ноябрь 2026",
            ] {
                #expect(page.body.contains(text), "\(text)")
            }
            let sent = try await browser.post(
                "/readings", ["contract": Self.number, day: "12445,678", night: "999995.5"])
            #expect(sent.location == "/readings?contract=\(Self.number)&saved=1")
            #expect(try await submitted(world) == ["CH-1": 12_445_678, "CH-2": 999_995_500])
            let after = try await browser.get(sent.location ?? "")
            #expect(after.body.contains("Показания сохранены"))
            #expect(after.body.contains("value=\"12445,678\""), "the sent value stays in the input")
            #expect(after.body.contains("4\u{202F}000"), "«Расход по ПУ»: 100 × 40")
            #expect(after.body.contains("aria-label=\"Показания переданы\""))
            let feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
                .filter { $0.kind == "reading" }
            #expect(feed.count == 2)
            #expect(feed.last?.data["value"] == "999995.500")
            // Each entry whole, in the channels' order, and the one audit entry, stored with the readings.
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            #expect(
                feed.map(\.data) == [
                    [
                        "contractId": "K-1", "meterId": "M-1", "channelId": "CH-1", "period": "2026-11",
                        "value": "12445.678", "rollover": false, "source": "form",
                        "accountId": .string(account.id!.uuidString),
                    ],
                    [
                        "contractId": "K-1", "meterId": "M-1", "channelId": "CH-2", "period": "2026-11",
                        "value": "999995.500", "rollover": false, "source": "form",
                        "accountId": .string(account.id!.uuidString),
                    ],
                ])
            #expect(feed.map(\.entityID) == ["CH-1", "CH-2"])
            let audit = try await AuditLog.recent(accountID: account.id!, on: world.app.db)
                .filter { $0.action == "readings.submitted" }
            #expect(audit.count == 1)
            #expect(audit.first?.subject == Self.number)
            #expect(audit.first?.actor == "account")
            #expect(audit.first?.details == #"{"channels":"2","period":"2026-11","source":"form"}"#)
        }
    }

    /// «Показания» offers the contracts whose role may submit readings; the chosen one is the contract asked
    /// for, else the first of them, and a contract not offered is a 404.
    @Test func thePageChoosesAContractTheAccountMaySubmitOn() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            // «K-0» comes first by number but its role may not submit; «K-2» comes last, with an object.
            let token = try await world.billingToken("choice")
            var contracts: [JSONValue] = []
            for (id, number) in [("K-0", "74070100000001"), ("K-2", "74070100099999")] {
                guard case .object(var contract) = BillingSamples.contract else { fatalError() }
                contract["id"] = .string(id)
                contract["number"] = .string(number)
                contracts.append(.object(contract))
            }
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": .array(contracts)]).status == .ok)
            let added: [JSONValue] = [
                [
                    "id": "EO-K2", "contractId": "K-2", "code": "000900", "name": "Котельная",
                    "address": "г. Екатеринбург, ул. Мира, д. 9", "status": "accepted",
                ],
                [
                    "id": "EO-K2b", "contractId": "K-2", "code": "000050", "name": "Проходная",
                    "address": "г. Екатеринбург, ул. Мира, д. 9а", "status": "waiting",
                ],
            ]
            #expect(
                try await world.api(.PUT, "energy-objects", token: token, body: ["items": .array(added)]).status
                    == .ok)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            for (contract, role) in [("K-0", Role.accountant), ("K-2", Role.manager)] {
                try await ContractLink(accountID: account.id!, contractID: contract, role: role, now: world.clock.now())
                    .create(on: world.app.db)
            }
            let sql = world.app.db.sql
            let offered = try await ReadingsData.contracts(of: account.id!, on: sql)
            #expect(offered.map { $0.0.id } == ["K-1", "K-2"], "the accountant's «K-0» is not offered")
            #expect(try ReadingsData.pick(nil, among: offered)?.0.id == "K-1")
            #expect(try ReadingsData.pick("74070100099999", among: offered)?.0.id == "K-2")
            #expect(throws: Abort.self, "not offered: a 404") {
                try ReadingsData.pick("74070100000001", among: offered)
            }
            let objects = try await ReadingsData.ObjectRow.all(ofContract: "K-2", on: sql)
            #expect(objects.map { $0.id } == ["EO-K2b", "EO-K2"], "by code")

            let page = try await browser.get("/readings?contract=74070100099999")
            #expect(page.status == .ok)
            #expect(page.body.contains("Котельная") && !page.body.contains("Цех № 1"))
            #expect(try await browser.get("/readings").body.contains("Цех № 1"))
            #expect(try await browser.get("/readings?contract=74070100000001").status == .notFound)
        }
    }

    /// The status follows what was sent: once every channel of the waiting meter is sent this period, the
    /// meter and its object read «Переданы», the status filter finds them so, and the values can still be
    /// corrected; the page says what each status means.
    @Test func theStatusFollowsTheReadingsSentThisPeriod() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            func page(_ status: String = "") async throws -> String {
                try await browser.get("/readings?contract=\(Self.number)&status=\(status)").body
            }
            var before = try await page()
            #expect(before.contains("<span class=\"badge-status\">Ожидание</span>"))
            #expect(
                before.contains("Что означают статусы показаний")
                    && before.contains("до закрытия периода их можно исправить"))
            before = try await page("submitted")
            #expect(before.contains("Нет энергообъектов, подходящих под фильтр"))
            let sent = try await browser.post(
                "/readings", ["contract": Self.number, day: "12445,678", night: "999995.5"])
            #expect(sent.location?.contains("saved=1") == true)
            let after = try await page()
            #expect(after.contains("<span class=\"badge-status\">Переданы</span>"))
            #expect(after.contains(">Переданы</td>"), "the meter too")
            #expect(!after.contains("disabled"), "still open for a correction")
            let filtered = try await page("submitted")
            #expect(filtered.contains("Цех № 1") && !filtered.contains("Нет энергообъектов, подходящих под фильтр"))
            #expect(try await page("waiting").contains("Нет энергообъектов, подходящих под фильтр"))
        }
    }

    @Test func anAccountantAndAStrangerCannotSubmit() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .accountant)
            let page = try await browser.get("/readings")
            #expect(page.body.contains("Нет договоров, по которым вам доступна передача показаний"))
            #expect(try await browser.get("/readings?contract=\(Self.number)").status == .notFound)
            #expect(
                try await browser.post("/readings", ["contract": Self.number, day: "1", night: "1"]).status == .notFound
            )
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            #expect(try await stranger.get("/readings?contract=\(Self.number)").status == .notFound)
            #expect(
                try await stranger.post("/readings", ["contract": Self.number, day: "1", night: "1"]).status
                    == .notFound)
            #expect(try await submitted(world).isEmpty)
            #expect(try await TestBrowser(world).get("/readings").location == "/login")
        }
    }

    @Test func aMeterIsSentForAllZonesAndErrorsStandNextToTheField() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            try await browser.get("/readings")
            let half = try await browser.post("/readings", ["contract": Self.number, day: "12445,678"])
            #expect(half.status == .unprocessableEntity)
            #expect(half.body.contains("Заполните поле"))
            #expect(half.body.contains("value=\"12445,678\""), "the valid value is kept")
            let wrong = try await browser.post("/readings", ["contract": Self.number, day: "abc", night: "1000000"])
            #expect(wrong.body.contains(RegisterReading.Problem.notANumber.message))
            #expect(wrong.body.contains(RegisterReading.Problem.beyondRegister(digits: 6).message))
            let below = try await browser.post("/readings", ["contract": Self.number, day: "12000", night: "10"])
            #expect(below.body.contains(RegisterReading.Problem.belowPrevious.message))
            #expect(try await submitted(world).isEmpty)
            // The night register went through zero: confirmed, it is sent.
            let confirmed = try await browser.post(
                "/readings", ["contract": Self.number, day: "12445,678", night: "10", rollover: "on"])
            #expect(confirmed.location?.contains("saved=1") == true)
            #expect(try await submitted(world) == ["CH-1": 12_445_678, "CH-2": 10_000])
            let feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.last?.data["rollover"] == .bool(true))
        }
    }

    @Test func correctionsReplaceAndUnchangedValuesAreNotResent() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .manager)
            try await browser.get("/readings")
            try await browser.post("/readings", ["contract": Self.number, day: "12400", night: "999991"])
            try await browser.post("/readings", ["contract": Self.number, day: "12400", night: "999991"])
            var feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.count == 2, "the same values again are not new")
            try await browser.post("/readings", ["contract": Self.number, day: "12401", night: "999991"])
            #expect(try await submitted(world) == ["CH-1": 12_401_000, "CH-2": 999_991_000])
            feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.count == 4)
            // Billing closes the period: the submitted values become the previous ones.
            let result = try await PeriodClosing.close(
                now: world.clock.now(), timeZone: world.app.portal.config.timeZone, on: world.app.db)
            #expect(result.readings == 2)
            let page = try await browser.get("/readings")
            #expect(page.body.contains("Расчетный период: декабрь 2026"))
            #expect(page.body.contains("12\u{202F}401"))
            // …and a submission now goes to the new period.
            let next = try await browser.post("/readings", ["contract": Self.number, day: "12500", night: "999999"])
            #expect(next.location?.contains("saved=1") == true)
            let periods = try await world.app.db.sql.raw(
                "SELECT period, value_milli FROM submitted_readings WHERE value_milli = 12500000"
            ).all().map { try $0.decode(column: "period", as: String.self) }
            #expect(periods == ["2026-12"])
        }
    }

    @Test func closedStatusesAndEnergyObjectLimitsStopInput() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            try await world.app.db.sql.update("meters").set("status", to: "accepted").run()
            let page = try await browser.get("/readings")
            #expect(page.body.contains("disabled"))
            let refused = try await browser.post("/readings", ["contract": Self.number, day: "12400", night: "999991"])
            #expect(refused.body.contains(ReadingsSubmission.closedMessage))
            #expect(try await submitted(world).isEmpty)
        }
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer, objects: ["EO-other"])
            let page = try await browser.get("/readings")
            #expect(!page.body.contains("01234567"))
            let ignored = try await browser.post("/readings", ["contract": Self.number, day: "12400", night: "999991"])
            #expect(ignored.location?.contains("saved=1") == true)
            #expect(try await submitted(world).isEmpty, "values for objects outside the link are ignored")
        }
    }
}
