import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import SQLKit

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
struct SessionPageBatch<Page: AccountPageSQL>: PreparedSQL {
    /// The requests in one statement.
    static var capacity: Int { SessionPageBatcher.capacity }

    /// The number of the page's values but the account: its highest placeholder but `$1`.
    static var pageValues: Int {
        (NumberedPlaceholders.parts(of: Page.postgresSQL, last: 99).compactMap(\.number).max() ?? 1) - 1
    }

    static var sql: String {
        let width = 1 + pageValues
        let entries = (0..<capacity).map { entry in
            "(" + (1...width).map { "$\(entry * width + $0)" }.joined(separator: ", ") + ", \(entry + 1))"
        }
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
            FROM (VALUES \(entries.joined(separator: ", "))) AS r(\(names.joined(separator: ", ")))
            CROSS JOIN LATERAL (\(find)) AS signed_in
            """
    }

    /// 1 to `capacity` requests.
    let slots: [SessionPageSlot]

    var values: [any PostgresEncodable & Encodable & Sendable] {
        // The width from the requests (`pageValues` reads the page's text, for each batch).
        let unused = [String](repeating: "", count: 1 + (slots.first?.values.count ?? Self.pageValues))
        let texts: [String] = (0..<Self.capacity).flatMap { entry -> [String] in
            entry < slots.count ? [slots[entry].tokenHash] + slots[entry].values : unused
        }
        return texts
    }
}

/// One request of a `SessionPageBatch`: its session's token hash and its page's values but the account (`$2`…).
struct SessionPageSlot: Sendable {
    let tokenHash: String
    let values: [String]

    /// Nil when a value of the page but the account is not a string.
    init?(tokenHash: String, page: some AccountPageSQL) {
        var values: [String] = []
        for value in page.values.dropFirst() {
            guard let text = value as? String else { return nil }
            values.append(text)
        }
        self.tokenHash = tokenHash
        self.values = values
    }
}

/// Gathers the `SessionAndPage` statements of the requests on one event loop into `SessionPageBatch`es.
///
/// A request's statement goes at once while fewer than `maxInFlight` batches of its page are running on its
/// event loop (one per connection the loop has); otherwise it waits for the next one to end and goes with
/// every request that waited meanwhile. So a lone request waits for nothing, and under load each statement
/// carries the pages asked for during the last one. A batch runs on the connections of the event loop of its
/// requests, so one app's requests never share a batch with another's database.
///
/// A request gets only the row of its own entry, and only if it carries its own token hash. If the batch fails
/// (a value PostgreSQL refuses, a lost connection), each of its requests runs its own statement, so that one
/// request's bad value fails that request alone.
final class SessionPageBatcher: Sendable {
    /// What a request gets back.
    enum Outcome: Sendable {
        /// The row of its session (nil when no session has its token hash).
        case row((any SQLRow)?)
        /// The batch failed: the request runs its own statement.
        case alone
    }

    private struct Waiter {
        let slot: SessionPageSlot
        let promise: EventLoopPromise<Outcome>
    }

    private struct Lane {
        var waiting: [Waiter] = []
        var inFlight = 0
    }

    private struct Key: Hashable {
        let loop: ObjectIdentifier
        let page: ObjectIdentifier
    }

    /// The requests in one batch.
    static let capacity = 16

    let maxInFlight: Int
    private let lanes = NIOLockedValueBox([Key: Lane]())

    init(maxInFlight: Int) {
        self.maxInFlight = max(1, maxInFlight)
    }

    /// The requests waiting for a batch now, on every event loop.
    var waiting: Int { lanes.withLockedValue { $0.values.reduce(0) { $0 + $1.waiting.count } } }

    /// The row of `slot`'s session, read in a batch with other requests of the same page on `database`,
    /// whose event loop is `eventLoop`; each batch counted in `metrics`.
    func row<Page: AccountPageSQL>(
        _ page: Page.Type, _ slot: SessionPageSlot, on database: any PostgresDatabase, eventLoop: any EventLoop,
        metrics: PortalMetrics
    ) async throws -> Outcome {
        let promise = eventLoop.makePromise(of: Outcome.self)
        let key = Key(loop: ObjectIdentifier(eventLoop), page: ObjectIdentifier(Page.self))
        let batch = lanes.withLockedValue { lanes -> [Waiter]? in
            lanes[key, default: Lane()].waiting.append(
                Waiter(slot: slot, promise: promise))
            guard lanes[key]!.inFlight < maxInFlight else { return nil }
            lanes[key]!.inFlight += 1
            return Self.next(&lanes[key]!)
        }
        if let batch { run(Page.self, key: key, batch: batch, on: database, metrics: metrics) }
        return try await promise.futureResult.get()
    }

    /// The waiting requests of the next batch.
    private static func next(_ lane: inout Lane) -> [Waiter] {
        let batch = Array(lane.waiting.prefix(capacity))
        lane.waiting.removeFirst(batch.count)
        return batch
    }

    private func run<Page: AccountPageSQL>(
        _ page: Page.Type, key: Key, batch: [Waiter], on database: any PostgresDatabase, metrics: PortalMetrics
    ) {
        metrics.sessionPageBatch(requests: batch.count)
        let statement = SessionPageBatch<Page>(slots: batch.map(\.slot))
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
                    // The entry's own session, or none: a row for another token is never handed over.
                    if let row, (try? row.decode(column: "s_token_hash", as: String.self)) != waiter.slot.tokenHash {
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
            if let next { self.run(Page.self, key: key, batch: next, on: database, metrics: metrics) }
        }
    }
}
