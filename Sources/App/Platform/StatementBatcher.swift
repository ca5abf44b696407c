import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// On PostgreSQL, the `SessionAndPage` statements of up to `SessionPageBatch.capacity` requests of the same
/// page in one statement: each request's session and its account, and the page's rows for that account, one
/// row per request found (`batch_index` numbers the requests from 1).
///
/// Each run of a statement costs PostgreSQL a fixed share (the protocol's messages, starting and ending the
/// executor, a wake-up) and the portal another (a write, a read, PostgresNIO's handling of the reply); at a
/// peak, when many accountants open «Оплата» at once, a batch pays them once for several pages (issue 8).
///
/// The requests are the rows of a `VALUES` list of `capacity` entries, a session token hash and the page's
/// values each; unused entries have an empty token hash, which no session has. The list's length is fixed so
/// that PostgreSQL keeps one generic plan for the statement (with an array of any length its estimate of the
/// rows would differ from the plan for each run, and it would plan every run anew). Every page value is bound
/// as text, so only pages whose values but the account are strings are batched (`SessionPageSlot.init`).
struct SessionPageBatch<Page: AccountPageSQL>: BatchSQL {
    /// The requests in one statement.
    static var capacity: Int { StatementBatcher.capacity }

    static var metric: PortalMetrics.Batches { .sessionPage }

    /// The number of the page's values but the account: its highest placeholder but `$1`.
    static var pageValues: Int {
        max(NumberedPlaceholders.highest(in: Page.postgresSQL), 1) - 1
    }

    static var sql: String {
        let names = ["token_hash"] + (0..<pageValues).map { "v\($0 + 2)" } + ["n"]
        // The page's `$1` is the session's account; its `$2`… are the entry's values.
        let page = NumberedPlaceholders.replacing(in: Page.postgresSQL, last: 99) {
            $0 == 1 ? "signed_in.s_account_id" : "r.v\($0)"
        }
        let find = NumberedPlaceholders.replacing(in: PortalSessionMiddleware.FindQuery.sql, last: 1) { _ in
            "r.token_hash"
        }
        return """
            SELECT CAST(r.n AS BIGINT) AS batch_index, signed_in.*, (\(page)) AS packed
            FROM \(StatementBatcher.valuesList(width: 1 + pageValues)) AS r(\(names.joined(separator: ", ")))
            CROSS JOIN LATERAL (\(find)) AS signed_in
            """
    }

    /// 1 to `capacity` requests, each `SessionPageSlot.entry`: the token hash, then the page's values.
    let entries: [[String]]

    init(slots: [SessionPageSlot]) { entries = slots.map(\.entry) }

    init(entries: [[String]]) { self.entries = entries }

    /// The entry's own session: a row for another token is never handed over.
    static func belongs(_ row: any SQLRow, to entry: [String]) -> Bool {
        (try? row.decode(column: "s_token_hash", as: String.self)) == entry.first
    }

    var values: [any PostgresEncodable & Encodable & Sendable] {
        // The width from the requests (`pageValues` reads the page's text, for each batch).
        StatementBatcher.texts(of: entries, width: entries.first?.count ?? 1 + Self.pageValues)
    }
}

/// One request of a `SessionPageBatch`: its session's token hash and its page's values but the account (`$2`…).
struct SessionPageSlot: Sendable {
    let tokenHash: String
    let values: [String]

    init(tokenHash: String, values: [String]) {
        self.tokenHash = tokenHash
        self.values = values
    }

    /// Nil when a value of the page but the account is not a string.
    init?(tokenHash: String, page: some AccountPageSQL) {
        guard let values = StatementBatcher.texts(page.values.dropFirst()) else { return nil }
        self.init(tokenHash: tokenHash, values: values)
    }

    /// The entry of the batch: the token hash, then the values.
    var entry: [String] { [tokenHash] + values }
}

/// On PostgreSQL, a statement whose rows come packed (`PreparedSQL.packedColumns`) run for up to
/// `StatementBatcher.capacity` requests at once: a row per request, its number from 1 in `batch_index`, its
/// first value in `batch_key` and its rows packed in `packed`, as the statement alone would send them.
///
/// As `SessionPageBatch`, it saves PostgreSQL and the portal the fixed share of a statement's run, once per
/// request but one (issue 8: the second statement of «Показания», `ReadingsData.PageQuery`). The requests are
/// the rows of a `VALUES` list of `capacity` entries, every value bound as text; the count of those used is
/// the last value, and unused entries (empty values, which the statement might refuse, say as JSON) are left
/// out before the statement runs for them. The list's length is fixed, and PostgreSQL estimates the share of
/// entries kept the same for every count, so it keeps one generic plan.
struct PackedBatch<Statement: PreparedSQL>: BatchSQL {
    static var capacity: Int { StatementBatcher.capacity }

    static var metric: PortalMetrics.Batches { .page }

    /// The number of the statement's values: its highest placeholder.
    static var width: Int {
        NumberedPlaceholders.highest(in: Statement.postgresSQL)
    }

    static var sql: String {
        let width = width
        let names = (1...width).map { "v\($0)" } + ["n"]
        let statement = NumberedPlaceholders.replacing(in: Statement.postgresSQL, last: 99) { "r.v\($0)" }
        return """
            SELECT CAST(r.n AS BIGINT) AS batch_index, r.v1 AS batch_key, (\(statement)) AS packed
            FROM \(StatementBatcher.valuesList(width: width)) AS r(\(names.joined(separator: ", ")))
            WHERE CAST(r.n AS BIGINT) <= $\(capacity * width + 1)
            """
    }

    /// 1 to `capacity` requests' values (`entry(_:)`).
    let entries: [[String]]

    init(entries: [[String]]) { self.entries = entries }

    var values: [any PostgresEncodable & Encodable & Sendable] {
        // The width from the requests (`width` reads the statement's text).
        let texts: [any PostgresEncodable & Encodable & Sendable] = StatementBatcher.texts(
            of: entries, width: entries.first?.count ?? Self.width)
        return texts + [Int64(entries.count)]
    }

    static func belongs(_ row: any SQLRow, to entry: [String]) -> Bool {
        (try? row.decode(column: "batch_key", as: String.self)) == entry.first
    }

    /// The values of `statement` as an entry: nil when one is not a string, or when its rows are not packed.
    static func entry(_ statement: Statement) -> [String]? {
        guard Statement.packedColumns != nil else { return nil }
        return StatementBatcher.texts(statement.values[...])
    }

    /// The statement's rows from a row of the batch.
    static func rows(_ row: any SQLRow) throws -> [any SQLRow] {
        guard let packed = row as? PostgresPlainRow, let names = Statement.packedColumns else { return [] }
        return try PackedRows(text: packed.bytes(column: "packed"), columns: RowColumns(names: names)).rows
    }
}

/// A statement that carries the requests of a `StatementBatcher`'s batch, each as an entry of strings; each
/// row it returns has the entry's number from 1 in `batch_index`.
protocol BatchSQL: PreparedSQL {
    /// 1 to `StatementBatcher.capacity` entries.
    init(entries: [[String]])

    /// Whether `row`, returned for `entry`, is that entry's own: checked before a request gets it.
    static func belongs(_ row: any SQLRow, to entry: [String]) -> Bool

    /// The counters of its batches.
    static var metric: PortalMetrics.Batches { get }
}

/// Gathers the statements of the requests on one event loop into batches (`BatchSQL`): the `SessionAndPage`
/// statements of «Оплата» and «Показания» (`SessionPageBatch`), and «Показания»'s meters (`PackedBatch`).
///
/// A request's statement goes at once while fewer than `maxInFlight` batches of its kind are running on its
/// event loop (one per connection the loop has); otherwise it waits for the next one to end and goes with
/// every request that waited meanwhile. So a lone request waits for nothing, and under load each statement
/// carries the requests that came during the last one. A batch runs on the connections of the event loop of
/// its requests, so one app's requests never share a batch with another's database.
///
/// A request gets only the row of its own entry, and only if `BatchSQL.belongs` says it is. If the batch fails
/// (a value PostgreSQL refuses, a lost connection), each of its requests runs its own statement, so that one
/// request's bad value fails that request alone.
final class StatementBatcher: Sendable {
    /// What a request gets back.
    enum Outcome: Sendable {
        /// The row of its entry (nil when the batch returned none for it).
        case row((any SQLRow)?)
        /// The batch failed: the request runs its own statement.
        case alone
    }

    private struct Waiter {
        let entry: [String]
        let promise: EventLoopPromise<Outcome>
    }

    private struct Lane {
        var waiting: [Waiter] = []
        var inFlight = 0
    }

    private struct Key: Hashable {
        let loop: ObjectIdentifier
        let statement: ObjectIdentifier
    }

    /// The requests in one batch.
    static let capacity = 16

    let maxInFlight: Int
    private let lanes = NIOLockedValueBox([Key: Lane]())

    init(maxInFlight: Int) {
        self.maxInFlight = max(1, maxInFlight)
    }

    /// `(VALUES ($1, …, $width, 1), ($width + 1, …, 2), …)`: `capacity` entries of `width` placeholders each,
    /// numbered from 1 in a last column.
    static func valuesList(width: Int) -> String {
        let entries = (0..<capacity).map { entry in
            "(" + (1...width).map { "$\(entry * width + $0)" }.joined(separator: ", ") + ", \(entry + 1))"
        }
        return "(VALUES \(entries.joined(separator: ", ")))"
    }

    /// The values of `valuesList(width:)`: the entries', then empty ones for the unused entries.
    static func texts(of entries: [[String]], width: Int) -> [String] {
        entries.flatMap { $0 } + [String](repeating: "", count: (capacity - entries.count) * width)
    }

    /// `values` as the strings of an entry, or nil when one is not a string.
    static func texts(_ values: ArraySlice<any PostgresEncodable & Encodable & Sendable>) -> [String]? {
        var texts: [String] = []
        for value in values {
            guard let text = value as? String else { return nil }
            texts.append(text)
        }
        return texts
    }

    /// The requests waiting for a batch now, on every event loop.
    var waiting: Int { lanes.withLockedValue { $0.values.reduce(0) { $0 + $1.waiting.count } } }

    /// The row of `entry`, read in a batch with other requests' entries of `Batch` on `database`, whose event
    /// loop is `eventLoop`; each batch counted in `metrics`.
    func row<Batch: BatchSQL>(
        _ batch: Batch.Type, _ entry: [String], on database: any PostgresDatabase, eventLoop: any EventLoop,
        metrics: PortalMetrics
    ) async throws -> Outcome {
        let promise = eventLoop.makePromise(of: Outcome.self)
        let key = Key(loop: ObjectIdentifier(eventLoop), statement: ObjectIdentifier(Batch.self))
        let batch = lanes.withLockedValue { lanes -> [Waiter]? in
            lanes[key, default: Lane()].waiting.append(Waiter(entry: entry, promise: promise))
            guard lanes[key]!.inFlight < maxInFlight else { return nil }
            lanes[key]!.inFlight += 1
            return Self.next(&lanes[key]!)
        }
        if let batch { run(Batch.self, key: key, batch: batch, on: database, metrics: metrics) }
        return try await promise.futureResult.get()
    }

    /// The waiting requests of the next batch.
    private static func next(_ lane: inout Lane) -> [Waiter] {
        let batch = Array(lane.waiting.prefix(capacity))
        lane.waiting.removeFirst(batch.count)
        return batch
    }

    private func run<Batch: BatchSQL>(
        _ kind: Batch.Type, key: Key, batch: [Waiter], on database: any PostgresDatabase, metrics: PortalMetrics
    ) {
        metrics.batch(Batch.metric, requests: batch.count)
        let statement = Batch(entries: batch.map(\.entry))
        let rows: EventLoopFuture<[any SQLRow]>
        do {
            rows = PostgresStatements.rows(
                statement, binds: try statement.values.map(PostgresStatements.data), on: database)
        } catch {
            rows = database.eventLoop.makeFailedFuture(error)
        }
        rows.whenComplete { result in
            switch result {
            case .success(let rows):
                var byEntry: [Int: any SQLRow] = [:]
                for row in rows {
                    if let entry = try? row.decode(column: "batch_index", as: Int.self) { byEntry[entry] = row }
                }
                for (offset, waiter) in batch.enumerated() {
                    let row = byEntry[offset + 1]
                    if let row, !Batch.belongs(row, to: waiter.entry) {
                        waiter.promise.succeed(.alone)
                    } else {
                        waiter.promise.succeed(.row(row))
                    }
                }
            case .failure:
                for waiter in batch { waiter.promise.succeed(.alone) }
            }
            let next = self.lanes.withLockedValue { lanes -> [Waiter]? in
                guard !lanes[key]!.waiting.isEmpty else {
                    lanes[key]!.inFlight -= 1
                    return nil
                }
                return Self.next(&lanes[key]!)
            }
            if let next { self.run(Batch.self, key: key, batch: next, on: database, metrics: metrics) }
        }
    }
}

extension SQLDatabase {
    /// The rows of a statement whose rows come packed, with other requests' in a `PackedBatch` when there is
    /// a `batcher` and the database is PostgreSQL; else (or when the batch failed) alone, as `rows(_:)`.
    func rows<Statement: PreparedSQL>(_ statement: Statement, batching: (StatementBatcher, Request)?) async throws
        -> [any SQLRow]
    {
        if let (batcher, request) = batching, let postgres = self as? any PostgresDatabase,
            let entry = PackedBatch.entry(statement)
        {
            let outcome = try await batcher.row(
                PackedBatch<Statement>.self, entry, on: postgres, eventLoop: request.eventLoop,
                metrics: request.portal.metrics)
            if case .row(let row?) = outcome { return try PackedBatch<Statement>.rows(row) }
        }
        return try await rows(statement)
    }
}
