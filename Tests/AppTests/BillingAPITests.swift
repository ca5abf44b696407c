import AsyncKit
import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

extension TestWorld {
    /// Calls the billing API; returns the status and the JSON answer.
    @discardableResult
    func api(_ method: HTTPMethod, _ path: String, token: String?, body: JSONValue? = nil, raw: String? = nil)
        async throws -> (status: HTTPStatus, json: JSONValue)
    {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        headers.contentType = .json
        var result: (HTTPStatus, JSONValue) = (.ok, .null)
        let bytes = raw.map { ByteBuffer(string: $0) } ?? body.map { ByteBuffer(data: $0.json) }
        try await app.testing().test(method, "/api/billing/v1/\(path)", headers: headers, body: bytes) { res async in
            result = (res.status, JSONValue.parse(Data(buffer: res.body)) ?? .null)
        }
        return result
    }

    func billingToken(_ name: String = "billing-test") async throws -> String {
        try await BillingTokens.create(name: name, now: clock.now(), on: app.db.sql)
    }

    func rows(_ table: String) async throws -> Int {
        try await app.db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(table).first()?.decode(column: "n", as: Int.self) ?? -1
    }
}

/// One record of every kind, as billing would send them.
enum BillingSamples {
    static let contract: JSONValue = [
        "id": "K-1", "number": "74070100099901", "name": "Договор энергоснабжения № 74070100099901",
        "customerFullName": "Общество с ограниченной ответственностью «Ромашка»", "customerShortName": "ООО «Ромашка»",
        "inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195",
        "legalAddress": "620014, г. Екатеринбург, ул. Ленина, д. 1", "priceCategory": 2, "contractDate": "2020-03-15",
        "emails": ["Buh@Romashka.example", "energo@romashka.example"], "supplierName": "АО «Энергосбыт»",
        "customerBik": "044525225", "customerCorrAccount": "30101810400000000225",
    ]
    static let energyObject: JSONValue = [
        "id": "EO-1", "contractId": "K-1", "code": "000101", "name": "Цех № 1",
        "address": "620014, г. Екатеринбург, ул. Ленина, д. 1", "status": "waiting",
    ]
    static let meter: JSONValue = [
        "id": "M-1", "energyObjectId": "EO-1", "number": "01234567", "model": "Меркурий 230 ART-03",
        "complexName": "ИК Цех № 1", "digits": 6, "ratio": 40, "verifiedOn": "2024-05-01", "hourly": false,
        "status": "waiting",
    ]
    static let channels: [JSONValue] = [
        ["id": "CH-1", "meterId": "M-1", "quantity": "activeImport", "zone": "day"],
        ["id": "CH-2", "meterId": "M-1", "quantity": "activeImport", "zone": "night"],
    ]
    static let reading: JSONValue = [
        "id": "R-1", "channelId": "CH-1", "period": "2026-10", "value": "12345.678", "readOn": "2026-11-01",
    ]
    static let paymentDocument: JSONValue = [
        "id": "PD-1", "contractId": "K-1", "number": "10-1/1", "saleKind": "Электроэнергия", "issuedOn": "2026-11-05",
        "dueOn": "2026-11-18", "amountKopecks": 12_345_67, "outstandingKopecks": 12_345_67,
    ]
    static let advance: JSONValue = [
        "id": "A-1", "contractId": "K-1", "saleKind": "Электроэнергия", "period": "2026-11", "amountKopecks": 300_000,
        "overpayment": false,
    ]
    static let payment: JSONValue = [
        "id": "P-1", "contractId": "K-1", "paidOn": "2026-11-10", "amountKopecks": 500_000,
        "paymentDocumentId": "PD-1", "purpose": "Оплата по счету 10-1/1",
    ]
    static let document: JSONValue = [
        "id": "D-1", "contractId": "K-1", "type": "acceptanceAct", "number": "АП-1/10", "issuedOn": "2026-11-05",
        "period": "2026-10", "fileName": "act.pdf", "file": "JVBERi0xLjQK",
    ]

    /// Sends the whole chain; expects every call to succeed.
    static func load(_ world: TestWorld, token: String) async throws {
        let batches: [(String, [JSONValue])] = [
            ("contracts", [contract]), ("energy-objects", [energyObject]), ("meters", [meter]),
            ("meter-channels", channels), ("readings", [reading]), ("payment-documents", [paymentDocument]),
            ("advances", [advance]), ("payments", [payment]), ("documents", [document]),
        ]
        for (path, items) in batches {
            let answer = try await world.api(.PUT, path, token: token, body: ["items": .array(items)])
            #expect(answer.status == .ok, "\(path): \(answer.json)")
        }
    }
}

@Suite struct BillingAPITests {
    @Test func tokensMissingWrongRevokedAndLive() async throws {
        try await withPortal { world in
            let body: JSONValue = ["items": [BillingSamples.contract]]
            #expect(try await world.api(.PUT, "contracts", token: nil, body: body).status == .unauthorized)
            #expect(try await world.api(.PUT, "contracts", token: "lkkb_wrong", body: body).status == .unauthorized)
            #expect(try await world.api(.GET, "feed", token: nil).status == .unauthorized)
            let token = try await world.billingToken("billing-a")
            #expect(try await world.api(.PUT, "contracts", token: token, body: body).status == .ok)
            let stored = try await BillingTokens.list(on: world.app.db.sql)
            #expect(stored.map(\.name) == ["billing-a"])
            #expect(
                try await world.count("billing_tokens", where: "token_hash = '\(token)'") == 0,
                "only the hash is stored")
            #expect(
                try await BillingTokens.revoke(
                    name: "billing-a", now: world.clock.now(), on: world.app.db.sql) == 1)
            let answer = try await world.api(.PUT, "contracts", token: token, body: body)
            #expect(answer.status == .unauthorized)
            #expect(answer.json["error"] != nil)
        }
    }

    @Test func everyEntityIsStoredAndTheSameBatchTwiceChangesNothing() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            try await BillingSamples.load(world, token: token)
            let sql = world.app.db.sql
            let tables = [
                "contracts", "energy_objects", "meters", "meter_channels", "accepted_readings", "payment_documents",
                "advances", "payments_received", "documents",
            ]
            var counts: [Int] = []
            for table in tables { counts.append(try await world.rows(table)) }
            #expect(counts == [1, 1, 1, 2, 1, 1, 1, 1, 1])
            let reading = try await sql.select().columns("value_milli", "contract_id").from("accepted_readings").first()
            #expect(try reading?.decode(column: "value_milli", as: Int64.self) == 12_345_678)
            #expect(try reading?.decode(column: "contract_id", as: String.self) == "K-1")
            let emails = try await sql.select().column("emails").from("contracts").first()?.decode(
                column: "emails", as: String.self)
            #expect(emails == "buh@romashka.example\nenergo@romashka.example")
            let file = try await sql.select().column("file_data").from("documents").first()?.decode(
                column: "file_data", as: Data.self)
            #expect(file.map { String(decoding: $0, as: UTF8.self) } == "%PDF-1.4\n")

            // Again: nothing new, nothing changed.
            let again = try await world.api(.PUT, "contracts", token: token, body: ["items": [BillingSamples.contract]])
            #expect(again.json == ["received": 1, "created": 0])
            try await BillingSamples.load(world, token: token)
            var after: [Int] = []
            for table in tables { after.append(try await world.rows(table)) }
            #expect(after == counts)

            // An update by id changes the row in place.
            guard case .object(var changed) = BillingSamples.paymentDocument else { return }
            changed["outstandingKopecks"] = 0
            #expect(
                try await world.api(.PUT, "payment-documents", token: token, body: ["items": [.object(changed)]]).status
                    == .ok)
            let outstanding = try await sql.select().column("outstanding_kopecks").from("payment_documents").first()?
                .decode(column: "outstanding_kopecks", as: Int64.self)
            #expect(outstanding == 0)
        }
    }

    /// Billing sends batches in parallel (here eight senders, five batches each): on SQLite a deferred
    /// transaction that had read before another connection's commit could not write («database is locked»
    /// at once, not after the busy timeout), and about every other batch got a 500 (`writeTransaction`).
    @Test func batchesSentAtOnceAreAllStored() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            try await BillingSamples.load(world, token: token)
            let statuses = try await withThrowingTaskGroup(of: [HTTPStatus].self) { group in
                for sender in 0..<8 {
                    group.addTask {
                        var statuses: [HTTPStatus] = []
                        for batch in 0..<5 {
                            let payment: JSONValue = [
                                "id": .string("P-par-\(sender)-\(batch)"), "contractId": "K-1",
                                "paidOn": "2026-11-10", "amountKopecks": 100,
                            ]
                            statuses.append(
                                try await world.api(.PUT, "payments", token: token, body: ["items": [payment]]).status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0 += $1 }
            }
            #expect(statuses.count == 40)
            #expect(statuses.filter { $0 != .ok }.isEmpty, "\(statuses.map(\.code))")
            #expect(try await world.count("payments_received", where: "id LIKE 'P-par-%'") == 40)
        }
    }

    /// When the database does not get to a request in time, billing is told to send it again later.
    @Test func aBusyDatabaseAnswersServiceUnavailableWithRetryAfter() async throws {
        try await withPortal { world in
            struct Busy: AsyncResponder {
                let error: any Error
                func respond(to request: Request) async throws -> Response { throw error }
            }
            let request = Request(application: world.app, on: world.app.eventLoopGroup.any())
            let busy = try await BillingAPIErrorMiddleware().respond(
                to: request, chainingTo: Busy(error: ConnectionPoolTimeoutError.connectionRequestTimeout))
            #expect(busy.status == .serviceUnavailable)
            #expect(busy.headers.first(name: .retryAfter) == "5")
            #expect(
                JSONValue.parse(Data(buffer: busy.body.buffer ?? .init()))
                    == ["error": "the portal is busy; nothing was changed"])
            struct Broken: Error {}
            let other = try await BillingAPIErrorMiddleware().respond(to: request, chainingTo: Busy(error: Broken()))
            #expect(other.status == .internalServerError)
            #expect(other.headers.first(name: .retryAfter) == nil)
        }
    }

    @Test func oneBadRecordRejectsTheBatchWithEveryPath() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            guard case .object(var bad) = BillingSamples.contract else { return }
            bad["id"] = "K-2"
            bad["number"] = "7407010009990"  // 13 digits
            bad["inn"] = "7707083894"  // wrong check digit
            bad["priceCategory"] = 7
            bad["surprise"] = true
            bad.removeValue(forKey: "name")
            let answer = try await world.api(
                .PUT, "contracts", token: token, body: ["items": [BillingSamples.contract, .object(bad)]])
            #expect(answer.status == .unprocessableEntity)
            guard case .array(let problems) = answer.json["problems"] ?? .null else {
                Issue.record("no problems listed: \(answer.json)")
                return
            }
            let paths = Set(
                problems.compactMap { problem -> String? in
                    if case .string(let path) = problem["path"] ?? .null { return path }
                    return nil
                })
            #expect(
                paths == [
                    "/items/1/number", "/items/1/inn", "/items/1/priceCategory", "/items/1/surprise", "/items/1/name",
                ])
            #expect(try await world.rows("contracts") == 0, "the valid record was not written either")

            // References are checked against the database, inside the same all-or-nothing rule.
            let orphan = try await world.api(
                .PUT, "energy-objects", token: token, body: ["items": [BillingSamples.energyObject]])
            #expect(orphan.status == .unprocessableEntity)
            #expect("\(orphan.json)".contains("/items/0/contractId"))

            // Two ids in one batch with the same contract number; a repeated id.
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": [BillingSamples.contract]]).status
                    == .ok)
            guard case .object(var twin) = BillingSamples.contract else { return }
            twin["id"] = "K-9"
            let clash = try await world.api(.PUT, "contracts", token: token, body: ["items": [.object(twin)]])
            #expect(clash.status == .unprocessableEntity)
            #expect("\(clash.json)".contains("/items/0/number"))
            let repeated = try await world.api(
                .PUT, "contracts", token: token, body: ["items": [BillingSamples.contract, BillingSamples.contract]])
            #expect(repeated.status == .unprocessableEntity)

            // Not JSON, not an object, too many records.
            #expect(try await world.api(.PUT, "contracts", token: token, raw: "{not json").status == .badRequest)
            #expect(try await world.api(.PUT, "contracts", token: token, raw: "[1]").status == .unprocessableEntity)
            let many = JSONValue.array(Array(repeating: BillingSamples.contract, count: 1001))
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": many]).status
                    == .unprocessableEntity)
            #expect(
                try await world.api(.PUT, "contracts", token: token, raw: "{\"items\":[{\"id\":\"a\\u0000b\"}]}").status
                    == .unprocessableEntity)
        }
    }

    @Test func theFeedIsReadWithACursor() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            let sql = world.app.db.sql
            for index in 1...3 {
                try await BillingFeed.append(
                    .reading, entityID: "CH-\(index)", data: ["value": .string("\(index).000")], now: world.clock.now(),
                    on: sql)
            }
            let first = try await world.api(.GET, "feed?after=0&limit=2", token: token)
            #expect(first.status == .ok)
            guard case .array(let items) = first.json["items"] ?? .null else {
                Issue.record("\(first.json)")
                return
            }
            #expect(items.count == 2)
            #expect(items.first?["entityId"] == "CH-1")
            #expect(items.first?["data"] == ["value": "1.000"])
            let next = first.json["next"]
            #expect(next == 2)
            let rest = try await world.api(.GET, "feed?after=2", token: token)
            #expect(rest.json["next"] == 3)
            if case .array(let more) = rest.json["items"] ?? .null { #expect(more.count == 1) }
            let end = try await world.api(.GET, "feed?after=3", token: token)
            #expect(end.json == ["items": [], "next": 3])
            #expect(try await world.api(.GET, "feed?after=-1", token: token).status == .unprocessableEntity)
            #expect(try await world.api(.GET, "feed?limit=abc", token: token).status == .unprocessableEntity)
        }
    }

    @Test func theOpenAPIDocumentInTheRepositoryIsTheServedOne() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let stored = try Data(contentsOf: repository.appendingPathComponent("docs/billing-api.openapi.json"))
        #expect(
            stored == BillingOpenAPI.documentData,
            "regenerate with: swift run lkk billing openapi > docs/billing-api.openapi.json")
        try await withPortal { world in
            let served = try await world.api(.GET, "openapi.json", token: nil)
            #expect(served.status == .ok)
            #expect(served.json["openapi"] == "3.0.3")
        }
    }

    @Test func closingAPeriodAcceptsReadingsAndIssuesInvoices() async throws {
        try await withPortal { world in
            let token = try await world.billingToken()
            try await BillingSamples.load(world, token: token)
            let sql = world.app.db.sql
            // The October reading is the previous one; November readings were submitted.
            try await PeriodClosing.markClosed(BillingPeriod(year: 2026, month: 10)!, now: world.clock.now(), on: sql)
            guard case .object(var night) = BillingSamples.reading else { return }
            night["id"] = "R-2"
            night["channelId"] = "CH-2"
            night["value"] = "999990.000"
            #expect(
                try await world.api(.PUT, "readings", token: token, body: ["items": [.object(night)]]).status == .ok)
            for (channel, value) in [("CH-1", Int64(12_445_678)), ("CH-2", Int64(10_000))] {
                try await sql.insert(into: "submitted_readings")
                    .columns(
                        "id", "contract_id", "channel_id", "period", "value_milli", "account_id", "source",
                        "submitted_at"
                    )
                    .values(
                        SQLBind(UUID()), SQLBind("K-1"), SQLBind(channel), SQLBind("2026-11"), SQLBind(value),
                        SQLLiteral.null,
                        SQLBind("form"), SQLBind(world.clock.now())
                    ).run()
            }
            let result = try await PeriodClosing.close(
                now: world.clock.now(), timeZone: world.app.portal.config.timeZone, on: world.app.db)
            #expect(result == .init(period: BillingPeriod(year: 2026, month: 11)!, readings: 2, invoices: 1))
            // Day: 100 kWh on the register × 40 = 4,000 kWh at 6.10 ₽; night rolled over 999,990 → 10: 20 × 40 = 800 kWh at 3.40 ₽.
            let amount = try await sql.select().column("amount_kopecks").from("payment_documents")
                .where("id", .equal, "K-1-inv-2026-11-1").first()?.decode(column: "amount_kopecks", as: Int64.self)
            let expected: Int64 = 4000 * 610 + 800 * 340
            #expect(amount == expected)
            // The four documents are issued with their PDFs; the cost is split into VAT at 22 %.
            let issued = try await sql.raw(
                "SELECT id, file_name, file_data FROM documents WHERE period = '2026-11' ORDER BY id"
            ).all()
            #expect(issued.count == 4)
            for row in issued {
                let data = try row.decode(column: "file_data", as: Data?.self)
                #expect(data?.starts(with: Data("%PDF-1.7".utf8)) == true)
                #expect(try row.decode(column: "file_name", as: String?.self)?.hasSuffix(" от 05.12.2026.pdf") == true)
            }
            let line = try #require(
                try await sql.raw(
                    "SELECT quantity_milli, amount_kopecks, vat_rate, vat_kopecks FROM document_lines WHERE document_id = 'K-1-acceptanceAct-2026-11'"
                ).first())
            #expect(try line.decode(column: "quantity_milli", as: Int64.self) == 4_800_000)
            #expect(try line.decode(column: "vat_rate", as: Int.self) == 22)
            #expect(try line.decode(column: "amount_kopecks", as: Int64.self) == 2_222_951)
            #expect(try line.decode(column: "vat_kopecks", as: Int64.self) == expected - 2_222_951)
            #expect(try await world.rows("submitted_readings") == 0)
            #expect(try await world.rows("accepted_readings") == 4)
            let open = try await PeriodClosing.openPeriod(
                on: sql, now: world.clock.now(), timeZone: world.app.portal.config.timeZone)
            #expect(open == BillingPeriod(year: 2026, month: 12))
        }
    }

    @Test func demoDataPassTheAPIChecksAndCoverEveryKind() async throws {
        try await withPortal { world in
            try await DemoLoader.load(
                contracts: 6, months: 3, now: world.clock.now(), timeZone: world.app.portal.config.timeZone,
                on: world.app.db)
            let sql = world.app.db.sql
            let inns = try await sql.select().column("inn").from("contracts").all().map {
                try $0.decode(column: "inn", as: String.self)
            }
            #expect(inns.count == 6 && inns.allSatisfy(TaxIdentifiers.isValidINN))
            let categories = try await sql.select().column("price_category").from("contracts").all().map {
                try $0.decode(column: "price_category", as: Int.self)
            }
            #expect(Set(categories) == [1, 2, 3, 4, 5, 6])
            let kinds = try await sql.select().columns("quantity", "zone").from("meter_channels").all().map {
                "\(try $0.decode(column: "quantity", as: String.self)) \(try $0.decode(column: "zone", as: String.self))"
            }
            for expected in [
                "activeImport day", "activeImport night", "activeImport peak", "activeImport halfPeak",
                "activeImport allDay", "reactiveImport allDay", "activeExport allDay",
            ] {
                #expect(kinds.contains(expected), "\(expected)")
            }
            let hourly = try await world.count("meters", where: "hourly = true")
            #expect(hourly > 0)
            let paid = try await sql.select().column("id").from("payment_documents").where(
                "outstanding_kopecks", .equal, 0
            ).all()
            #expect(!paid.isEmpty)
            #expect(try await world.rows("payments_received") > 0)
            // Deterministic: loading again changes nothing.
            let before = try await world.rows("accepted_readings")
            try await DemoLoader.load(
                contracts: 6, months: 3, now: world.clock.now(), timeZone: world.app.portal.config.timeZone,
                on: world.app.db)
            #expect(try await world.rows("accepted_readings") == before)
        }
    }

    /// Loaded on the 7th, the demo has paid nothing and issued nothing after that day, though last month's
    /// payments fall on the 10th to the 17th.
    @Test func demoDataHaveNoDaysAfterToday() async throws {
        try await withPortal { world in
            let timeZone = world.app.portal.config.timeZone
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let now = calendar.date(from: DateComponents(year: 2026, month: 12, day: 7, hour: 12))!
            try await DemoLoader.load(contracts: 6, months: 3, now: now, timeZone: timeZone, on: world.app.db)
            let sql = world.app.db.sql
            for (table, column) in [
                ("payments_received", "paid_on"), ("payment_documents", "issued_on"), ("documents", "issued_on"),
            ] {
                let latest = try await sql.raw("SELECT MAX(\(ident: column)) AS d FROM \(ident: table)").first()?
                    .decode(column: "d", as: String?.self)
                #expect(latest.map { $0 <= "2026-12-07" } == true, "\(table): \(latest ?? "none")")
            }
            #expect(
                try await world.count("payments_received", where: "paid_on = '2026-12-07'") > 0,
                "last month's later payments are dated today")
        }
    }
}
