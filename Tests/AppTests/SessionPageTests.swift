import Fluent
import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// «Оплата», and «Показания»'s first statement, read in one statement with the session on PostgreSQL
/// (`SessionAndPage`, issue 8): the rows are the page statement's own, the page takes them only for the very
/// statement it runs, and a session that may not see the page still may not.
@Suite struct SessionPageTests {
    let payments = PaymentsTests()

    /// `lkk_session_page_reads_total` by `taken`, from `/metrics`.
    func reads(_ world: TestWorld) async throws -> (taken: Int, untaken: Int) {
        var text = ""
        try await world.app.testing().test(.GET, "metrics") { res async in text = res.body.string }
        func value(_ taken: Bool) -> Int {
            let prefix = "lkk_session_page_reads_total{taken=\"\(taken)\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap {
                Int($0.dropFirst(prefix.count))
            }
                ?? -1
        }
        return (value(true), value(false))
    }

    var onPostgreSQL: Bool { TestDatabase.postgresURL != nil }

    @Test func onPostgreSQLPaymentsIsReadWithTheSession() async throws {
        try await withPortal { world in
            let browser = try await payments.setUp(world)
            let page = try await browser.get("/payments")
            #expect(page.status == .ok)
            #expect(page.body.contains(Money(kopecks: 1_334_567).formatted), "the documents' debt")
            #expect(page.body.contains("ноябрь 2026: 12\u{202F}345,67\u{00A0}₽"), "the chart")
            let charted = try await browser.get("/payments?chart=\(PaymentsTests.number)")
            #expect(charted.status == .ok)
            #expect(charted.body.contains("ноябрь 2026: 12\u{202F}345,67\u{00A0}₽"))
            // The payment form's page reads its data on its own.
            #expect(try await browser.get("/payments/pay?contract=\(PaymentsTests.number)").status == .ok)
            let (taken, untaken) = try await reads(world)
            #expect(taken == (onPostgreSQL ? 2 : 0), "only PostgreSQL reads the page with the session")
            #expect(untaken == 0)
        }
    }

    /// The statement's rows are exactly the page statement's, for its account, with and without a chart;
    /// a token no session has reads nothing, and a session before sign-in reads the session alone.
    @Test func onPostgreSQLTheSessionsStatementReadsThePagesRows() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            let browser = try await payments.setUp(world)
            let sql = world.app.db.sql
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let token = try #require(browser.cookie)
            let month = BillingPeriod("2026-11")
            for chart in ["", PaymentsTests.number, "9999"] {
                let page = PaymentsData.PageQuery(
                    accountID: account.id!, acquirer: "sandbox", chartNumber: chart, month: month)
                let (found, read) = try await PortalSessionMiddleware.find(
                    tokenHash: Sessions.hash(token), with: page, on: sql)
                #expect(found?.0.accountID == account.id)
                #expect(found?.1?.email == "buh@romashka.ru")
                let rows = try #require(read).rows
                let own = try await sql.rows(page)
                #expect(own.count >= 5, "contracts, documents, advances and the chart")
                #expect(try Self.texts(rows) == Self.texts(own), "chart «\(chart)»")
            }
            let page = PaymentsData.PageQuery(accountID: account.id!, acquirer: "sandbox", chartNumber: "", month: nil)
            let (none, nothing) = try await PortalSessionMiddleware.find(
                tokenHash: Sessions.hash(Sessions.randomToken()), with: page, on: sql)
            #expect(none == nil && nothing == nil)
            let anonymous = PortalSession(
                tokenHash: Sessions.hash("anonymous"), csrfToken: "c", accountID: nil, now: world.clock.now(),
                userAgent: nil, ipAddress: nil)
            try await anonymous.create(on: world.app.db)
            let (session, rows) = try await PortalSessionMiddleware.find(
                tokenHash: Sessions.hash("anonymous"), with: page, on: sql)
            #expect(session?.0.id == anonymous.id && session?.1 == nil)
            #expect(rows == nil)
        }
    }

    /// «Показания» takes its contracts and the chosen contract's objects from the session's statement, with
    /// the contract asked for or without one (the first), and shows the same page as when it reads them itself.
    @Test func onPostgreSQLReadingsIsReadWithTheSession() async throws {
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .powerEngineer)
            let chosen = try await browser.get("/readings?contract=\(ReadingsTests.number)")
            let first = try await browser.get("/readings")
            for page in [chosen, first] {
                #expect(page.status == .ok)
                #expect(page.body.contains("01234567"), "the contract's meter")
                #expect(page.body.contains("Передать показания"))
            }
            // Another contract's number is not the account's: no contract is chosen, whoever's rows are read.
            let other = try await browser.get("/readings?contract=99999999999999")
            #expect(!other.body.contains("01234567"))
            // The upload page reads its contracts on its own.
            #expect(try await browser.get("/readings/upload").status == .ok)
            let (taken, untaken) = try await reads(world)
            #expect(taken == (onPostgreSQL ? 3 : 0), "only PostgreSQL reads the page with the session")
            #expect(untaken == 0)
        }
    }

    /// `ChoiceQuery` read with the session gives its own rows, with a contract's number and without.
    @Test func onPostgreSQLTheSessionsStatementReadsTheReadingsChoice() async throws {
        guard onPostgreSQL else { return }
        try await withPortal { world in
            let browser = try await ReadingsTests().setUp(world, role: .powerEngineer)
            let sql = world.app.db.sql
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let token = try #require(browser.cookie)
            for number in ["", ReadingsTests.number, "99999999999999"] {
                let page = ReadingsData.ChoiceQuery(accountID: account.id!, number: number)
                let (found, read) = try await PortalSessionMiddleware.find(
                    tokenHash: Sessions.hash(token), with: page, on: sql)
                #expect(found?.0.accountID == account.id)
                let rows = try #require(read).rows
                let own = try await sql.rows(page)
                #expect(own.count >= (number.hasPrefix("9") ? 1 : 3), "the contract, the chosen one and its object")
                #expect(
                    try Self.texts(rows, columns: ReadingsData.ChoiceQuery.packedColumns!)
                        == Self.texts(own, columns: ReadingsData.ChoiceQuery.packedColumns!), "number «\(number)»")
            }
        }
    }

    static func texts(_ rows: [any SQLRow], columns: [String] = PaymentsData.PageQuery.packedColumns!) throws
        -> [String]
    {
        try rows.map { row in
            try columns.map {
                (try row.decode(column: $0, as: String?.self)) ?? "NULL"
            }.joined(separator: "|")
        }.sorted()
    }

    /// `Sessions.rows` gives the rows read with the session only for the same statement, account and values,
    /// and only once; otherwise it reads the statement itself.
    @Test func theRowsReadWithTheSessionAreTakenOnlyForTheirOwnStatement() async throws {
        try await withPortal { world in
            _ = try await payments.setUp(world)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let other = try await world.makeAccount(email: "other@romashka.ru", password: ProfileTests.password)
            let mine = account.id!
            func query(_ accountID: UUID, chart: String = "") -> PaymentsData.PageQuery {
                PaymentsData.PageQuery(
                    accountID: accountID, acquirer: "sandbox", chartNumber: chart, month: BillingPeriod("2026-11"))
            }
            /// A request whose session is `sessionAccount`'s, holding no rows read for `query(mine)`.
            func request(session sessionAccount: UUID) throws -> Request {
                let request = Request(application: world.app, on: world.app.eventLoopGroup.next())
                let state = SessionState()
                state.current = PortalSession(
                    tokenHash: "t", csrfToken: "c", accountID: sessionAccount, now: world.clock.now(), userAgent: nil,
                    ipAddress: nil)
                state.page = SessionState.PageRows(
                    statement: ObjectIdentifier(PaymentsData.PageQuery.self), accountID: mine,
                    binds: try SessionAndPage.binds(query(mine)), rows: [])
                request.storage[SessionState.Key.self] = state
                return request
            }
            let own = try await world.app.db.sql.rows(query(mine))
            #expect(!own.isEmpty)

            let taken = try request(session: mine)
            #expect(try await taken.sessions.rows(query(mine)).isEmpty, "the rows read with the session")
            #expect(try await taken.sessions.rows(query(mine)).count == own.count, "taken once")

            let chart = try request(session: mine)
            #expect(try await chart.sessions.rows(query(mine, chart: PaymentsTests.number)).count == own.count)

            let another = try request(session: mine)
            #expect(try await another.sessions.rows(query(other.id!)).isEmpty == true, "the other account's own")
            #expect(try await world.app.db.sql.rows(query(other.id!)).isEmpty)

            let otherSession = try request(session: other.id!)
            #expect(try await otherSession.sessions.rows(query(mine)).count == own.count)

            let (taken_, untaken) = try await reads(world)
            #expect(taken_ == 1 && untaken == 3)
        }
    }

    /// A session that may not see «Оплата» is sent where it would be without the shared statement: an idle
    /// one to sign in (and it is deleted), one before sign-in to sign in, an unfinished registration to
    /// «Давайте познакомимся».
    @Test func aSessionThatMayNotSeeThePageStillMayNot() async throws {
        try await withPortal { world in
            let browser = try await payments.setUp(world)
            #expect(try await browser.get("/payments").status == .ok)
            world.clock.advance(31 * 60)
            let idle = try await browser.get("/payments")
            #expect(idle.location == "/login")
            #expect(try await world.count("sessions") == 0, "the idle session is deleted")
            #expect(try await browser.get("/payments").location == "/login")

            let anonymous = TestBrowser(world)
            try await anonymous.get("/login")
            #expect(anonymous.cookie != nil)
            #expect(try await anonymous.get("/payments").location == "/login")

            _ = try await world.makeAccount(
                email: "new@romashka.ru", password: ProfileTests.password, complete: false)
            let newcomer = TestBrowser(world)
            try await newcomer.get("/login")
            try await newcomer.post("/login", ["email": "new@romashka.ru", "password": ProfileTests.password])
            #expect(try await newcomer.get("/payments").location == SitePath.welcome.path)

            let (taken, untaken) = try await reads(world)
            #expect(taken == (onPostgreSQL ? 1 : 0))
            #expect(untaken == (onPostgreSQL ? 1 : 0), "read for the newcomer, not taken")
        }
    }
}
