import Fluent
import Foundation
import NIOConcurrencyHelpers
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// Every query of «Оплата», «Показания» and the contract card can be answered through an index of the
/// tables that grow with the supplier (contracts, objects, meters, channels, readings, documents, payments).
/// On PostgreSQL sequential scans are switched off for the `EXPLAIN` (`enable_seqscan = off`), so a plan
/// that still has `Seq Scan on <table>` has no index to use; on SQLite `EXPLAIN QUERY PLAN` says `SCAN`
/// for a full pass and `SEARCH … USING INDEX` for a lookup.
@Suite struct QueryPlanTests {
    static let large: Set<String> = [
        "contracts", "contract_links", "energy_objects", "meters", "meter_channels", "accepted_readings",
        "submitted_readings", "payment_documents", "advances", "payments_received", "documents", "online_payments",
        "interval_acts", "saved_cards", "notifications", "notification_recipients", "accounts",
    ]

    /// Runs `EXPLAIN` of `query` and returns the lines that scan a large table from end to end.
    static func fullScans(_ query: any SQLExpression, on sql: any SQLDatabase) async throws -> [String] {
        struct Explain: SQLExpression {
            let inner: any SQLExpression
            let prefix: String
            func serialize(to serializer: inout SQLSerializer) {
                serializer.write(prefix)
                inner.serialize(to: &serializer)
            }
        }
        let postgres = sql.dialect.name == "postgresql"
        let collected = NIOLockedValueBox<[String]>([])
        let explain = Explain(inner: query, prefix: postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ")
        try await sql.execute(sql: explain) { row in
            let text = (try? row.decode(column: postgres ? "QUERY PLAN" : "detail", as: String.self)) ?? ""
            collected.withLockedValue { $0.append(text) }
        }
        var serializer = SQLSerializer(database: sql)
        query.serialize(to: &serializer)
        let ctes = Self.commonTableExpressions(in: serializer.sql)
        return collected.withLockedValue { $0 }.filter { line in
            // SQLite names a table by its alias in a join, so any full pass counts there — except over the
            // rows a subquery or a `WITH` part has already found (`SCAN (subquery-N)`, `SCAN name`), whose own
            // plan lines are checked as well.
            postgres
                ? large.contains { line.contains("Seq Scan on \($0) ") || line.hasSuffix("Seq Scan on \($0)") }
                : line.hasPrefix("SCAN ") && !line.hasPrefix("SCAN CONSTANT ROW") && !line.hasPrefix("SCAN (subquery-")
                    && !ctes.contains { line == "SCAN \($0)" || line.hasPrefix("SCAN \($0) ") }
        }
    }

    /// The names a statement's `WITH` clause gives: `WITH a AS (…), b AS (…)`.
    static func commonTableExpressions(in text: String) -> [String] {
        text.matches(of: /(?:^WITH|\),)\s+(\w+)\s+AS\s+\(/).map { String($0.output.1) }
    }

    @Test func thePagesQueriesUseIndexes() async throws {
        try await withPortal { world in
            let payments = PaymentsTests()
            _ = try await payments.setUp(world, role: .manager)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let recorder = CountingDatabase(world.app.db.sql)
            _ = try await PaymentsData.load(
                accountID: account.id!, chartNumber: nil,
                month: BillingPeriod(year: 2026, month: 11)!, on: recorder)
            _ = try await PaymentsData.savedCards(of: account.id!, acquirer: "sandbox", on: recorder)
            let contracts = try await ReadingsData.contracts(of: account.id!, on: recorder)
            let period = BillingPeriod(year: 2026, month: 11)!
            for (contract, link) in contracts {
                _ = try await ReadingsData.load(contract, link: link, period: period, on: recorder)
                _ = try await ReadingsData.loadPage(
                    contract, link: link, period: period, filters: .init(), on: recorder)
                let whole = ContractLink(
                    accountID: account.id!, contractID: contract.id, role: try #require(link.role),
                    now: world.clock.now())
                _ = try await ContractCard.load(number: contract.number, link: whole, on: recorder)
                _ = try await ContractCard.load(number: contract.number, link: whole, meterPage: 2, on: recorder)
                // Limited to some energy objects, as a power engineer's link may be.
                let limited = ContractLink(
                    accountID: account.id!, contractID: contract.id, role: .powerEngineer,
                    energyObjects: ["EO-1"], now: world.clock.now())
                _ = try await ContractCard.load(number: contract.number, link: limited, meterPage: 1, on: recorder)
            }
            // «История»: each tab's queries, and what a document's PDF and an акт сверки read.
            let history = try await HistoryData.contracts(of: account.id!, allowing: .viewReadingHistory, on: recorder)
            let ids = history.map(\.id)
            _ = try await HistoryData.DocumentRow.page(
                of: ids, filters: .init(type: .invoiceFacture, from: period.previous, to: period), on: recorder)
            _ = try await HistoryData.ReceivedRow.all(of: ids, in: period, on: recorder)
            _ = try await HistoryData.OnlineRow.all(
                of: ids, from: world.clock.now().addingTimeInterval(-86_400 * 30), to: world.clock.now(), on: recorder)
            _ = try await HistoryData.OrderRow.page(of: account.id!, page: 1, on: recorder)
            for contract in history {
                _ = try await HistoryData.MeterRow.all(ofContract: contract.id, on: recorder)
                _ = try await HistoryData.Reading.all(
                    ofContract: contract.id, meter: "M-1", from: period.monthsBefore(11), to: period,
                    format: RussianDateFormat(timeZone: .gmt), on: recorder)
                _ = try await DocumentFiles.MeterReadingRow.all(ofContract: contract.id, period: period, on: recorder)
                _ = try await DocumentFiles.reconciliation(
                    contractID: contract.id, from: period.monthsBefore(11), to: period, number: "1", on: recorder)
            }
            _ = try await DocumentFiles.Header.find("D-1", on: recorder)
            _ = try await DocumentFiles.LineRow.all(ofDocument: "D-1", on: recorder)
            // «Уведомления»: the bell's count (also read with the session), the list, the modal window, banners.
            let now = world.clock.now()
            _ = try await Notifications.unreadCount(account: account.id!, now: now, on: recorder)
            _ = try await Notifications.page(account: account.id!, page: 2, size: 20, now: now, on: recorder)
            _ = try await Notifications.pendingModals(account: account.id!, now: now, on: recorder)
            _ = try await Notifications.banners(account: account.id!, now: now, on: recorder)
            _ = try await Notifications.item(UUID(), account: account.id!, now: now, on: recorder)
            #expect(recorder.queries.count >= 15)
            let texts = recorder.queries.map { query in
                var serializer = SQLSerializer(database: world.app.db.sql)
                query.serialize(to: &serializer)
                return serializer.sql
            }
            #expect(
                texts.contains { $0.contains("energy_object_id IN (") },
                "a page of «Показания» reads only its objects' meters")
            try await world.app.db.transaction { tx in
                let sql = tx.sql
                if sql.dialect.name == "postgresql" {
                    try await sql.raw("SET LOCAL enable_seqscan = off").run()
                }
                // The check itself: a lookup by a column without an index is caught.
                let unindexed = try await Self.fullScans(SQLRaw("SELECT id FROM meters WHERE model = 'x'"), on: sql)
                #expect(!unindexed.isEmpty, "a full scan of meters is noticed")
                #expect(
                    Self.commonTableExpressions(in: "WITH a AS (SELECT 1),\n b AS (SELECT (2)) SELECT * FROM a, b")
                        == ["a", "b"])
                let inWith = try await Self.fullScans(
                    SQLRaw(
                        "WITH x AS (SELECT id FROM meters WHERE model = 'x'), y AS (SELECT id FROM x) SELECT id FROM y"
                    ), on: sql)
                #expect(!inWith.isEmpty, "a full scan inside a WITH part is noticed")
                for query in recorder.queries {
                    let scans = try await Self.fullScans(query, on: sql)
                    var serializer = SQLSerializer(database: sql)
                    query.serialize(to: &serializer)
                    #expect(scans.isEmpty, "\(serializer.sql)\n\(scans.joined(separator: "\n"))")
                }
            }
        }
    }

    @Test func unpaidDocumentsAreFoundByTheirPartialIndex() async throws {
        try await withPortal { world in
            _ = try await PaymentsTests().setUp(world, role: .manager)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let sql = world.app.db.sql
            if sql.dialect.name == "postgresql" {
                let found = try await sql.raw(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'payment_documents_unpaid_idx'"
                ).first()?.decode(column: "indexdef", as: String.self)
                #expect(found?.contains("WHERE (outstanding_kopecks > 0)") == true, "\(found ?? "no index")")
                return
            }
            let recorder = CountingDatabase(sql)
            _ = try await PaymentsData.load(
                accountID: account.id!, chartNumber: nil, month: nil, on: recorder)
            let query = try #require(
                recorder.queries.first {
                    var serializer = SQLSerializer(database: sql)
                    $0.serialize(to: &serializer)
                    return serializer.sql.contains("FROM payment_documents")
                })
            var plan: [String] = []
            for row in try await sql.raw("EXPLAIN QUERY PLAN \(query)").all() {
                plan.append(try row.decode(column: "detail", as: String.self))
            }
            #expect(
                plan.contains { $0.contains("payment_documents USING INDEX payment_documents_unpaid_idx") },
                "\(plan.joined(separator: "\n"))")
        }
    }

    /// Every text column an index is built on compares byte by byte (`CreateBytewiseKeys`), but for the
    /// few that hold what people type; on PostgreSQL the migration's own list is checked as well. (What the
    /// pages read through these columns is checked by their own tests, on both databases.)
    @Test func indexedKeysCompareByteByByte() async throws {
        let typed: Set<String> = [
            "accounts.login", "accounts.email", "shared_emails.email", "staff_accounts.email",
            "_fluent_migrations.name",
        ]
        try await withPortal { world in
            let sql = world.app.db.sql
            var collations: [String: String] = [:]
            if sql.dialect.name == "postgresql" {
                let rows = try await sql.raw(
                    """
                    SELECT c.relname || '.' || a.attname AS name, coalesce(l.collname, '') AS collation
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                    LEFT JOIN pg_collation l ON l.oid = a.attcollation
                    WHERE c.relkind = 'r' AND a.attnum > 0 AND a.atttypid = CAST('text' AS regtype)
                    """
                ).all()
                for row in rows {
                    collations[try row.decode(column: "name", as: String.self)] = try row.decode(
                        column: "collation", as: String.self)
                }
                for (table, columns) in CreateBytewiseKeys.columns {
                    for column in columns { #expect(collations["\(table).\(column)"] == "C", "\(table).\(column)") }
                }
                let keys = try await sql.raw(
                    """
                    SELECT DISTINCT c.relname || '.' || a.attname AS name
                    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE a.atttypid = CAST('text' AS regtype)
                    """
                ).all().map { try $0.decode(column: "name", as: String.self) }
                #expect(keys.count > 40)
                for key in keys where !typed.contains(key) { #expect(collations[key] == "C", "\(key)") }
            } else {
                // SQLite names each index column's collation; text without one is BINARY.
                let indexes = try await sql.raw(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name NOT LIKE 'sqlite_%'"
                ).all()
                #expect(indexes.count > 40)
                for index in indexes {
                    let name = try index.decode(column: "name", as: String.self)
                    let table = try index.decode(column: "tbl_name", as: String.self)
                    for column in try await sql.raw("PRAGMA index_xinfo(\(unsafeRaw: name))").all() {
                        guard try column.decode(column: "key", as: Int.self) == 1,
                            let field = try column.decode(column: "name", as: String?.self),
                            !typed.contains("\(table).\(field)")
                        else { continue }
                        #expect(try column.decode(column: "coll", as: String.self) == "BINARY", "\(table).\(field)")
                    }
                }
            }
        }
    }
}
