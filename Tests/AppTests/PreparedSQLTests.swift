import FluentKit
import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Testing

@testable import App

/// A hot query written once with `$1`, `$2`…: SQLite's and PostgreSQL's placeholders, prepared statements.
@Suite struct PreparedSQLTests {
    struct EchoQuery: PreparedSQL {
        static let sql = "SELECT CAST($1 AS TEXT) AS a, CAST($2 AS TEXT) AS b, CAST($1 AS TEXT) AS c, '$x' AS d"
        let first: String
        let second: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [first, second] }
    }

    /// A statement whose text differs by database.
    struct DialectQuery: PreparedSQL {
        static let sql = "SELECT 'postgresql:' || CAST($1 AS TEXT) AS a"
        static let sqliteSQL = "SELECT 'sqlite:' || CAST($1 AS TEXT) AS a"
        let value: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [value] }
    }

    @Test func placeholdersAreTheDialectsAndBindInOrder() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            func placeholder(_ position: Int) -> String {
                var serializer = SQLSerializer(database: sql)
                sql.dialect.bindPlaceholder(at: position).serialize(to: &serializer)
                return serializer.sql
            }
            var serializer = SQLSerializer(database: sql)
            NumberedPlaceholders(text: "SELECT $1, $2, $1, '$x', $9, $", values: ["a", 5]).serialize(to: &serializer)
            #expect(
                serializer.sql == "SELECT \(placeholder(1)), \(placeholder(2)), \(placeholder(1)), '$x', $9, $")
            #expect(serializer.binds.count == 2)
            #expect(placeholder(2) == (sql.dialect.name == "postgresql" ? "$2" : "?2"))

            let rows = try await sql.rows(EchoQuery(first: "первый", second: "второй"))
            #expect(rows.count == 1)
            #expect(try rows[0].decode(column: "a", as: String.self) == "первый")
            #expect(try rows[0].decode(column: "b", as: String.self) == "второй")
            #expect(try rows[0].decode(column: "c", as: String.self) == "первый")
            #expect(try rows[0].decode(column: "d", as: String.self) == "$x")

            // Each database runs its own text: through the readers or prepared statements, and through SQLKit.
            let name = sql.dialect.name == "postgresql" ? "postgresql" : "sqlite"
            let own = try await sql.rows(DialectQuery(value: "x"))
            #expect(try own.map { try $0.decode(column: "a", as: String.self) } == ["\(name):x"])
            let viaSQLKit = try await sql.raw("\(DialectQuery(value: "y").expression)").all()
            #expect(try viaSQLKit.map { try $0.decode(column: "a", as: String.self) } == ["\(name):y"])
        }
    }

    @Test func onPostgreSQLAHotQueryIsPreparedOncePerConnectionAndReadsTheSameRows() async throws {
        try await withPortal { world in
            let payments = PaymentsTests()
            _ = try await payments.setUp(world, role: .manager)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let query = PaymentsData.PageQuery(
                accountID: account.id!, acquirer: "sandbox", chartNumber: "", month: BillingPeriod("2026-11"))
            func rows(_ sql: any SQLDatabase) async throws -> [String] {
                try await sql.rows(query).map { row in
                    [
                        try row.decode(column: "kind", as: String.self),
                        try row.decode(column: "contract_id", as: String?.self) ?? "-",
                        try row.decode(column: "number", as: String?.self) ?? "-",
                        String(try row.decode(column: "kopecks", as: Int64.self)),
                        String(try row.decode(column: "flag", as: Int.self)),
                    ].joined(separator: "|")
                }.sorted()
            }
            // Through the driver (prepared on PostgreSQL) and through SQLKit (a wrapper is not a
            // PostgresDatabase): the same rows.
            let direct = try await rows(world.app.db.sql)
            let throughSQLKit = try await rows(CountingDatabase(world.app.db.sql))
            #expect(direct == throughSQLKit)
            #expect(direct.contains { $0.hasPrefix("c|K-1|") }, "the contract")
            #expect(direct.contains { $0.hasPrefix("d|K-1|") }, "its unpaid documents")

            guard world.app.db.sql.dialect.name == "postgresql" else { return }
            try await world.app.db.transaction { tx in
                let sql = tx.sql
                for _ in 1...3 { _ = try await sql.rows(EchoQuery(first: "x", second: "y")) }
                let prepared = try await sql.raw(
                    "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = \(bind: EchoQuery.sql)"
                ).first()?.decode(column: "n", as: Int.self)
                #expect(prepared == 1, "prepared once on this connection, run three times")
            }
        }
    }

    /// PostgreSQL plans a prepared statement for its values on its first five runs, then keeps one plan for
    /// every value unless that plan looks dearer than the ones it made: then it plans again on every run, and
    /// the planning costs more than the run (`ReadingsData.ChoiceQuery` did so at first, issue 8). Each
    /// statement that reads on a hot page runs here with the kinds of values its pages give it, in turn.
    @Test func onPostgreSQLTheHotStatementsKeepOnePlan() async throws {
        try await withPortal { world in
            guard world.app.db.sql.dialect.name == "postgresql" else { return }
            _ = try await ReadingsTests().setUp(world, role: .manager)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let session = try #require(try await PortalSession.query(on: world.app.db).first())
            let period = BillingPeriod(year: 2026, month: 11)!
            let number = ContractTests.number
            // 20,000 more contracts, linked to 1,000 other accounts, and their statistics: the planner weighs a
            // plan for given values against one for all by the tables' sizes, and on a few rows they cost the
            // same (the first `ChoiceQuery` kept one plan here, and was planned on every run on the bench's).
            let sql = world.app.db.sql
            try await sql.raw(
                """
                INSERT INTO contracts (id, number, name, customer_full_name, customer_short_name, inn, legal_address,
                                       price_category, contract_date, emails, supplier_name)
                SELECT 'S-' || g, '9' || lpad(CAST(g AS TEXT), 13, '0'), name, customer_full_name, customer_short_name,
                       inn, legal_address, price_category, contract_date, emails, supplier_name
                FROM contracts CROSS JOIN generate_series(1, 20000) AS g WHERE id = 'K-1'
                """
            ).run()
            try await sql.raw(
                """
                INSERT INTO contract_links (id, account_id, contract_id, role, created_at)
                SELECT gen_random_uuid(), CAST('00000000-0000-0000-0000-' || lpad(CAST(g % 1000 AS TEXT), 12, '0') AS uuid),
                       'S-' || g, 'manager', now()
                FROM generate_series(1, 20000) AS g
                """
            ).run()
            try await sql.raw("ANALYZE contracts, contract_links").run()
            func paymentsSlot(_ tokenHash: String, _ chart: String) -> SessionPageSlot {
                SessionPageSlot(
                    tokenHash: tokenHash,
                    page: PaymentsData.PageQuery(
                        accountID: account.id!, acquirer: "sandbox", chartNumber: chart, month: BillingPeriod("2026-11")
                    )
                )!
            }
            func choiceSlot(_ tokenHash: String, _ number: String) -> SessionPageSlot {
                SessionPageSlot(
                    tokenHash: tokenHash, page: ReadingsData.ChoiceQuery(accountID: account.id!, number: number))!
            }
            func meters(_ objects: [String]...) throws -> PackedBatch<ReadingsData.PageQuery> {
                try meters(objects)
            }
            func meters(_ objects: [[String]]) throws -> PackedBatch<ReadingsData.PageQuery> {
                PackedBatch(
                    entries: try objects.map {
                        PackedBatch.entry(try ReadingsData.PageQuery(contractID: "K-1", period: period, objectIDs: $0))!
                    })
            }
            // Each statement's runs with the kinds of values its pages give it.
            func runs<Statement: PreparedSQL>(_ values: Statement...) -> (
                kind: any PreparedSQL.Type, runs: [@Sendable (any SQLDatabase) async throws -> Void]
            ) {
                (Statement.self, values.map { value in { _ = try await $0.rows(value) } })
            }
            let statements = [
                runs(
                    PortalSessionMiddleware.FindQuery(tokenHash: session.tokenHash),
                    PortalSessionMiddleware.FindQuery(tokenHash: Sessions.hash("gone")),
                ),
                runs(
                    PaymentsData.PageQuery(
                        accountID: account.id!, acquirer: "sandbox", chartNumber: "", month: BillingPeriod("2026-11")),
                    PaymentsData.PageQuery(
                        accountID: account.id!, acquirer: "sandbox", chartNumber: number, month: nil),
                ),
                runs(
                    SessionAndPage(
                        tokenHash: session.tokenHash,
                        page: PaymentsData.PageQuery(
                            accountID: account.id!, acquirer: "sandbox", chartNumber: "",
                            month: BillingPeriod("2026-11"))),
                    SessionAndPage(
                        tokenHash: Sessions.hash("gone"),
                        page: PaymentsData.PageQuery(
                            accountID: account.id!, acquirer: "sandbox", chartNumber: number, month: nil)),
                ),
                runs(ReadingsData.ContractsQuery(accountID: account.id!)),
                runs(
                    ReadingsData.ChoiceQuery(accountID: account.id!, number: ""),
                    ReadingsData.ChoiceQuery(accountID: account.id!, number: number),
                ),
                runs(
                    SessionAndPage(
                        tokenHash: session.tokenHash, page: ReadingsData.ChoiceQuery(accountID: account.id!, number: "")
                    ),
                    SessionAndPage(
                        tokenHash: Sessions.hash("gone"),
                        page: ReadingsData.ChoiceQuery(accountID: account.id!, number: number)),
                ),
                // Batches of 1, 3 and 16 requests: the same text whatever their number (`SessionPageBatch`).
                runs(
                    SessionPageBatch<PaymentsData.PageQuery>(slots: [paymentsSlot(session.tokenHash, "")]),
                    SessionPageBatch<PaymentsData.PageQuery>(
                        slots: [
                            paymentsSlot(session.tokenHash, ""), paymentsSlot(Sessions.hash("gone"), number),
                            paymentsSlot(session.tokenHash, number),
                        ]),
                    SessionPageBatch<PaymentsData.PageQuery>(
                        slots: (0..<16).map { paymentsSlot(session.tokenHash, $0 % 2 == 0 ? "" : number) }),
                ),
                runs(
                    SessionPageBatch<ReadingsData.ChoiceQuery>(slots: [choiceSlot(session.tokenHash, "")]),
                    SessionPageBatch<ReadingsData.ChoiceQuery>(
                        slots: (0..<16).map { choiceSlot(session.tokenHash, $0 % 2 == 0 ? "" : number) }),
                ),
                runs(ReadingsData.ObjectsQuery(contractID: "K-1")),
                runs(try ReadingsData.PageQuery(contractID: "K-1", period: period, objectIDs: ["EO-1"])),
                // Batches of 1, 3 and 16 requests (`PackedBatch`).
                runs(
                    try meters(["EO-1"]), try meters(["EO-1"], ["EO-1", "EO-2"], []),
                    try meters(Array(repeating: ["EO-1"], count: 16))),
                runs(ReadingsData.ContractQuery(contractID: "K-1", period: "2026-11", previous: "2026-10")),
                runs(PeriodClosing.LastClosedQuery()),
                runs(
                    ContractCard.CountQuery(contractID: "K-1", objects: nil),
                    ContractCard.CountQuery(contractID: "K-1", objects: "[\"EO-1\"]"),
                ),
                runs(
                    ContractCard.MetersQuery(contractID: "K-1", objects: nil, limit: 50, offset: 0),
                    ContractCard.MetersQuery(contractID: "K-1", objects: "[\"EO-1\"]", limit: 50, offset: 50),
                ),
                runs(ContractCard.ChannelsQuery(meterIDs: "[\"M-1\"]")),
            ]
            try await world.app.db.transaction { tx in
                for (kind, runs) in statements {
                    for run in 0..<10 { try await runs[run % runs.count](tx.sql) }
                    let plans = try #require(
                        try await tx.sql.raw(
                            """
                            SELECT generic_plans, custom_plans FROM pg_prepared_statements
                            WHERE statement = \(bind: kind.postgresSQL)
                            """
                        ).first())
                    let generic = try plans.decode(column: "generic_plans", as: Int.self)
                    let custom = try plans.decode(column: "custom_plans", as: Int.self)
                    #expect(generic >= 5 && custom <= 5, "\(kind): \(generic) generic, \(custom) custom plans")
                }
            }
        }
    }

    struct PostgresValuesQuery: PreparedSQL {
        static let sql = """
            SELECT $1::text AS text, $2::bigint AS big, CAST($3::bigint AS integer) AS small, $4::boolean AS flag, $5::uuid AS id,
                   NULL::text AS empty, NULL::bigint AS nothing, $6::float8 AS real, 1.5::numeric AS num,
                   $7::timestamptz AS at
            """
        let text: String
        let big: Int64
        let small: Int
        let flag: Bool
        let id: UUID
        let real: Double
        let at: Date
        var values: [any PostgresEncodable & Encodable & Sendable] { [text, big, small, flag, id, real, at] }
    }

    @Test func onPostgreSQLAHotQuerysRowsDecodeAsPostgresKitDecodesThem() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            guard sql.dialect.name == "postgresql" else { return }
            let query = PostgresValuesQuery(
                text: "Ромашка", big: 9_007_199_254_740_993, small: 42, flag: true,
                id: UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!, real: 12.5,
                at: Date(timeIntervalSince1970: 1_795_900_000))
            let ours = try #require(try await sql.rows(query).first)
            let theirs = try #require(try await CountingDatabase(sql).rows(query).first)
            #expect(ours is PostgresPlainRow)
            #expect(!(theirs is PostgresPlainRow))
            #expect(ours.allColumns == theirs.allColumns)
            expectSameDecoding(
                ours, theirs,
                columns: ["text", "big", "small", "flag", "id", "empty", "nothing", "real", "num", "at", "missing"])
            #expect(try ours.decode(column: "big", as: Int64.self) == 9_007_199_254_740_993)
            #expect(try ours.decode(column: "small", as: Int.self) == 42)
            #expect(try ours.decode(column: "id", as: UUID.self) == query.id)
            #expect(try ours.decode(column: "text", as: String.self) == "Ромашка")
            #expect(try ours.decode(column: "num", as: Double.self) == 1.5)
        }
    }

    /// Rows packed by PostgreSQL in one text, a record's text per line, as `record_out` writes them.
    @Test func packedRowsReadARecordsTextAsPostgreSQLWritesIt() throws {
        let columns = RowColumns(names: ["a", "b", "n", "u"])
        let text = #"""
            (plain,"",42,6f9619ff-8b86-d011-b42d-00c04fc964ff)
            ("with, comma","quote "" and \\ backslash",-7,)
            ("line
            break","(парен) Ромашка",,)
            (,t,0,)
            """#
        let rows = try PackedRows(text: ByteBuffer(string: text), columns: columns).rows
        #expect(rows.count == 4)
        #expect(try rows[0].decode(column: "a", as: String.self) == "plain")
        #expect(try rows[0].decode(column: "b", as: String?.self) == "", "an empty string is not NULL")
        #expect(try rows[0].decode(column: "n", as: Int.self) == 42)
        #expect(
            try rows[0].decode(column: "u", as: UUID.self) == UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF"))
        #expect(try rows[1].decode(column: "a", as: String.self) == "with, comma")
        #expect(try rows[1].decode(column: "b", as: String.self) == #"quote " and \ backslash"#)
        #expect(try rows[1].decode(column: "n", as: Int64.self) == -7)
        #expect(try rows[1].decode(column: "u", as: UUID?.self) == nil)
        #expect(try rows[2].decode(column: "a", as: String.self) == "line\nbreak")
        #expect(try rows[2].decode(column: "b", as: String.self) == "(парен) Ромашка")
        #expect(try rows[2].decode(column: "n", as: Int?.self) == nil)
        #expect(try rows[2].decodeNil(column: "n"))
        #expect(try rows[3].decode(column: "a", as: String?.self) == nil)
        #expect(try rows[3].decode(column: "b", as: Bool.self) == true)
        #expect(throws: DecodingError.self) { try rows[3].decode(column: "a", as: String.self) }
        #expect(throws: DecodingError.self) { try rows[0].decode(column: "a", as: Int.self) }
        #expect(throws: DecodingError.self) { try rows[0].decode(column: "missing", as: String.self) }
        #expect(try PackedRows(text: nil, columns: columns).rows.isEmpty, "no rows: string_agg gives NULL")
        // Whole numbers are read from the bytes as `Int64(text)` reads the text, to the last one in range.
        let numbers = try PackedRows(
            text: ByteBuffer(
                string: "(1,9223372036854775807,-9223372036854775808,+5)\n(-,9223372036854775808,\" 7\",)"),
            columns: columns
        ).rows
        #expect(try numbers[0].decode(column: "a", as: Int.self) == 1)
        #expect(try numbers[0].decode(column: "b", as: Int64.self) == .max)
        #expect(try numbers[0].decode(column: "n", as: Int64?.self) == .min)
        #expect(try numbers[0].decode(column: "u", as: Int?.self) == 5)
        #expect(throws: DecodingError.self) { try numbers[1].decode(column: "a", as: Int.self) }
        #expect(throws: DecodingError.self) { try numbers[1].decode(column: "b", as: Int64.self) }
        #expect(throws: DecodingError.self) { try numbers[1].decode(column: "n", as: Int?.self) }
        #expect(try numbers[1].decode(column: "u", as: Int64?.self) == nil)
        #expect(throws: DecodingError.self) { try numbers[1].decode(column: "u", as: Int.self) }
        for broken in [
            "(a,b,1)", "(a,b,1,2,3)", "(a,\"b,1,2)", "a,b,1,2)", "(a,b,1,2)x", "(a,b,1,2)\n(", "(a,b,1,2",
            #"(a,"b\",1,2)"#,
        ] {
            #expect(throws: DecodingError.self, "\(broken)") {
                try PackedRows(text: ByteBuffer(string: broken), columns: columns)
            }
        }
    }

    struct PackedValuesQuery: PreparedSQL {
        static let sql = """
            SELECT * FROM (VALUES ($1::text, $2::bigint, $3::uuid, 1), (NULL, NULL, NULL, 2), ('', 0, NULL, 3))
            AS v(text, big, id, n)
            """
        static let packedColumns: [String]? = ["text", "big", "id", "n"]
        static let packedOrder: String? = "packed.n DESC"
        let text: String
        let big: Int64
        let id: UUID
        var values: [any PostgresEncodable & Encodable & Sendable] { [text, big, id] }
    }

    /// The plain type of each column, as PostgresKit reads it in every one of `rows` (which has the types
    /// of the columns): the first of a whole number, a flag, a UUID and a text.
    static func plainTypes(_ rows: [any SQLRow], _ columns: [String]) -> [String] {
        columns.map { column in
            func all<T: Decodable>(_ type: T.Type) -> Bool {
                rows.allSatisfy { row in
                    (try? row.decode(column: column, as: T?.self)) != nil
                        || (try? row.decodeNil(column: column)) == true
                }
            }
            return all(Int64.self) ? "int" : all(Bool.self) ? "bool" : all(UUID.self) ? "uuid" : "text"
        }
    }

    /// A row's values, each read as its column's plain type.
    static func plainValues(_ row: any SQLRow, _ columns: [String], _ types: [String]) -> String {
        zip(columns, types).map { column, type in
            func read<T: Decodable>(_ type: T.Type) -> String {
                switch Result(catching: { try row.decode(column: column, as: T?.self) }) {
                case .success(let value): value.map { "\($0)" } ?? "NULL"
                case .failure(let error): "unread: \(error)"
                }
            }
            switch type {
            case "int": return read(Int64.self)
            case "bool": return read(Bool.self)
            case "uuid": return read(UUID.self)
            default: return read(String.self)
            }
        }.joined(separator: "|")
    }

    /// «Оплата»'s query as SQLite runs it, prepared on PostgreSQL.
    struct PaymentsSQLiteText: PreparedSQL {
        static let sql = PaymentsData.PageQuery.sqliteSQL
        let query: PaymentsData.PageQuery
        var values: [any PostgresEncodable & Encodable & Sendable] { query.values }
    }

    /// «Оплата»'s query has a text for each database (`PaymentsData.PageQuery`); on PostgreSQL, which runs
    /// both, they read the same rows, for the default chart and one asked for.
    @Test func onPostgreSQLBothTextsOfThePaymentsQueryReadTheSameRows() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            guard sql.dialect.name == "postgresql" else { return }
            _ = try await PaymentsTests().setUp(world, role: .manager)
            // A paid document of the account's contract, and a contract of no one's with an unpaid one and an
            // advance.
            let token = try await world.billingToken("both")
            guard case .object(var other) = BillingSamples.contract else { fatalError() }
            other["id"] = "K-2"
            other["number"] = "74070100099902"
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": [.object(other)]]).status == .ok)
            for (id, contract, outstanding) in [("PD-8", "K-1", 0), ("PD-9", "K-2", 5_000)] {
                let document: JSONValue = [
                    "id": .string(id), "contractId": .string(contract), "number": "10-9/1",
                    "saleKind": "Электроэнергия",
                    "issuedOn": "2026-11-05", "dueOn": "2026-11-18", "amountKopecks": 5_000,
                    "outstandingKopecks": .number(Double(outstanding)),
                ]
                #expect(
                    try await world.api(.PUT, "payment-documents", token: token, body: ["items": [document]]).status
                        == .ok)
            }
            let advance: JSONValue = [
                "id": "A-9", "contractId": "K-2", "saleKind": "Электроэнергия", "period": "2026-11",
                "amountKopecks": 7_000, "overpayment": false,
            ]
            #expect(try await world.api(.PUT, "advances", token: token, body: ["items": [advance]]).status == .ok)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            #expect(PaymentsData.PageQuery.sql != PaymentsData.PageQuery.sqliteSQL)
            let columns = try #require(PaymentsData.PageQuery.packedColumns)
            for chart in ["", ContractTests.number, "00000000000000"] {
                let query = PaymentsData.PageQuery(
                    accountID: account.id!, acquirer: "sandbox", chartNumber: chart, month: BillingPeriod("2026-11"))
                let ours = try await CountingDatabase(sql).rows(query)
                let sqlites = try await CountingDatabase(sql).rows(PaymentsSQLiteText(query: query))
                let types = Self.plainTypes(ours, columns)
                let kinds = Set(try ours.map { try $0.decode(column: "kind", as: String.self) })
                #expect(kinds.isSuperset(of: ["c", "d", "a", "i", "h"]), "\(kinds)")
                #expect(
                    ours.map { Self.plainValues($0, columns, types) }.sorted()
                        == sqlites.map { Self.plainValues($0, columns, types) }.sorted(), "chart «\(chart)»")
            }
        }
    }

    @Test func onPostgreSQLPackedStatementsReadWhatTheirRowsRead() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            guard sql.dialect.name == "postgresql" else { return }
            let tricky = "«Ромашка», \"ООО\" (цех\\2)\nвторая строка"
            let id = UUID()
            let rows = try await sql.rows(PackedValuesQuery(text: tricky, big: -9_007_199_254_740_993, id: id))
            #expect(rows.allSatisfy { $0 is PackedRow })
            #expect(try rows.map { try $0.decode(column: "n", as: Int.self) } == [3, 2, 1], "in packedOrder")
            #expect(try rows[2].decode(column: "text", as: String.self) == tricky)
            #expect(try rows[2].decode(column: "big", as: Int64.self) == -9_007_199_254_740_993)
            #expect(try rows[2].decode(column: "id", as: UUID.self) == id)
            #expect(try rows[1].decode(column: "text", as: String?.self) == nil)
            #expect(try rows[0].decode(column: "text", as: String?.self) == "")

            // The hot statements: their declared columns are their rows' columns, and packed they read the same
            // values as row by row (through SQLKit: a wrapper is not a PostgresDatabase).
            _ = try await ReadingsTests().setUp(world, role: .manager)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let period = BillingPeriod(year: 2026, month: 11)!
            func same(_ statement: some PreparedSQL, numbers: Bool = true) async throws {
                let columns = try #require(type(of: statement).packedColumns)
                let packed = try await sql.rows(statement)
                let plain = try await CountingDatabase(sql).rows(statement)
                #expect(!plain.isEmpty, "\(type(of: statement)) has rows to compare")
                #expect(plain.first?.allColumns == columns, "\(type(of: statement))")
                #expect(packed.allSatisfy { $0 is PackedRow })
                let types = Self.plainTypes(plain, columns)
                #expect(types.contains("int") == numbers, "\(types)")
                #expect(
                    packed.map { Self.plainValues($0, columns, types) }.sorted()
                        == plain.map { Self.plainValues($0, columns, types) }.sorted(), "\(type(of: statement))")
                #expect(!packed.contains { Self.plainValues($0, columns, types).contains("unread") })
            }
            try await same(ReadingsData.ContractsQuery(accountID: account.id!))
            try await same(ReadingsData.ObjectsQuery(contractID: "K-1"))
            try await same(ReadingsData.ChoiceQuery(accountID: account.id!, number: ""))
            try await same(ReadingsData.PageQuery(contractID: "K-1", period: period, objectIDs: ["EO-0", "EO-1"]))
            try await same(
                PaymentsData.PageQuery(
                    accountID: account.id!, acquirer: "sandbox", chartNumber: "", month: BillingPeriod("2026-11"))
            )
            try await same(ContractCard.MetersQuery(contractID: "K-1", objects: nil, limit: 50, offset: 0))
            try await same(ContractCard.MetersQuery(contractID: "K-1", objects: "[\"EO-1\"]", limit: 50, offset: 0))
            try await same(ContractCard.ChannelsQuery(meterIDs: "[\"M-1\"]"), numbers: false)
            // In the order the statement asks for.
            let numbers = try await sql.rows(ReadingsData.ContractsQuery(accountID: account.id!))
                .map { try $0.decode(column: "number", as: String.self) }
            let ordered = try await CountingDatabase(sql).rows(ReadingsData.ContractsQuery(accountID: account.id!))
                .map { try $0.decode(column: "number", as: String.self) }
            #expect(numbers == ordered)
            let kinds = try await sql.rows(ReadingsData.ChoiceQuery(accountID: account.id!, number: ""))
                .map { try $0.decode(column: "kind", as: String.self) }
            let plainKinds = try await CountingDatabase(sql).rows(
                ReadingsData.ChoiceQuery(accountID: account.id!, number: "")
            )
            .map { try $0.decode(column: "kind", as: String.self) }
            #expect(kinds.sorted() == plainKinds.sorted() && kinds.sorted() == ["c", "h", "o"], "\(kinds)")
        }
    }
}
