import Fluent
import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// The statements read with the session, and «Показания»'s meters, gathered in batches on PostgreSQL
/// (`StatementBatcher`: `SessionPageBatch`, `PackedBatch`; issue 8): each request gets its own session's row
/// and page, whatever else is in its batch, and a batch that fails leaves each request to run alone.
@Suite struct SessionPageBatchTests {
    let payments = PaymentsTests()
    static let otherNumber = "74070100099902"

    var onPostgreSQL: Bool { TestDatabase.postgresURL != nil }

    /// A second company: its own contract with a debt of 777,00 ₽, linked to other@romashka.ru, signed in.
    func otherCompany(_ world: TestWorld, role: Role = .accountant) async throws -> TestBrowser {
        let token = try await world.billingToken("other")
        let contract: JSONValue = [
            "id": "K-2", "number": .string(Self.otherNumber), "name": "Договор энергоснабжения № 74070100099902",
            "customerFullName": "Общество с ограниченной ответственностью «Лютик»", "customerShortName": "ООО «Лютик»",
            "inn": "7736050003", "kpp": "773601001", "ogrn": "1027700070518",
            "legalAddress": "620014, г. Екатеринбург, ул. Малышева, д. 2", "priceCategory": 1,
            "contractDate": "2021-04-01", "emails": ["other@lutik.example"], "supplierName": "АО «Энергосбыт»",
            "customerBik": "044525225", "customerCorrAccount": "30101810400000000225",
        ]
        #expect(try await world.api(.PUT, "contracts", token: token, body: ["items": [contract]]).status == .ok)
        let document: JSONValue = [
            "id": "PD-9", "contractId": "K-2", "number": "10-9/1", "saleKind": "Электроэнергия",
            "issuedOn": "2026-11-05", "dueOn": "2026-11-18", "amountKopecks": 77_700, "outstandingKopecks": 77_700,
        ]
        #expect(
            try await world.api(.PUT, "payment-documents", token: token, body: ["items": [document]]).status == .ok)
        let browser = try await ProfileTests().signedIn(world, email: "other@romashka.ru")
        let account = try await Account.query(on: world.app.db).filter(\.$email == "other@romashka.ru").first()!
        try await ContractLink(accountID: account.id!, contractID: "K-2", role: role, now: world.clock.now())
            .create(on: world.app.db)
        return browser
    }

    func account(_ world: TestWorld, _ email: String) async throws -> UUID {
        try await Account.query(on: world.app.db).filter(\.$email == email).first()!.id!
    }

    /// Both companies signed in: each account's id and its session's token hash.
    func twoCompanies(_ world: TestWorld) async throws -> (UUID, String, UUID, String) {
        let mine = try await payments.setUp(world)
        let theirs = try await otherCompany(world)
        return (
            try await account(world, "buh@romashka.ru"), Sessions.hash(try #require(mine.cookie)),
            try await account(world, "other@romashka.ru"), Sessions.hash(try #require(theirs.cookie))
        )
    }

    func page(_ accountID: UUID, chart: String = "") -> PaymentsData.PageQuery {
        PaymentsData.PageQuery(
            accountID: accountID, acquirer: "sandbox", chartNumber: chart, month: BillingPeriod("2026-11"))
    }

    /// What a request reads, as comparable text: the session's account's e-mail and the page's rows.
    func summary(_ found: ((PortalSession, Account?)?, SessionState.PageRows?)) throws -> String {
        let (session, rows) = found
        guard let (row, account) = session else { return "no session" }
        let texts = try rows.map { try SessionPageTests.texts($0.rows) } ?? []
        return "\(row.tokenHash) \(account?.email ?? "-") \(texts)"
    }

    /// Every entry of one batch statement reads what the entry's own `SessionAndPage` reads: two companies'
    /// sessions with and without a chart, the same session twice, a token no session has, and a session before
    /// sign-in; and «Показания»'s statement likewise.
    @Test func onPostgreSQLEachEntryOfABatchReadsWhatItsOwnStatementReads() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            let (a, tokenA, b, tokenB) = try await twoCompanies(world)
            let anonymous = PortalSession(
                tokenHash: Sessions.hash("anonymous"), csrfToken: "c", accountID: nil, now: world.clock.now(),
                userAgent: nil, ipAddress: nil)
            try await anonymous.create(on: world.app.db)
            let requests: [(String, PaymentsData.PageQuery)] = [
                (tokenA, page(a)), (tokenB, page(b)), (Sessions.hash(Sessions.randomToken()), page(a)),
                (Sessions.hash("anonymous"), page(a)), (tokenA, page(a, chart: PaymentsTests.number)),
                (tokenB, page(b, chart: Self.otherNumber)), (tokenA, page(a, chart: "9999")),
            ]
            let sql = world.app.db.sql
            let batch = SessionPageBatch<PaymentsData.PageQuery>(
                slots: requests.map { SessionPageSlot(tokenHash: $0.0, page: $0.1)! })
            let rows = try await sql.rows(batch)
            #expect(rows.count == 6, "one row per entry whose token a session has")
            var byEntry: [Int: any SQLRow] = [:]
            for row in rows { byEntry[try row.decode(column: "batch_index", as: Int.self)] = row }
            for (offset, (token, query)) in requests.enumerated() {
                let own = try await PortalSessionMiddleware.find(tokenHash: token, with: query, on: sql)
                let batched = try byEntry[offset + 1].map { try PortalSessionMiddleware.read($0, page: query) }
                #expect(try summary(batched ?? (nil, nil)) == summary(own), "entry \(offset + 1)")
            }
            let pageA = try summary(PortalSessionMiddleware.read(try #require(byEntry[1]), page: page(a)))
            #expect(pageA.contains("K-1") && !pageA.contains("K-2"))
            let pageB = try summary(PortalSessionMiddleware.read(try #require(byEntry[2]), page: page(b)))
            #expect(pageB.contains("K-2") && pageB.contains("77700") && !pageB.contains("K-1"))

            let choices = [
                ReadingsData.ChoiceQuery(accountID: a, number: ""),
                ReadingsData.ChoiceQuery(accountID: b, number: Self.otherNumber),
                ReadingsData.ChoiceQuery(accountID: a, number: ReadingsTests.number),
            ]
            let tokens = [tokenA, tokenB, tokenA]
            let choiceRows = try await sql.rows(
                SessionPageBatch<ReadingsData.ChoiceQuery>(
                    slots: zip(tokens, choices).map { SessionPageSlot(tokenHash: $0, page: $1)! }))
            #expect(choiceRows.count == 3)
            for row in choiceRows {
                let entry = try row.decode(column: "batch_index", as: Int.self)
                let choice = choices[entry - 1]
                let own = try await PortalSessionMiddleware.find(tokenHash: tokens[entry - 1], with: choice, on: sql)
                let columns = ReadingsData.ChoiceQuery.packedColumns!
                let batched = try PortalSessionMiddleware.read(row, page: choice)
                #expect(
                    try SessionPageTests.texts(try #require(batched.1).rows, columns: columns)
                        == SessionPageTests.texts(try #require(own.1).rows, columns: columns), "entry \(entry)")
            }
        }
    }

    /// Runs `first` through the batcher while `sessions` is locked, so that its statement waits in
    /// PostgreSQL; then `rest`, which wait for it and go together in one batch once the lock is released.
    /// The results in order: `first`'s, then `rest`'s, each a summary or the error's description.
    func queued(
        _ world: TestWorld, _ batcher: StatementBatcher, first: (String, PaymentsData.PageQuery),
        rest: [(String, PaymentsData.PageQuery)]
    ) async throws -> [String] {
        try await queued(
            world, batcher, locking: "sessions",
            reads: ([first] + rest).map { token, query in
                { sql, batching in
                    try summary(
                        try await PortalSessionMiddleware.find(
                            tokenHash: token, with: query, on: sql, batching: batching))
                }
            })
    }

    /// A read through a batcher, on a database, summed up as text.
    typealias BatchedRead = @Sendable (any SQLDatabase, (StatementBatcher, Request)) async throws -> String

    /// Runs the first of `reads` while `table` is locked, so that its batch waits in PostgreSQL; then the
    /// rest, which wait for it and go together in one batch once the lock is released. The results in order,
    /// each a read's text or «error».
    func queued(_ world: TestWorld, _ batcher: StatementBatcher, locking table: String, reads: [BatchedRead])
        async throws -> [String]
    {
        let loop = world.app.eventLoopGroup.next()
        let request = Request(application: world.app, on: loop)
        let database = world.app.databases.database(logger: world.app.logger, on: loop)!
        @Sendable func run(_ read: BatchedRead) async -> String {
            do {
                return try await read(database.sql, (batcher, request))
            } catch {
                return "error"
            }
        }
        let tasks = try await world.app.db.transaction { tx -> [Task<String, Never>] in
            var tasks: [Task<String, Never>] = []
            try await tx.sql.raw("LOCK TABLE \(unsafeRaw: table) IN ACCESS EXCLUSIVE MODE").run()
            tasks.append(Task { await run(reads[0]) })
            // The first one's batch is running, and waits for the lock …
            if try await !Self.within(seconds: 10, { try await Self.waitsForTheLock(on: table, tx.sql) }) {
                Issue.record("the first batch never waited for the lock")
            }
            // … so the rest wait for it.
            for read in reads.dropFirst() { tasks.append(Task { await run(read) }) }
            if try await !Self.within(seconds: 10, { batcher.waiting == reads.count - 1 }) {
                Issue.record("\(batcher.waiting) of \(reads.count - 1) requests waited for the running batch")
            }
            return tasks
        }
        var results: [String] = []
        for task in tasks { results.append(await task.value) }
        return results
    }

    /// Whether `condition` comes true within `seconds`, asked every 10 ms.
    static func within(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// Whether a statement waits for the lock on `table`, asked on `sql` (the connection holding it: the
    /// pool may have no other). `pg_locks` is read anew each time, where `pg_stat_activity` would be read once
    /// per transaction.
    static func waitsForTheLock(on table: String, _ sql: any SQLDatabase) async throws -> Bool {
        let row = try await sql.raw(
            "SELECT COUNT(*) AS n FROM pg_locks WHERE relation = CAST(\(bind: table) AS regclass) AND NOT granted"
        ).first()
        return try (row?.decode(column: "n", as: Int.self) ?? 0) > 0
    }

    /// `(batches, requests)` of `kind` from `/metrics`.
    func batches(_ world: TestWorld, _ kind: PortalMetrics.Batches = .sessionPage) async throws -> (Int, Int) {
        var text = ""
        try await world.app.testing().test(.GET, "metrics") { res async in text = res.body.string }
        func value(_ name: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
                Int($0.dropFirst(name.count + 1))
            } ?? -1
        }
        return (value("lkk_\(kind.rawValue)_batches_total"), value("lkk_\(kind.rawValue)_batched_requests_total"))
    }

    /// Requests that come while a batch runs wait for it and then go in one statement, each getting its own.
    @Test func onPostgreSQLRequestsThatComeWhileABatchRunsGoTogether() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            let (a, tokenA, b, tokenB) = try await twoCompanies(world)
            let rest = [
                (tokenB, page(b)), (tokenA, page(a, chart: PaymentsTests.number)),
                (Sessions.hash(Sessions.randomToken()), page(a)), (tokenB, page(b, chart: Self.otherNumber)),
            ]
            let batcher = StatementBatcher(maxInFlight: 1)
            let before = try await batches(world)
            let results = try await queued(world, batcher, first: (tokenA, page(a)), rest: rest)
            var expected: [String] = []
            for (token, query) in [(tokenA, page(a))] + rest {
                expected.append(
                    try summary(
                        try await PortalSessionMiddleware.find(tokenHash: token, with: query, on: world.app.db.sql)))
            }
            #expect(results == expected)
            #expect(results[1].contains("other@romashka.ru") && results[1].contains("77700"))
            #expect(results[3] == "no session")
            let after = try await batches(world)
            #expect(after.0 - before.0 == 2, "the first alone, then the four that waited")
            #expect(after.1 - before.1 == 5)
        }
    }

    /// A batch PostgreSQL refuses (a text with a NUL character, which no page sends since `URLQuery` drops
    /// it) fails no request but the one that brought the value: each runs its own statement.
    @Test func onPostgreSQLABatchThatFailsLeavesEachRequestToRunAlone() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            let (a, tokenA, b, tokenB) = try await twoCompanies(world)
            let batcher = StatementBatcher(maxInFlight: 1)
            let results = try await queued(
                world, batcher, first: (tokenA, page(a)),
                rest: [(tokenB, page(b)), (tokenA, page(a, chart: "bad\u{0}")), (tokenA, page(a))])
            let own = try summary(
                try await PortalSessionMiddleware.find(tokenHash: tokenB, with: page(b), on: world.app.db.sql))
            #expect(results[1] == own)
            #expect(results[2] == "error", "the request with the refused value fails alone")
            #expect(results[3] == results[0] && results[0].contains("buh@romashka.ru"))
        }
    }

    /// A NUL character in a page's query, which PostgreSQL refuses in any text (it was a server error there),
    /// counts as no value: the page is the one without it.
    @Test func aNULInThePagesQueryCountsAsNoValue() async throws {
        try await withPortal { world in
            let browser = try await payments.setUp(world, role: .manager)
            for (path, plain) in [
                ("/payments?chart=%00", "/payments"), ("/payments?chart=74070100099901%00", "/payments"),
                ("/readings?contract=%00", "/readings"), ("/readings?contract=a%00b&page=1", "/readings?page=1"),
            ] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.body == (try await browser.get(plain)).body, "\(path)")
            }
        }
    }

    /// Two companies' pages asked for at once, many times over, each show their own contract and never the
    /// other's; on PostgreSQL every one of them went through the batcher.
    @Test func pagesAskedForAtOnceShowEachCompanyItsOwn() async throws {
        try await withPortal { world in
            // Managers, who see both pages.
            let mine = try await payments.setUp(world, role: .manager)
            let theirs = try await otherCompany(world, role: .manager)
            let before = try await batches(world)
            let pagesBefore = try await batches(world, .page)
            func paths(_ number: String) -> [String] {
                ["/payments", "/payments?chart=\(number)", "/readings", "/readings?contract=\(number)"]
            }
            var asked: [(mine: Bool, path: String)] = []
            for _ in 0..<4 {
                asked += paths(PaymentsTests.number).map { (true, $0) } + paths(Self.otherNumber).map { (false, $0) }
            }
            let pages = try await withThrowingTaskGroup(of: (Bool, String, TestBrowser.Page).self) { group in
                for (isMine, path) in asked {
                    let browser = TestBrowser(world)
                    browser.cookie = isMine ? mine.cookie : theirs.cookie
                    group.addTask { (isMine, path, try await browser.get(path)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pages.count == asked.count)
            for (isMine, path, page) in pages {
                #expect(page.status == .ok, "\(path)")
                let own = isMine ? PaymentsTests.number : Self.otherNumber
                let other = isMine ? Self.otherNumber : PaymentsTests.number
                #expect(page.body.contains(own), "\(isMine ? "mine" : "theirs") \(path)")
                #expect(!page.body.contains(other), "\(isMine ? "mine" : "theirs") \(path): the other company's")
            }
            let after = try await batches(world)
            #expect(after.1 - before.1 == (onPostgreSQL ? asked.count : 0), "every page through the batcher")
            #expect(after.0 - before.0 <= after.1 - before.1)
            // The meters of each «Показания» page of K-1 (K-2 has no energy objects, so no meters to read).
            let pagesAfter = try await batches(world, .page)
            let readingsOfMine = asked.filter { $0.mine && $0.path.hasPrefix("/readings") }.count
            #expect(pagesAfter.1 - pagesBefore.1 == (onPostgreSQL ? readingsOfMine : 0), "meters through the batcher")
        }
    }

    /// Both companies, managers of their contracts: K-1 with its sample meter, and K-2 with an energy object
    /// «EO-9», its meter and a channel.
    func twoCompaniesWithMeters(_ world: TestWorld) async throws {
        _ = try await ReadingsTests().setUp(world, role: .manager)
        _ = try await otherCompany(world, role: .manager)
        let token = try await world.billingToken("other-objects")
        let items: [(String, JSONValue)] = [
            (
                "energy-objects",
                [
                    "id": "EO-9", "contractId": "K-2", "code": "000900", "name": "Цех Лютика", "address": "г. Пермь",
                    "status": "waiting",
                ]
            ),
            (
                "meters",
                [
                    "id": "M-9", "energyObjectId": "EO-9", "number": "99999999", "model": "Меркурий 230",
                    "complexName": "ИК Лютик", "digits": 6, "ratio": 1, "hourly": false, "status": "waiting",
                ]
            ),
            ("meter-channels", ["id": "CH-9", "meterId": "M-9", "quantity": "activeImport", "zone": "allDay"]),
        ]
        for (path, item) in items {
            #expect(try await world.api(.PUT, path, token: token, body: ["items": [item]]).status == .ok)
        }
    }

    /// «Показания»'s meters for a contract, period and objects.
    func meters(_ contract: String, _ objects: [String], period: String = "2026-11") throws -> ReadingsData.PageQuery {
        try ReadingsData.PageQuery(contractID: contract, period: BillingPeriod(period)!, objectIDs: objects)
    }

    /// The rows of «Показания»'s meters as comparable text.
    func texts(_ rows: [any SQLRow]) throws -> [String] {
        try SessionPageTests.texts(rows, columns: ReadingsData.PageQuery.packedColumns!)
    }

    /// Every entry of one `PackedBatch` of «Показания»'s meters reads what its own statement reads: two
    /// companies' contracts, one or two objects, another contract's object, another period, no objects, the
    /// same entry twice; the unused entries (empty values, which are no JSON array) are never run.
    @Test func onPostgreSQLEachEntryOfAPackedBatchReadsWhatItsOwnStatementReads() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            try await twoCompaniesWithMeters(world)
            let queries = [
                try meters("K-1", ["EO-1"]), try meters("K-2", ["EO-9"]), try meters("K-1", ["EO-9"]),
                try meters("K-1", ["EO-1"], period: "2026-10"), try meters("K-2", []),
                try meters("K-1", ["EO-1", "EO-9"]),
                try meters("K-1", ["EO-1"]),
            ]
            let sql = world.app.db.sql
            let batch = PackedBatch<ReadingsData.PageQuery>(entries: queries.map { PackedBatch.entry($0)! })
            let rows = try await sql.rows(batch)
            #expect(rows.count == queries.count, "one row per entry, none for the unused ones")
            var byEntry: [Int: [String]] = [:]
            for row in rows {
                let entry = try row.decode(column: "batch_index", as: Int.self)
                #expect(PackedBatch<ReadingsData.PageQuery>.belongs(row, to: batch.entries[entry - 1]))
                byEntry[entry] = try texts(try PackedBatch<ReadingsData.PageQuery>.rows(row))
            }
            for (offset, query) in queries.enumerated() {
                #expect(byEntry[offset + 1] == (try texts(try await sql.rows(query))), "entry \(offset + 1)")
            }
            let mine = byEntry[1]?.joined() ?? ""
            #expect(mine.contains("CH-1") && !mine.contains("CH-9"))
            let theirs = byEntry[2]?.joined() ?? ""
            #expect(theirs.contains("CH-9") && !theirs.contains("CH-1"))
            #expect(byEntry[3] == [], "another contract's object has no meters here")
            #expect(byEntry[6] == byEntry[1])
            // A row is another entry's when its key differs.
            let first = try #require(rows.first { (try? $0.decode(column: "batch_index", as: Int.self)) == 1 })
            #expect(!PackedBatch<ReadingsData.PageQuery>.belongs(first, to: batch.entries[1]))
        }
    }

    /// Reads of «Показания»'s meters through the batcher while `meters` is locked: the first alone, the rest
    /// in one batch; each gets its own rows, and a value PostgreSQL refuses fails its own read alone.
    @Test func onPostgreSQLPagesOfMetersThatComeWhileABatchRunsGoTogether() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            try await twoCompaniesWithMeters(world)
            let queries = [
                try meters("K-1", ["EO-1"]), try meters("K-2", ["EO-9"]), try meters("K-1", ["EO-1", "EO-9"]),
                try meters("K-2", ["EO-9"], period: "2026-10"),
            ]
            @Sendable func reads(_ queries: [ReadingsData.PageQuery]) -> [BatchedRead] {
                queries.map { query in
                    { sql, batching in try texts(try await sql.rows(query, batching: batching)).joined(separator: "|") }
                }
            }
            var expected: [String] = []
            for query in queries {
                expected.append(try texts(try await world.app.db.sql.rows(query)).joined(separator: "|"))
            }
            #expect(expected[1].contains("CH-9") && !expected[0].contains("CH-9"))

            let before = try await batches(world, .page)
            let results = try await queued(
                world, StatementBatcher(maxInFlight: 1), locking: "meters", reads: reads(queries))
            #expect(results == expected)
            let after = try await batches(world, .page)
            #expect(after.0 - before.0 == 2, "the first alone, then the three that waited")
            #expect(after.1 - before.1 == 4)

            let failed = try await queued(
                world, StatementBatcher(maxInFlight: 1), locking: "meters",
                reads: reads([queries[0], queries[1], try meters("K-1\u{0}", ["EO-1"]), queries[2]]))
            #expect(failed == [expected[0], expected[1], "error", expected[2]], "the refused value fails alone")
        }
    }
}
