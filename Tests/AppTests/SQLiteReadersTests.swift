import FluentKit
import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Testing
import VaporTesting

@testable import App

/// The read-only connections that run the hot queries on a SQLite file (issue 8).
@Suite struct SQLiteReadersTests {
    /// One row of every kind of value the portal stores, decoded as several Swift types.
    struct ValuesQuery: PreparedSQL {
        static let sql = """
            SELECT $1 AS text, $2 AS integer, $3 AS real, $4 AS flag, $5 AS id, $6 AS at, NULL AS empty,
                   $1 || '-' || $2 AS joined, 'a' AS twice, 'b' AS twice
            """
        let text: String
        let integer: Int64
        let real: Double
        let flag: Bool
        let id: UUID
        let at: Date
        var values: [any PostgresEncodable & Encodable & Sendable] { [text, integer, real, flag, id, at] }
    }

    struct CountQuery: PreparedSQL {
        static let sql = "SELECT count(*) AS n FROM accounts WHERE email LIKE $1"
        let pattern: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [pattern] }
    }

    struct WriteQuery: PreparedSQL {
        static let sql = "DELETE FROM accounts"
        var values: [any PostgresEncodable & Encodable & Sendable] { [] }
    }

    /// Runs `body` with the world's readers as the current ones, as a request does.
    func withReaders<T>(_ world: TestWorld, _ body: () async throws -> T) async throws -> T {
        let readers = try #require(world.app.sqliteReaders)
        return try await SQLiteReaders.$current.withValue(readers) { try await body() }
    }

    @Test func numberedParametersAreSQLites() {
        #expect(
            SQLiteReaders.numberedParameters("SELECT $1, $2, $10, '$x', $") == "SELECT ?1, ?2, ?10, '$x', $")
        #expect(SQLiteReaders.numberedParameters("no parameters") == "no parameters")
    }

    @Test func aReaderDecodesEveryValueAsSQLiteKitDoes() async throws {
        try await withPortal { world in
            guard world.app.sqliteReaders != nil else { return }  // PostgreSQL
            let query = ValuesQuery(
                text: "Ромашка «ООО»", integer: 9_007_199_254_740_993, real: 12.5, flag: true,
                id: UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!,
                at: Date(timeIntervalSince1970: 1_795_900_000.25))
            let read = try await withReaders(world) { try await world.app.db.sql.rows(query) }
            let driver = try await world.app.db.sql.raw("\(query.expression)").all()
            #expect(read.count == 1 && driver.count == 1)
            let (ours, theirs) = (read[0], driver[0])
            #expect(ours is ReaderRow, "read by a reader")
            #expect(!(theirs is ReaderRow))
            #expect(ours.allColumns == theirs.allColumns)
            expectSameDecoding(
                ours, theirs, columns: ["text", "integer", "real", "flag", "id", "at", "empty", "joined", "twice"])
            for column in ["text", "integer", "real", "flag", "id", "at", "empty", "joined", "twice"] {
                #expect(ours.contains(column: column))
            }
            #expect(try ours.decode(column: "text", as: String.self) == "Ромашка «ООО»")
            #expect(try ours.decode(column: "integer", as: Int64.self) == 9_007_199_254_740_993)
            #expect(try ours.decode(column: "id", as: UUID.self) == query.id)
            #expect(try ours.decode(column: "twice", as: String.self) == "a", "the first of two columns")
            #expect(try ours.decodeNil(column: "empty"))
            #expect(try ours.decodeNil(column: "missing"), "a missing column reads as NULL, as in SQLiteKit")
            #expect(!ours.contains(column: "missing"))
            #expect(throws: (any Error).self) { try ours.decode(column: "missing", as: String.self) }
        }
    }

    @Test func aReaderSeesEachCommitAndATransactionReadsItsOwnConnection() async throws {
        try await withPortal { world in
            guard let readers = world.app.sqliteReaders else { return }
            let sql = world.app.db.sql
            @Sendable func count() async throws -> Int {
                try await withReaders(world) {
                    try await sql.rows(CountQuery(pattern: "%@readers.test")).first!.decode(column: "n", as: Int.self)
                }
            }
            let n1 = try await count()

            #expect(n1 == 0)
            try await Account.sample(email: "one@readers.test", passwordHash: "-", now: world.clock.now())
                .create(on: world.app.db)
            let n2 = try await count()

            #expect(n2 == 1, "the next read sees the commit: the statement's read was ended")
            #expect(readers.openedCount == 1, "and the connection and its statement were kept")

            // Inside a transaction the query runs on the transaction's connection, which sees its own writes.
            try await world.app.db.transaction { tx in
                try await Account.sample(email: "two@readers.test", passwordHash: "-", now: world.clock.now())
                    .create(on: tx)
                let inside = try await withReaders(world) {
                    try await tx.sql.rows(CountQuery(pattern: "%@readers.test")).first!.decode(
                        column: "n", as: Int.self)
                }
                #expect(inside == 2)
                let n3 = try await count()

                #expect(n3 == 1, "a reader does not see what is not committed")
            }
            let n4 = try await count()

            #expect(n4 == 2)
        }
    }

    struct EmailRow: ColumnRow {
        let email: String
        init(row: any SQLRow) throws { email = try row.decode(column: "email", as: String.self) }
    }

    @Test func aQuerySQLKitBuiltIsReadByTheReadersUnderItsText() async throws {
        try await withPortal { world in
            guard let readers = world.app.sqliteReaders else { return }
            try await Account.sample(email: "real@readers.test", passwordHash: "-", now: world.clock.now())
                .create(on: world.app.db)
            let sql = world.app.db.sql
            let before = readers.readCount
            // 70 texts, `IN` lists of 1 to 70 addresses: more than a connection keeps, so the first ones are
            // dropped and prepared again.
            for round in 1...2 {
                for length in 1...70 {
                    let wanted = ["real@readers.test"] + (1..<length).map { "nobody\($0)@readers.test" }
                    let rows = try await withReaders(world) {
                        try await sql.select().column("email").from("accounts")
                            .where("email", .in, SQLBind.group(wanted)).rows(EmailRow.self)
                    }
                    #expect(rows.map(\.email) == ["real@readers.test"], "round \(round), \(length) addresses")
                }
            }
            #expect(readers.readCount - before == 140)
            // In a transaction, on its connection.
            try await world.app.db.transaction { tx in
                try await Account.sample(email: "new@readers.test", passwordHash: "-", now: world.clock.now())
                    .create(on: tx)
                let rows = try await withReaders(world) {
                    try await tx.sql.select().column("email").from("accounts").where("email", .like, "%@readers.test")
                        .orderBy("email").rows(EmailRow.self)
                }
                #expect(rows.map(\.email) == ["new@readers.test", "real@readers.test"])
            }
            #expect(readers.readCount - before == 140)
        }
    }

    @Test func readersCannotWriteAndSayWhatWentWrong() async throws {
        try await withPortal { world in
            guard world.app.sqliteReaders != nil else { return }
            try await Account.sample(email: "kept@readers.test", passwordHash: "-", now: world.clock.now())
                .create(on: world.app.db)
            await #expect(throws: DirectSQLiteError.self) {
                try await withReaders(world) { try await world.app.db.sql.rows(WriteQuery()) }
            }
            #expect(try await Account.query(on: world.app.db).count() == 1)
        }
    }

    @Test func manyConcurrentReadsEachGetTheirRowsAndClosingStopsThem() async throws {
        try await withPortal { world in
            guard let readers = world.app.sqliteReaders else { return }
            for index in 1...5 {
                try await Account.sample(email: "a\(index)@readers.test", passwordHash: "-", now: world.clock.now())
                    .create(on: world.app.db)
            }
            let sql = world.app.db.sql
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let pattern = index % 2 == 0 ? "%@readers.test" : "a1@%"
                        return try await SQLiteReaders.$current.withValue(readers) {
                            try await sql.rows(CountQuery(pattern: pattern)).first!.decode(column: "n", as: Int.self)
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.filter { $0 == 5 }.count == 50)
            #expect(counts.filter { $0 == 1 }.count == 50)
            readers.close()
            #expect(throws: DirectSQLiteError.self) { try readers.rows(CountQuery(pattern: "%")) }
        }
    }

    @Test func aKeptStatementKeepsItsPlanWhateverIsBound() async throws {
        try await withPortal { world in
            guard let readers = world.app.sqliteReaders else { return }
            _ = try await ReadingsTests().setUp(world, role: .manager)
            let period = BillingPeriod(year: 2026, month: 11)!
            // A bound `LIKE` pattern and a JSON array given to a function are values SQLite would compile the
            // statement again for, each time they change.
            for pattern in ["%", "b%", "%romashka%", "x"] {
                _ = try readers.rows(CountQuery(pattern: pattern))
            }
            for ids in [["EO-1"], ["EO-9"], ["EO-9", "EO-1"], []] {
                let rows = try readers.rows(ReadingsData.PageQuery(contractID: "K-1", period: period, objectIDs: ids))
                #expect(rows.isEmpty == !ids.contains("EO-1"))
            }
            #expect(readers.readCount >= 8)
            #expect(readers.recompilationCount == 0)
        }
    }

    @Test func aPageIsReadByTheReadersAndAnInMemoryDatabaseHasNone() async throws {
        try await withPortal { world in
            guard let readers = world.app.sqliteReaders else { return }
            let browser = try await PaymentsTests().setUp(world, role: .manager)
            let reads = readers.readCount
            let page = try await browser.get("/payments")
            #expect(page.status == .ok)
            #expect(page.body.contains(PaymentsTests.number))
            #expect(page.body.contains("09-1/1"), "the unpaid document, read by the page query")
            // The session, then «Оплата»'s rows with its chart.
            #expect(readers.readCount - reads == 2, "the session and «Оплата» were read by a reader")
        }
        try await withPortal({ $0.database = .sqliteMemory }) { world in
            #expect(world.app.sqliteReaders == nil)
        }
    }
}
