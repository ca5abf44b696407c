import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import XLSX

@testable import App

@Suite struct ReadingsIntervalTests {
    static let number = "74070100099903"

    /// The sample contract plus a category III contract with one hourly meter; a browser holding the latter.
    func setUp(_ world: TestWorld) async throws -> TestBrowser {
        let browser = try await ContractTests().setUp(world)
        let token = try await world.billingToken("interval")
        guard case .object(var contract) = BillingSamples.contract else { fatalError() }
        contract["id"] = "K-3"
        contract["number"] = .string(Self.number)
        contract["priceCategory"] = 3
        let batches: [(String, JSONValue)] = [
            ("contracts", .object(contract)),
            (
                "energy-objects",
                [
                    "id": "EO-3", "contractId": "K-3", "code": "000301", "name": "Литейный цех",
                    "address": "г. Екатеринбург, ул. Титова, д. 1", "status": "waiting",
                ]
            ),
            (
                "meters",
                [
                    "id": "M-3", "energyObjectId": "EO-3", "number": "55500001", "model": "СЭТ-4ТМ.03М",
                    "complexName": "ИК Литейный цех", "digits": 6, "ratio": 1, "hourly": true, "status": "waiting",
                ]
            ),
            ("meter-channels", ["id": "CH-3", "meterId": "M-3", "quantity": "activeImport", "zone": "allDay"]),
            (
                "readings",
                ["id": "R-3", "channelId": "CH-3", "period": "2026-10", "value": "1000", "readOn": "2026-11-01"]
            ),
        ]
        for (path, item) in batches {
            #expect(try await world.api(.PUT, path, token: token, body: ["items": [item]]).status == .ok)
        }
        let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
        try await ContractLink(accountID: account.id!, contractID: "K-3", role: .powerEngineer, now: world.clock.now())
            .create(on: world.app.db)
        return browser
    }

    /// A profile in the manual's Table 2 layout; `value(day, hour)` nil leaves the cell empty.
    func profile(_ period: BillingPeriod, value: @escaping (Int, Int) -> CellValue?) throws -> Data {
        try workbook(period, sheets: [("55500001", value)])
    }

    /// Sheets in the Table 2 layout, each named and filled by its own `value(day, hour)`.
    func workbook(_ period: BillingPeriod, sheets: [(String, (Int, Int) -> CellValue?)]) throws -> Data {
        let writer = try WorkbookWriter()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let dates: [CellValue?] = (1...period.dayCount).map {
            .date(calendar.date(from: DateComponents(year: period.year, month: period.month, day: $0))!)
        }
        for (name, value) in sheets {
            let sheet = try writer.addSheet(name)
            try writer.appendRow([.string("Время")] + dates, to: sheet, bold: true)
            for hour in 0..<24 {
                try writer.appendRow(
                    [.string(IntervalProfile.hourLabels[hour])] + (1...period.dayCount).map { value($0, hour) },
                    to: sheet)
            }
        }
        return try writer.finish()
    }

    /// Adds a second hourly meter «55500002» on a second object EO-4 of K-3.
    func addSecondMeter(_ world: TestWorld) async throws {
        let token = try await world.billingToken("interval-2")
        let batches: [(String, JSONValue)] = [
            (
                "energy-objects",
                [
                    "id": "EO-4", "contractId": "K-3", "code": "000302", "name": "Кузнечный цех",
                    "address": "г. Екатеринбург, ул. Титова, д. 3", "status": "waiting",
                ]
            ),
            (
                "meters",
                [
                    "id": "M-4", "energyObjectId": "EO-4", "number": "55500002", "model": "СЭТ-4ТМ.03М",
                    "complexName": "ИК Кузнечный цех", "digits": 6, "ratio": 1, "hourly": true, "status": "waiting",
                ]
            ),
            ("meter-channels", ["id": "CH-4", "meterId": "M-4", "quantity": "activeImport", "zone": "allDay"]),
        ]
        for (path, item) in batches {
            #expect(try await world.api(.PUT, path, token: token, body: ["items": [item]]).status == .ok)
        }
    }

    func postContract(_ browser: TestBrowser, _ data: Data, period: String) async throws -> TestBrowser.Page {
        try await browser.upload(
            "/readings/upload", fields: ["contract": Self.number, "kind": "interval-contract", "period": period],
            file: ("по договору.xlsx", data))
    }

    @Test func theContractTemplateHasASheetPerHourlyMeter() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await addSecondMeter(world)
            let page = try await browser.get("/readings/upload?contract=\(Self.number)&kind=interval-contract")
            #expect(page.body.contains("Интервальные по договору"))
            #expect(page.body.contains(">Скачать шаблон</a>"))
            let (status, data) = try await browser.download(
                "/readings/interval-template?contract=\(Self.number)&period=2026-10")
            #expect(status == .ok)
            let book = try Workbook(data: data)
            #expect(book.sheetNames == ["55500001", "55500002"])
            for name in book.sheetNames {
                let rows = try book.rows(inSheet: name)
                #expect(rows.count == 25 && rows[0].cells.count == 32 && rows[24][1] == .string("23-24"))
            }
            // An «Энергетик» limited to the first object gets only its meter's sheet.
            let link = try await ContractLink.query(on: world.app.db).filter(\.$contractID == "K-3").first()!
            link.energyObjectIDs = "EO-3"
            try await link.save(on: world.app.db)
            let (_, limited) = try await browser.download(
                "/readings/interval-template?contract=\(Self.number)&period=2026-10")
            #expect(try Workbook(data: limited).sheetNames == ["55500001"])
            #expect(
                try await browser.download(
                    "/readings/interval-template?contract=\(ContractTests.number)&period=2026-10"
                ).0 == .notFound, "no sheet for a contract without hourly meters")
        }
    }

    /// A contract's file and the acts read from it are one transaction.
    @Test func aContractFileAndItsActsAreStoredTogetherOrNotAtAll() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await addSecondMeter(world)
            let filled = try workbook(
                BillingPeriod(year: 2026, month: 10)!,
                sheets: [("55500001", { _, _ in .number(1) }), ("55500002", { _, _ in .number(2) })])
            _ = try await browser.download("/readings/interval-template?contract=\(Self.number)&period=2026-10")
            // Telling billing fails after the first act is written: neither the acts nor the file stay.
            try await world.app.db.sql.raw("DROP TABLE billing_feed").run()
            let page = try await postContract(browser, filled, period: "2026-10")
            #expect(page.status == .internalServerError)
            #expect(try await world.count("reading_uploads") == 0)
            #expect(try await world.count("interval_acts") == 0)
        }
    }

    @Test func aContractFileSavesEachGoodSheetAndReportsTheRestBySheetAndCell() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await addSecondMeter(world)
            let october = BillingPeriod(year: 2026, month: 10)!
            // Our own template, filled: both sheets good → two primary acts.
            let (_, template) = try await browser.download(
                "/readings/interval-template?contract=\(Self.number)&period=2026-10")
            let filled = try workbook(
                october, sheets: [("55500001", { _, _ in .number(1) }), ("55500002", { _, _ in .number(2) })])
            #expect(try Workbook(data: template).sheetNames == Workbook(data: filled).sheetNames)
            let first = try await postContract(browser, filled, period: "2026-10")
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.body.contains("Показания сохранены: приборов учета — 2 (акты «В ожидании»)"))
            let sql = world.app.db.sql
            struct Act: Decodable, Equatable {
                let meterId: String
                let kind: String
                let totalMilli: Int64
            }
            func acts() async throws -> [Act] {
                try await sql.select().columns("meter_id", "kind", "total_milli").from("interval_acts")
                    .orderBy("created_at").orderBy("meter_id")
                    .all(decoding: Act.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
            #expect(
                try await acts() == [
                    Act(meterId: "M-3", kind: "primary", totalMilli: 744_000),
                    Act(meterId: "M-4", kind: "primary", totalMilli: 1_488_000),
                ])
            // The act of a sheet downloads as that meter's sheet with its values.
            let id = try await sql.select().column("id").from("interval_acts").where("meter_id", .equal, "M-4")
                .first()!.decode(column: "id", as: UUID.self)
            let (status, data) = try await browser.download("/readings/acts/\(id.uuidString)")
            let act = try Workbook(data: data)
            #expect(status == .ok && act.sheetNames == ["55500002"])
            #expect(try act.rows(inSheet: "55500002")[5][10] == .number(2))
            #expect(first.body.components(separatedBy: "В ожидании</td>").count == 3, "the month's acts are listed")

            // Second file: sheet 1 with a bad cell, sheet 2 good, sheet 3 unknown; an empty copy is skipped.
            world.clock.advance(60)
            let second = try await postContract(
                browser,
                try workbook(
                    october,
                    sheets: [
                        ("55500001", { day, hour in day == 3 && hour == 5 ? .string("abc") : .number(1) }),
                        ("55500002", { _, _ in .number(3) }),
                        ("99999999", { _, _ in .number(1) }),
                    ]), period: "2026-10")
            #expect(second.status == .unprocessableEntity)
            #expect(second.body.contains("Лист «55500001», D7: не число"))
            #expect(second.body.contains("Лист «99999999»: прибор учета с таким номером не найден"))
            #expect(second.body.contains("Показания сохранены: приборов учета — 1"))
            #expect(
                try await acts().last == Act(meterId: "M-4", kind: "correction", totalMilli: 2_232_000),
                "the good sheet is a correction of its meter's month")
            #expect(try await world.count("interval_acts") == 3)

            let empty = try await postContract(
                browser,
                try workbook(october, sheets: [("55500001", { _, _ in nil }), ("55500002", { _, _ in .number(1) })]),
                period: "2026-10")
            #expect(empty.status == .ok)
            #expect(empty.body.contains("Не заполнены листы приборов учета: 55500001."))
            let none = try await postContract(
                browser, try workbook(october, sheets: [("55500001", { _, _ in nil })]), period: "2026-10")
            #expect(none.body.contains("В файле нет интервальных показаний"))
            #expect(try await world.count("interval_acts") == 4)
            #expect(try await world.count("reading_uploads", where: "kind = 'interval'") == 4)
            let feed = try await BillingFeed.read(after: 0, limit: 50, on: sql).filter { $0.kind == "intervalProfile" }
            #expect(feed.count == 4)
        }
    }

    @Test func withoutAScriptTheChoiceIsMadeByTheChooseButton() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let start = try await browser.get("/readings/upload")
            #expect(start.body.contains("name=\"choose\""))
            let chosen = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number, "kind": "interval-contract", "choose": "1"],
                file: nil)
            #expect(chosen.status == .ok)
            #expect(chosen.body.contains(">Скачать шаблон</a>"))
            #expect(!chosen.body.contains("field-error"), "choosing is not an upload")
            let meter = try await browser.upload(
                "/readings/upload",
                fields: ["contract": Self.number, "kind": "interval", "period": "2026-10", "choose": "1"], file: nil)
            #expect(meter.body.contains("Шаблон интервальных показаний"))
            #expect(meter.body.contains("<option value=\"2026-10\" selected>"))
            #expect(try await world.count("interval_acts") == 0)
        }
    }

    func post(_ browser: TestBrowser, _ data: Data, period: String, number: String = Self.number) async throws
        -> TestBrowser.Page
    {
        try await browser.upload(
            "/readings/upload", fields: ["contract": number, "kind": "interval", "meter": "M-3", "period": period],
            file: ("профиль.xlsx", data))
    }

    @Test func theTemplateHasHoursDownAndDatesAcross() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let (status, data) = try await browser.download(
                "/readings/interval-template?contract=\(Self.number)&meter=M-3&period=2026-10")
            #expect(status == .ok)
            let book = try Workbook(data: data)
            #expect(book.sheetNames == ["55500001"])
            let rows = try book.rows(inSheet: "55500001")
            #expect(rows.count == 25)
            #expect(rows[0][1] == .string("Время"))
            #expect(rows[0].cells.count == 32)
            #expect(rows[1][1] == .string("00-01") && rows[24][1] == .string("23-24"))
            if case .date(let date) = rows[0][32] {
                #expect(ISO8601DateFormatter().string(from: date).hasPrefix("2026-10-31"))
            } else {
                Issue.record("AF1 is not a date: \(String(describing: rows[0][32]))")
            }
            let (other, _) = try await browser.download(
                "/readings/interval-template?contract=\(ContractTests.number)&meter=M-1&period=2026-10")
            #expect(other == .notFound, "category II contracts send no hourly profiles")
        }
    }

    @Test func uploadsMakePrimaryThenCorrectionActs() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/readings/upload?contract=\(Self.number)&kind=interval")
            let october = BillingPeriod(year: 2026, month: 10)!
            let file = try profile(october) { _, _ in .number(1) }
            let first = try await post(browser, file, period: "2026-10")
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.body.contains("Показания сохранены: Первичный акт, статус «В ожидании»"))
            let second = try await post(browser, try profile(october) { _, _ in .number(1.5) }, period: "2026-10")
            #expect(second.body.contains("Корректировочный акт, статус «В ожидании»"))
            #expect(second.body.components(separatedBy: "В ожидании</td>").count == 3, "both acts are listed")
            let kinds = try await world.app.db.sql.select().column("kind").from("interval_acts")
                .orderBy("created_at").all().map { try $0.decode(column: "kind", as: String.self) }
            #expect(Set(kinds) == ["primary", "correction"])
            let feed = try await BillingFeed.read(after: 0, limit: 50, on: world.app.db.sql)
                .filter { $0.kind == "intervalProfile" }
            #expect(feed.map { $0.data["total"] } == ["744.000", "1116.000"])
            // The act downloads as the file that was sent.
            let id = try await world.app.db.sql.select().column("id").from("interval_acts")
                .where("kind", .equal, "primary").first()!.decode(column: "id", as: UUID.self)
            let (status, data) = try await browser.download("/readings/acts/\(id.uuidString)")
            #expect(status == .ok && data == file)
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            #expect(try await stranger.download("/readings/acts/\(id.uuidString)").0 == .notFound)
        }
    }

    @Test func problemsAreReportedByCellAndNothingIsStored() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/readings/upload")
            let october = BillingPeriod(year: 2026, month: 10)!
            let page = try await post(
                browser,
                try profile(october) { day, hour in
                    day == 3 && hour == 5 ? nil : (day == 4 && hour == 5 ? .number(-2) : .number(1))
                },
                period: "2026-10")
            #expect(page.status == .unprocessableEntity)
            #expect(page.body.contains("D7: пустая ячейка"))
            #expect(page.body.contains("E7: отрицательное значение"))
            let wrongMonth = try await post(browser, try profile(october) { _, _ in .number(1) }, period: "2026-11")
            #expect(wrongMonth.body.contains("B1: дата 01.10.2026 не совпадает с ожидаемой 01.11.2026"))
            try await ContractTests().link(world, "buh@romashka.ru", .powerEngineer)
            let categoryTwo = try await post(
                browser, try profile(october) { _, _ in .number(1) }, period: "2026-10", number: ContractTests.number)
            #expect(categoryTwo.body.contains("только по договорам III–VI ценовых категорий"))
            #expect(try await world.count("interval_acts") == 0)
        }
    }

    @Test func theReadingsPageShowsIntervalConsumptionAndDelta() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/readings")
            // November so far (the clock stands on 29 November): 29 days × 24 h × 1 kWh = 696 kWh.
            let november = BillingPeriod(year: 2026, month: 11)!
            let sent = try await post(
                browser, try profile(november) { day, _ in day <= 29 ? .number(1) : nil }, period: "2026-11")
            #expect(sent.status == .ok, "\(sent.body)")
            let value = ReadingFields.value("CH-3")
            #expect(
                try await browser.post("/readings", ["contract": Self.number, value: "1700"]).location?.contains(
                    "saved=1") == true)
            let page = try await browser.get("/readings?contract=\(Self.number)")
            #expect(page.body.contains("Расход интервальный: <b>696</b>"))
            #expect(page.body.contains("Дельта: <b data-delta>4</b>"), "700 kWh integral − 696 kWh interval")
        }
    }
}
