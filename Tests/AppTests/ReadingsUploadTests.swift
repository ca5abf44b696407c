import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import XLSX

@testable import App

extension TestBrowser {
    /// Posts a multipart form with one file, carrying the session and the CSRF token.
    func upload(_ path: String, fields: [String: String], file: (name: String, data: Data)?) async throws -> Page {
        let boundary = "----lkk-test-\(UUID().uuidString)"
        var body = Data()
        var all = fields
        if let csrf { all[CSRFMiddleware.fieldName] = csrf }
        for (key, value) in all {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .host, value: "localhost:8080")
        headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        if let cookie { headers.replaceOrAdd(name: .cookie, value: "lkk_session=\(cookie)") }
        var page = Page(status: .ok, body: "", location: nil)
        try await world.app.testing().test(.POST, path, headers: headers, body: ByteBuffer(data: body)) { res async in
            page = Page(status: res.status, body: res.body.string, location: res.headers.first(name: .location))
        }
        return page
    }

    func download(_ path: String) async throws -> (HTTPStatus, Data) {
        var result: (HTTPStatus, Data) = (.ok, Data())
        try await world.app.testing().test(
            .GET, path, headers: ["Cookie": "lkk_session=\(cookie ?? "")", "Host": "localhost:8080"]
        ) { res async in result = (res.status, Data(buffer: res.body)) }
        return result
    }
}

@Suite struct ReadingsUploadTests {
    static let number = ContractTests.number

    /// A filled template: one row per (channel id, current, rollover).
    func workbook(_ rows: [(String, CellValue?, String?)]) throws -> Data {
        let writer = try WorkbookWriter()
        let sheet = try writer.addSheet("Показания")
        try writer.appendRow(IntegralReadingsFile.headers.map { .string($0) }, to: sheet, bold: true)
        for (channel, current, rollover) in rows {
            try writer.appendRow(
                [
                    .string("000101"), .string("Цех № 1"), .string("Ожидание"), .string("01234567"), .string("ИК"),
                    .string("A+"), .string("День"), .number(1), current, rollover.map { .string($0) }, .string(channel),
                ], to: sheet)
        }
        return try writer.finish()
    }

    @Test func theTemplateListsEveryChannelWithItsPreviousReading() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .powerEngineer)
            let (status, data) = try await browser.download("/readings/template?contract=\(Self.number)")
            #expect(status == .ok)
            let book = try Workbook(data: data)
            let rows = try book.rows(inSheet: book.sheetNames[0])
            #expect(rows.first?.cells.map(\.value.text) == IntegralReadingsFile.headers)
            #expect(rows.count == 3)
            #expect(rows[1][11] == .string("CH-1"))
            #expect(rows[1][8] == .number(12345.678))
            #expect(rows[1][7] == .string("День"))
            let (refused, _) = try await browser.download("/readings/template?contract=74070100000000")
            #expect(refused == .notFound)
        }
    }

    @Test func aFilledFileIsSentAndKept() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .manager)
            try await browser.get("/readings/upload?contract=\(Self.number)")
            let file = try workbook([("CH-1", .number(12445.678), nil), ("CH-2", .string("10"), "да")])
            let page = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number, "kind": "integral"],
                file: ("показания.xlsx", file))
            #expect(page.status == .ok, "\(page.body)")
            #expect(page.body.contains("Показания сохранены: приборов учета — 1"))
            #expect(try await ReadingsTests().submitted(world) == ["CH-1": 12_445_678, "CH-2": 10_000])
            let kept = try await world.app.db.sql.select().columns(
                "file_name", "file_data", "accepted"
            )
            .from("reading_uploads").first()
            #expect(try kept?.decode(column: "file_name", as: String.self) == "показания.xlsx")
            #expect(try kept?.decode(column: "file_data", as: Data.self) == file)
            let feed = try await BillingFeed.read(after: 0, limit: 10, on: world.app.db.sql)
            #expect(feed.allSatisfy { $0.data["source"] == "file" })
        }
    }

    /// The file and the readings read from it are one transaction: when keeping the file fails, none of its
    /// readings, feed entries or audit entries stay.
    @Test func aFileAndItsReadingsAreStoredTogetherOrNotAtAll() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .manager)
            try await browser.get("/readings/upload?contract=\(Self.number)")
            try await world.app.db.sql.raw("DROP TABLE reading_uploads").run()
            let file = try workbook([("CH-1", .number(12445.678), nil), ("CH-2", .string("10"), "да")])
            let page = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number, "kind": "integral"], file: ("f.xlsx", file))
            #expect(page.status == .internalServerError)
            #expect(try await ReadingsTests().submitted(world).isEmpty)
            #expect(try await world.count("billing_feed", where: "kind = 'reading'") == 0)
            #expect(try await world.count("audit_log", where: "action = 'readings.submitted'") == 0)
        }
    }

    /// A file that is not this contract's template is one message for all its rows; problems are grouped by
    /// message, and when the page leaves some out, the full list downloads as a workbook (its uploader only).
    @Test func problemsAreGroupedAndTheFullListDownloads() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .manager)
            try await browser.get("/readings/upload?contract=\(Self.number)")
            let foreign = try workbook((1...1000).map { ("X-\($0)", .number(1), nil) })
            let one = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number, "kind": "integral"], file: ("f.xlsx", foreign))
            #expect(one.status == .unprocessableEntity)
            #expect(
                one.body.contains(
                    "Строки 2–1\u{00A0}001: прибор учета не найден в договоре — это не шаблон этого договора?"))
            #expect(one.body.components(separatedBy: "<li>Строк").count == 2, "one line")
            #expect(!one.body.contains("Скачать полный список"))

            // Unknown rows between the known ones: more places than a line names.
            var rows: [(String, CellValue?, String?)] = []
            for index in 1...8 { rows += [("X-\(index)", .number(1), nil), ("CH-1", .number(12445.678), nil)] }
            let mixed = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number, "kind": "integral"],
                file: ("mixed.xlsx", try workbook(rows)))
            #expect(mixed.body.contains("Строки 2, 4, 6, 8, 10 и еще 3: прибор учета не найден в выбранном договоре"))
            let link = try #require(
                mixed.body.range(of: "/readings/uploads/").map { range in
                    String(mixed.body[range.lowerBound...].prefix { $0 != "\"" })
                })
            let (status, data) = try await browser.download(link)
            #expect(status == .ok)
            let sheet = try Workbook(data: data).rows(inSheet: "Замечания")
            #expect(sheet.first?.cells.map(\.value.text) == ["Где", "Что"])
            #expect(sheet.filter { $0[2]?.text.hasPrefix("прибор учета не найден") == true }.count == 8)
            // Nobody else downloads it.
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            #expect(try await stranger.download(link).0 == .notFound)
        }
    }

    @Test func errorsAreListedByRowAndValidMetersAreSaved() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .powerEngineer)
            try await browser.get("/readings/upload")
            let half = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number],
                file: (
                    "f.xlsx",
                    try workbook([("CH-1", .number(12445.678), nil), ("CH-2", nil, nil), ("X-9", .number(5), nil)])
                ))
            #expect(half.status == .unprocessableEntity)
            #expect(half.body.contains("Строка 3, ПУ 01234567 (A+ Ночь): Заполните поле"))
            #expect(half.body.contains("Строка 4: прибор учета не найден в выбранном договоре"))
            let below = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number],
                file: ("f.xlsx", try workbook([("CH-1", .number(12445.6789), nil), ("CH-2", .number(10), nil)])))
            #expect(below.body.contains("Строка 2, ПУ 01234567 (A+ День): Не более трех знаков после запятой"))
            #expect(below.body.contains("Строка 3, ПУ 01234567 (A+ Ночь): Меньше предыдущих показаний"))
            #expect(try await ReadingsTests().submitted(world).isEmpty)
        }
    }

    @Test func wrongFilesAndInputsGetAClearMessage() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .powerEngineer)
            try await browser.get("/readings/upload")
            let csv = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number], file: ("r.csv", Data("a;b\n1;2\n".utf8)))
            #expect(csv.status == .unprocessableEntity)
            #expect(csv.body.contains(XLSXError.notAWorkbook.russianMessage))
            let xls = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number],
                file: (
                    "r.xls", Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504))
                ))
            #expect(xls.body.contains(XLSXError.legacyXLS.russianMessage))
            let none = try await browser.upload("/readings/upload", fields: ["contract": Self.number], file: nil)
            #expect(none.body.contains("Загрузите файл"))
            let empty = try await browser.upload(
                "/readings/upload", fields: ["contract": Self.number],
                file: ("f.xlsx", try workbook([("CH-1", nil, nil)])))
            #expect(empty.body.contains("В файле нет новых показаний"))
            let foreign = try await browser.upload(
                "/readings/upload", fields: ["contract": "74070100000000"], file: ("f.xlsx", try workbook([])))
            #expect(foreign.body.contains("Выберите договор из списка"))
            #expect(try await world.count("submitted_readings") == 0)
            #expect(try await world.count("reading_uploads") == 1, "only the readable file is kept")
        }
    }
}
