import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import XLSX

@testable import App

/// «История»: documents and their PDFs, e-mailing, payments, readings, orders; access per role.
@Suite struct HistoryTests {
    static let email = "buh@romashka.ru"

    /// The sample contract with a document billing sent as a file (D-1), one the portal renders from its
    /// lines (D-2), and `extra` more invoices; the account linked with `role`.
    func setUp(_ world: TestWorld, role: Role = .accountant, objects: [String]? = nil, extra: Int = 0) async throws
        -> TestBrowser
    {
        let token = try await world.billingToken()
        try await BillingSamples.load(world, token: token)
        var documents: [JSONValue] = [
            [
                "id": "D-2", "contractId": "K-1", "type": "invoiceFacture", "number": "СФ-77/10",
                "issuedOn": "2026-11-05", "period": "2026-10",
            ]
        ]
        for index in 0..<extra {
            var period = BillingPeriod(year: 2024, month: 1)!
            for _ in 0..<index { period = period.next }
            documents.append([
                "id": .string("X-\(index)"), "contractId": "K-1", "type": "paymentInvoice",
                "number": .string("СЧ-\(index)"), "issuedOn": .string("\(period.next)-05"),
                "period": .string(period.description),
            ])
        }
        #expect(try await world.api(.PUT, "documents", token: token, body: ["items": .array(documents)]).status == .ok)
        let lines: JSONValue = [
            "items": [
                [
                    "id": "L-1", "documentId": "D-2", "position": 1, "description": "Электрическая энергия, день",
                    "unit": "кВт·ч", "quantity": "1000.5", "amountKopecks": 500_250, "vatRate": 22,
                    "vatKopecks": 110_055,
                ],
                [
                    "id": "L-2", "documentId": "D-2", "position": 2, "description": "Электрическая энергия, ночь",
                    "unit": "кВт·ч", "quantity": "400", "amountKopecks": 120_000, "vatRate": 22, "vatKopecks": 26_400,
                ],
            ]
        ]
        let stored = try await world.api(.PUT, "document-lines", token: token, body: lines)
        #expect(stored.status == .ok, "\(stored.json)")
        let browser = try await ProfileTests().signedIn(world, email: Self.email)
        try await ContractTests().link(world, Self.email, role, objects: objects)
        return browser
    }

    /// The text of a PDF as poppler reads it, whitespace runs made single spaces.
    func pdfText(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).pdf")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pdftotext", "-enc", "UTF-8", "-layout", url.path, "-"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: text, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    // MARK: - «Документы»

    @Test func documentsAreListedFilteredAndPaged() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, extra: 30)
            let all = try await browser.get("/history/documents")
            #expect(all.status == .ok)
            #expect(all.body.contains("Страница 1 из 2"))
            let invoices = try await browser.get("/history/documents?type=invoiceFacture")
            #expect(invoices.body.contains("Счет-фактура № СФ-77/10 от 05.11.2026"))
            #expect(!invoices.body.contains("Акт приема-передачи № АП-1/10"))
            #expect(!invoices.body.contains("Счет на оплату"))
            let october = try await browser.get("/history/documents?from=2026-10&to=2026-10")
            #expect(october.body.contains("СФ-77/10") && october.body.contains("АП-1/10"))
            #expect(!october.body.contains("СЧ-1<") && !october.body.contains("№ СЧ-0 "))
            let second = try await browser.get("/history/documents?type=paymentInvoice&page=2")
            #expect(second.body.contains("Страница 2 из 2"))
            #expect(second.body.contains("Счет на оплату № СЧ-0 от"), "the oldest invoice comes last")
            let empty = try await browser.get("/history/documents?from=2030-01")
            #expect(empty.body.contains("Документов за выбранный период нет."))
            // Nonsense in the filters is ignored, not an error.
            #expect(try await browser.get("/history/documents?type=x&from=abc&page=-5").status == .ok)
        }
    }

    @Test func aDocumentOpensAsItsPDFInline() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let sent = try await browser.get("/history/documents/file?id=D-1")
            #expect(sent.status == .ok)
            #expect(sent.headers.first(name: .contentType) == "application/pdf")
            #expect(sent.data == Data("%PDF-1.4\n".utf8), "billing's own file, as it came")
            #expect(
                sent.headers.first(name: .contentDisposition)?.hasPrefix("inline; filename=\"document.pdf\"") == true)

            let rendered = try await browser.get("/history/documents/file?id=D-2")
            #expect(rendered.status == .ok)
            let disposition = try #require(rendered.headers.first(name: .contentDisposition))
            #expect(
                disposition.contains(
                    "filename*=UTF-8''" + TestBrowser.encode("Счет-фактура № СФ-77-10 от 05.11.2026.pdf")))
            let text = try pdfText(rendered.data)
            for expected in [
                "Счет-фактура № СФ-77/10 от 05.11.2026", "Общество с ограниченной ответственностью «Ромашка»",
                "7707083893/773601001", "Электрическая энергия, день", "1 000,500", "5 002,50", "1 100,55",
                "Всего к оплате 6 202,50 X 1 364,55 7 567,05",
            ] {
                #expect(text.contains(expected), "\(expected)")
            }
        }
    }

    @Test func aLargeDocumentIsOfferedByEmail() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let big = Data(repeating: 0x25, count: HistoryController.inlineLimit + 1).base64EncodedString()
            let large: JSONValue = [
                "items": [
                    [
                        "id": "D-9", "contractId": "K-1", "type": "acceptanceAct", "number": "АП-9",
                        "issuedOn": "2026-11-05", "period": "2026-10", "fileName": "big.pdf", "file": .string(big),
                    ]
                ]
            ]
            #expect(try await world.api(.PUT, "documents", token: world.billingToken(), body: large).status == .ok)
            let answer = try await browser.get("/history/documents/file?id=D-9")
            #expect(answer.location == "/history/documents/send?id=D-9&large=1")
            let form = try await browser.get(answer.location!)
            #expect(form.body.contains("Документ большого объема: он будет отправлен на электронную почту."))
            #expect(form.body.contains("value=\"\(Self.email)\""), "the account's address is filled in")
        }
    }

    @Test func aDocumentSentByEmailArrivesWithItsPDF() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/history/documents/send?id=D-2")
            let wrong = try await browser.post("/history/documents/send", ["id": "D-2", "email": "не адрес"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.contains(EmailAddress.invalidMessage))
            #expect(wrong.body.contains("value=\"не адрес\""), "what was typed stays")
            let sent = try await browser.post(
                "/history/documents/send", ["id": "D-2", "email": "Director@Romashka.ru"])
            #expect(sent.location == "/history/documents?sent=1")
            let page = try await browser.get(sent.location!)
            #expect(
                page.body.contains(
                    "Документ будет отправлен на ваш электронный адрес после формирования. Время подготовки может составить до 10 минут."
                ))
            let letters = try await world.deliveredMail()
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.to.contains("director@romashka.ru"))
            #expect(letter.subject == "Счет-фактура № СФ-77/10 от 05.11.2026")
            #expect(
                letter.text.contains(
                    "По вашему запросу из личного кабинета клиента направляем документ «Счет-фактура № СФ-77/10 от 05.11.2026». Файл приложен к письму."
                ))
            let mime = String(decoding: try #require(world.mail.sent.last).mime, as: UTF8.self)
            #expect(mime.contains("application/pdf"))
            // The order is listed as done, and billing sees it in the feed.
            let orders = try await browser.get("/history/orders")
            #expect(orders.body.contains("Отправка документа «СФ-77/10» на director@romashka.ru"))
            #expect(orders.body.contains("Готов"))
            let feed = try await BillingFeed.read(after: 0, limit: 50, on: world.app.db.sql)
            #expect(feed.contains { $0.kind == "order" })
        }
    }

    @Test func emailingIsRateLimited() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/history/documents/send?id=D-2")
            for _ in 0..<HistoryController.emailsPerHour {
                let sent = try await browser.post("/history/documents/send", ["id": "D-2", "email": "a@romashka.ru"])
                #expect(sent.status == .seeOther || sent.status == .found)
            }
            let refused = try await browser.post("/history/documents/send", ["id": "D-2", "email": "a@romashka.ru"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body.contains("Слишком много отправок"))
        }
    }

    // MARK: - «Платежи»

    @Test func paymentsOfTheChosenMonth() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let current = try await browser.get("/history/payments")
            #expect(current.body.contains("value=\"2026-11\""), "the current month by default")
            #expect(current.body.contains("10.11.2026"))
            #expect(current.body.contains("5\u{202F}000,00"))
            #expect(current.body.contains("Оплата по счету 10-1/1"))
            let october = try await browser.get("/history/payments?month=2026-10&contract=74070100099901")
            #expect(october.body.contains("Платежей за выбранный период нет."))
            #expect(try await browser.get("/history/payments?contract=74070100099999").status == .notFound)
        }
    }

    // MARK: - «Показания»

    @Test func readingsByObjectAndMeterWithTheirDownload() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer)
            let page = try await browser.get("/history/readings?from=2026-01&to=2026-11")
            #expect(page.status == .ok)
            #expect(page.body.contains("Цех № 1"))
            #expect(page.body.contains("ПУ № 01234567"))
            #expect(!page.body.contains("12345,678"), "readings show once a meter is chosen")
            let meter = try await browser.get(
                "/history/readings?contract=74070100099901&meter=M-1&from=2026-01&to=2026-11")
            #expect(meter.body.contains("12345,678"))
            #expect(meter.body.contains("Принято к расчету"))
            #expect(meter.body.contains("A+, День"))
            let outside = try await browser.get("/history/readings?meter=M-1&from=2025-01&to=2025-06")
            #expect(outside.body.contains("Показаний за выбранный период нет."))
            let file = try await browser.get(
                "/history/readings/download?contract=74070100099901&from=2026-01&to=2026-11")
            #expect(file.status == .ok)
            let rows = try Workbook(data: file.data).rows(inSheet: "История показаний")
            #expect(rows.first?[1] == .string("Энергообъект"))
            #expect(rows.count == 2)
            #expect(rows.last?[2] == .string("01234567"))
            #expect(rows.last?[5] == .number(12345.678))
            #expect(rows.last?[7] == .string("Принято к расчету"))
        }
    }

    @Test func aLinkLimitedToOtherObjectsSeesNoneOfTheseReadings() async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: .powerEngineer, objects: ["EO-OTHER"])
            let page = try await browser.get("/history/readings?meter=M-1&from=2026-01&to=2026-11")
            #expect(!page.body.contains("Цех № 1"))
            #expect(!page.body.contains("12345,678"))
            let file = try await browser.get("/history/readings/download?meter=M-1&from=2026-01&to=2026-11")
            #expect(try Workbook(data: file.data).rows(inSheet: "История показаний").count == 1, "the header alone")
        }
    }

    // MARK: - «Заказы»

    @Test func anActIsOrderedPreparedAndDownloaded() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/history/orders")
            let backwards = try await browser.post(
                "/history/orders", ["contract": "74070100099901", "from": "2026-11", "to": "2026-01"])
            #expect(backwards.status == .unprocessableEntity)
            #expect(backwards.body.contains("Месяц «С» позже месяца «По»"))
            #expect(backwards.body.contains("value=\"2026-01\""))
            let future = try await browser.post(
                "/history/orders", ["contract": "74070100099901", "from": "2026-01", "to": "2027-01"])
            #expect(future.body.contains("Акт сверки составляется за прошедшие и текущий месяцы"))
            let placed = try await browser.post(
                "/history/orders", ["contract": "74070100099901", "from": "2026-01", "to": "2026-11"])
            #expect(placed.location == "/history/orders?ordered=1")
            let waiting = try await browser.get("/history/orders")
            #expect(waiting.body.contains("Акт сверки взаиморасчетов с 01.01.2026 по 30.11.2026"))
            #expect(waiting.body.contains("В работе"))
            let letters = try await world.deliveredMail()
            let letter = try #require(letters.first)
            #expect(letter.subject == "Акт сверки по договору 74070100099901 готов")
            #expect(letter.to.contains(Self.email))
            let ready = try await browser.get("/history/orders")
            #expect(ready.body.contains("Готов"))
            let order = try #require(try await world.app.db.sql.raw("SELECT id FROM orders").first())
            let id = try order.decode(column: "id", as: UUID.self)
            let file = try await browser.get("/history/orders/\(id.uuidString)/file")
            #expect(file.headers.first(name: .contentType) == "application/pdf")
            let text = try pdfText(file.data)
            #expect(text.contains("Акт сверки взаиморасчетов № 1"))
            #expect(text.contains("Счет № 10-1/1 от 05.11.2026 (Электроэнергия) 12 345,67"))
            #expect(text.contains("Оплата: Оплата по счету 10-1/1 5 000,00"))
            #expect(text.contains("задолженность в пользу АО «Энергосбыт» составляет 7 345,67 руб."))
        }
    }

    // MARK: - Access

    @Test(arguments: Role.allCases) func everyRoleSeesWhatTableThreeAllows(role: Role) async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: role)
            let documents = AccessPolicy.allows(role, .viewDocumentHistory)
            #expect(try await browser.get("/history/documents").body.contains("АП-1/10") == documents)
            #expect(try await browser.get("/history/documents/file?id=D-2").status == (documents ? .ok : .notFound))
            #expect(try await browser.get("/history/documents/send?id=D-2").status == (documents ? .ok : .notFound))
            let payments = AccessPolicy.allows(role, .viewPaymentHistory)
            #expect(try await browser.get("/history/payments").body.contains("Оплата по счету 10-1/1") == payments)
            let readings = AccessPolicy.allows(role, .viewReadingHistory)
            #expect(try await browser.get("/history/readings").body.contains("ПУ № 01234567") == readings)
            #expect(
                try await browser.get("/history/readings?contract=74070100099901").status
                    == (readings ? .ok : .notFound))
            let orders = AccessPolicy.allows(role, .requestReconciliationAct)
            #expect(try await browser.get("/history/orders").body.contains("Запрос акта сверки") == orders)
        }
    }

    @Test func anotherCompanyGetsNotFoundEverywhere() async throws {
        try await withPortal { world in
            let owner = try await setUp(world)
            try await owner.get("/history/orders")
            _ = try await owner.post(
                "/history/orders", ["contract": "74070100099901", "from": "2026-01", "to": "2026-11"])
            _ = try await world.deliveredMail()
            let order = try #require(try await world.app.db.sql.raw("SELECT id FROM orders").first())
            let id = try order.decode(column: "id", as: UUID.self)

            let stranger = try await ProfileTests().signedIn(world, email: "chuzhoy@example.ru")
            for path in [
                "/history/documents/file?id=D-1", "/history/documents/file?id=D-2", "/history/documents/send?id=D-1",
                "/history/documents?contract=74070100099901", "/history/payments?contract=74070100099901",
                "/history/readings?contract=74070100099901",
                "/history/readings/download?contract=74070100099901", "/history/orders/\(id.uuidString)/file",
                "/history/documents/file?id=nothing",
            ] {
                #expect(try await stranger.get(path).status == .notFound, "\(path)")
            }
            #expect(
                try await stranger.post("/history/documents/send", ["id": "D-1", "email": "x@example.ru"]).status
                    == .notFound)
            let order2 = try await stranger.post(
                "/history/orders", ["contract": "74070100099901", "from": "2026-01", "to": "2026-11"])
            #expect(order2.status == .unprocessableEntity)
            #expect(try await world.count("orders") == 1)
            // Lists show none of the contract's data.
            #expect(!(try await stranger.get("/history/documents").body.contains("АП-1/10")))
            #expect(!(try await stranger.get("/history/orders").body.contains("74070100099901")))
            // Signed out: to «Вход».
            let anonymous = TestBrowser(world)
            #expect(try await anonymous.get("/history/documents").location == "/login")
        }
    }
}
