import Fluent
import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// The statements read with the session, gathered in batches on PostgreSQL (`SessionPageBatcher`, issue 8):
/// each request gets its own session's row and page, whatever else is in its batch, and a batch that fails
/// leaves each request to run alone.
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
        _ world: TestWorld, _ batcher: SessionPageBatcher, first: (String, PaymentsData.PageQuery),
        rest: [(String, PaymentsData.PageQuery)]
    ) async throws -> [String] {
        let loop = world.app.eventLoopGroup.next()
        let request = Request(application: world.app, on: loop)
        let database = world.app.databases.database(logger: world.app.logger, on: loop)!
        @Sendable func read(_ token: String, _ query: PaymentsData.PageQuery) async -> String {
            do {
                return try summary(
                    try await PortalSessionMiddleware.find(
                        tokenHash: token, with: query, on: database.sql, batching: (batcher, request)))
            } catch {
                return "error"
            }
        }
        let tasks = try await world.app.db.transaction { tx -> [Task<String, Never>] in
            var tasks: [Task<String, Never>] = []
            try await tx.sql.raw("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE").run()
            tasks.append(Task { await read(first.0, first.1) })
            // The first one's batch is running, and waits for the lock …
            if try await !Self.within(seconds: 10, { try await Self.waitsForTheLock(tx.sql) }) {
                Issue.record("the first batch never waited for the lock")
            }
            // … so the rest wait for it.
            for (token, query) in rest { tasks.append(Task { await read(token, query) }) }
            if try await !Self.within(seconds: 10, { batcher.waiting == rest.count }) {
                Issue.record("\(batcher.waiting) of \(rest.count) requests waited for the running batch")
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

    /// Whether a statement waits for the lock on `sessions`, asked on `sql` (the connection holding it: the
    /// pool may have no other). `pg_locks` is read anew each time, where `pg_stat_activity` would be read once
    /// per transaction.
    static func waitsForTheLock(_ sql: any SQLDatabase) async throws -> Bool {
        let row = try await sql.raw(
            "SELECT COUNT(*) AS n FROM pg_locks WHERE relation = CAST('sessions' AS regclass) AND NOT granted"
        ).first()
        return try (row?.decode(column: "n", as: Int.self) ?? 0) > 0
    }

    /// `(batches, requests)` from `/metrics`.
    func batches(_ world: TestWorld) async throws -> (Int, Int) {
        var text = ""
        try await world.app.testing().test(.GET, "metrics") { res async in text = res.body.string }
        func value(_ name: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
                Int($0.dropFirst(name.count + 1))
            } ?? -1
        }
        return (value("lkk_session_page_batches_total"), value("lkk_session_page_batched_requests_total"))
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
            let batcher = SessionPageBatcher(maxInFlight: 1)
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
            let batcher = SessionPageBatcher(maxInFlight: 1)
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
        }
    }
}
