import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit

/// What «Оплата» shows for one account, read in a fixed number of queries whatever the number of contracts
/// (PAY-1, PAY-6): the contracts, their unpaid documents, advances and overpayments, online payments
/// billing has not yet credited, the saved cards, and the chosen contract's invoices and payments by month.
struct PaymentsData: Sendable {
    struct Document: Sendable {
        let id: String
        let number: String
        let saleKind: String
        let dueOn: String
        /// What billing says is still due.
        let outstanding: Money
        /// Paid online and not yet credited by billing.
        let awaiting: Money

        /// What is left to pay now.
        var due: Money { max(.zero, outstanding - awaiting) }
        var awaitingCrediting: Bool { awaiting > .zero }
    }

    struct Card: Sendable {
        let contractID: String
        let number: String
        let name: String
        /// The account's role on the contract; nil for one this version does not know (no access).
        let role: Role?
        var documents: [Document] = []
        /// Advances by kind of realisation (zero ones left out), then the overpayment.
        var advances: [(kind: String, amount: Money)] = []
        var overpayment: Money = .zero
        /// Money paid online beyond the documents, not yet credited.
        var awaitingAdvance: Money = .zero

        var due: Money { documents.reduce(.zero) { $0 + $1.due } }
        var canPay: Bool { allows(.pay) }

        func allows(_ action: ContractAction) -> Bool { AccessPolicy.allows(role, action) }
        var dueDocuments: [Document] { documents.filter { $0.due > .zero } }
    }

    struct SavedCard: Sendable {
        let id: UUID
        let methodID: String
        let title: String
    }

    /// Sums by month, oldest first: `(month, invoiced, paid)`.
    struct Chart: Sendable {
        let contractNumber: String
        let months: [(period: BillingPeriod, invoiced: Money, paid: Money)]
    }

    var cards: [Card] = []
    var savedCards: [SavedCard] = []
    var chart: Chart?

    /// Loads the page for `accountID`; the chart for `chartNumber` (or the first contract whose role may see
    /// it) over the 12 months up to `month`, or no chart when `month` is nil.
    static func load(
        accountID: UUID, acquirer: String, chartNumber: String?, month: BillingPeriod?, on sql: any SQLDatabase
    ) async throws -> PaymentsData {
        let query = PageQuery(accountID: accountID, acquirer: acquirer, chartNumber: chartNumber, month: month)
        return try load(query, rows: try await sql.rows(query))
    }

    /// The page from `query`'s rows: read by `query` just now, or with the session (`SessionAndPage`).
    static func load(_ query: PageQuery, rows: [any SQLRow]) throws -> PaymentsData {
        var data = PaymentsData()
        // The account's contracts («c»), its saved cards («s»), and the unpaid documents («d»), advances («a»)
        // and online payments billing has not yet credited («p») of its contracts, in one query: each query is
        // a round trip, which on PostgreSQL made this page twice as slow as on SQLite (issue 8). Rows are read
        // column by column, not as Decodable structs. The contracts are taken from the rows first, whatever
        // order the rows come in, because the money rows of contracts whose role may not see debts are then
        // left out.
        // The chart's rows («h», «i», «q») come in the same query, for the contract `PageQuery` picks; with no
        // month, the date is past every row's.
        var saved: [(order: Int, card: SavedCard)] = []
        for row in rows {
            switch try row.decode(column: "kind", as: String.self) {
            case "c":
                // Only the role counts here: the energy objects a link may be limited to have no money of
                // their own.
                let card = Card(
                    contractID: try row.decode(column: "contract_id", as: String.self),
                    number: try row.decode(column: "number", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    role: Role(rawValue: try row.decode(column: "role", as: String.self)))
                guard card.allows(.viewDebt) else { continue }
                data.cards.append(card)
            case "s":
                guard let id = UUID(uuidString: try row.decode(column: "id", as: String.self)) else { continue }
                saved.append(
                    (
                        try row.decode(column: "flag", as: Int.self),
                        SavedCard(
                            id: id, methodID: try row.decode(column: "number", as: String.self),
                            title: try row.decode(column: "name", as: String.self))
                    ))
            default:
                continue
            }
        }
        data.cards.sort { $0.number < $1.number }
        data.savedCards = saved.sorted { $0.order < $1.order }.map(\.card)
        guard !data.cards.isEmpty else { return data }

        // Advances and online payments are summed as they come; documents wait for the online payments'
        // shares, which may come after them.
        struct Unpaid {
            let contractID: String
            let id: String
            let number: String
            let saleKind: String
            let dueOn: String
            let outstanding: Money
        }
        var index: [String: Int] = [:]
        for (position, card) in data.cards.enumerated() { index[card.contractID] = position }
        var unpaid: [Unpaid] = []
        var sums: [String: [String: Money]] = [:]
        var byDocument: [String: Money] = [:]
        for row in rows {
            let kind = try row.decode(column: "kind", as: String.self)
            guard kind == "d" || kind == "a" || kind == "p" else { continue }
            let contract = try row.decode(column: "contract_id", as: String.self)
            guard let position = index[contract] else { continue }
            switch kind {
            case "d":
                unpaid.append(
                    Unpaid(
                        contractID: contract, id: try row.decode(column: "id", as: String.self),
                        number: try row.decode(column: "number", as: String.self),
                        saleKind: try row.decode(column: "sale_kind", as: String.self),
                        dueOn: try row.decode(column: "due_on", as: String.self),
                        outstanding: Money(kopecks: try row.decode(column: "kopecks", as: Int64.self))))
            case "a":
                let amount = Money(kopecks: try row.decode(column: "kopecks", as: Int64.self))
                if try row.decode(column: "flag", as: Int.self) != 0 {
                    data.cards[position].overpayment += amount
                } else {
                    sums[contract, default: [:]][
                        try row.decode(column: "sale_kind", as: String.self), default: .zero] +=
                        amount
                }
            default:
                let text = try row.decode(column: "allocation", as: String.self)
                guard let allocation = try? JSONDecoder().decode(PaymentAllocation.self, from: Data(text.utf8)) else {
                    continue
                }
                for share in allocation.shares { byDocument[share.documentID, default: .zero] += share.amount }
                data.cards[position].awaitingAdvance += allocation.advance
            }
        }
        // Earliest «Оплатить до» first, as the payment is allocated.
        for row in unpaid.sorted(by: { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }) {
            data.cards[index[row.contractID]!].documents.append(
                Document(
                    id: row.id, number: row.number, saleKind: row.saleKind, dueOn: row.dueOn,
                    outstanding: row.outstanding, awaiting: byDocument[row.id] ?? .zero))
        }
        for (contract, kinds) in sums {
            data.cards[index[contract]!].advances = kinds.filter { $0.value > .zero }.sorted { $0.key < $1.key }
                .map { (kind: $0.key, amount: $0.value) }
        }

        if !query.periods.isEmpty { data.chart = try chart(of: data.cards, periods: query.periods, rows: rows) }
        return data
    }

    /// «График счетов и оплат» over `periods`, of the contract the page query charted («h»), from its
    /// invoices («i», by issue date) and payments («q», by payment date); nil when no contract may be charted.
    static func chart(of cards: [Card], periods: [BillingPeriod], rows: [any SQLRow]) throws -> Chart? {
        var charted: Card?
        var invoiced: [String: Money] = [:]
        var paid: [String: Money] = [:]
        for row in rows {
            let kind = try row.decode(column: "kind", as: String.self)
            if kind == "h" {
                let id = try row.decode(column: "contract_id", as: String.self)
                charted = cards.first { $0.contractID == id }
            }
            guard kind == "i" || kind == "q" else { continue }
            let month = String(try row.decode(column: "due_on", as: String.self).prefix(7))
            let amount = Money(kopecks: try row.decode(column: "kopecks", as: Int64.self))
            if kind == "i" {
                invoiced[month, default: .zero] += amount
            } else {
                paid[month, default: .zero] += amount
            }
        }
        guard let charted else { return nil }
        return Chart(
            contractNumber: charted.number,
            months: periods.map {
                (period: $0, invoiced: invoiced[$0.description] ?? .zero, paid: paid[$0.description] ?? .zero)
            })
    }
}

extension PaymentsData {
    /// The account's contracts («c»), its saved cards («s», numbered oldest first), the unpaid documents
    /// («d»), advances («a») and online payments billing has not yet credited («p») of its contracts, and
    /// the chart's contract («h»), its invoices («i», by issue date in `due_on`) and payments («q», by payment
    /// date) since `from`: the contract numbered `chartNumber` if its role may see the chart, else the first by
    /// number that may (the roles come from `AccessPolicy`). One query is one round trip, which on PostgreSQL is most of the page's cost (issue 8).
    struct PageQuery: AccountPageSQL {
        /// The roles that see a contract's chart on this page, as SQL literals.
        static let chartRoles = AccessPolicy.rolesInSQL(allowing: .viewDebt, .viewInvoiceChart)

        // Every part's columns have the very types of the first part's (the numbers `BIGINT`, as the
        // amounts are), so PostgreSQL appends the parts as they are instead of wrapping each in a subquery
        // that converts its columns: fewer nodes to start and end on every run, 8,870 against 7,940 runs a
        // second on two `pgbench` clients (`QueryPlanTests`).
        // `charted` is picked once (PostgreSQL and SQLite keep a `WITH` part used twice). The account's
        // contracts read once in a `WITH` part (`mine`) for the contracts' rows, the chart, the documents,
        // advances and payments are quicker on PostgreSQL (8,150 against 7,370 runs a second on two `pgbench`
        // clients) but twice as slow on SQLite (0.58 against 0.29 ms), so each database has its text; both
        // return the same rows (`PreparedSQLTests`).
        // A contract's row leaves `id` empty: the page needs the contract, not the link to it (the link's id
        // was a UUID per contract written out, sent and parsed for nothing, 2–4 % of the statement).
        static let sql = """
            WITH mine AS (
                SELECT l.role, c.id, c.number, c.name
                FROM contract_links l JOIN contracts c ON c.id = l.contract_id WHERE l.account_id = $1),
            charted AS (
                SELECT id FROM mine WHERE role IN (\(chartRoles))
                ORDER BY CASE WHEN number = $3 THEN 0 ELSE 1 END, number LIMIT 1)
            SELECT 'c' AS kind, id AS contract_id, CAST(NULL AS TEXT) AS id, number, name,
                   CAST(NULL AS TEXT) AS sale_kind, CAST(NULL AS TEXT) AS due_on, CAST(0 AS BIGINT) AS kopecks,
                   CAST(0 AS BIGINT) AS flag, CAST(NULL AS TEXT) AS allocation, role
            FROM mine
            UNION ALL
            \(savedCards)
            UNION ALL
            SELECT 'd', d.contract_id, d.id, d.number, CAST(NULL AS TEXT), d.sale_kind, d.due_on,
                   d.outstanding_kopecks, CAST(0 AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM mine m JOIN payment_documents d ON d.contract_id = m.id AND d.outstanding_kopecks > 0
            UNION ALL
            SELECT 'a', a.contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), a.sale_kind,
                   CAST(NULL AS TEXT), a.amount_kopecks, CAST(CASE WHEN a.overpayment THEN 1 ELSE 0 END AS BIGINT),
                   CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM mine m JOIN advances a ON a.contract_id = m.id
            UNION ALL
            SELECT 'p', p.contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), p.allocation, CAST(NULL AS TEXT)
            FROM mine m JOIN online_payments p ON p.contract_id = m.id
            WHERE p.state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM payments_received r WHERE r.online_payment_id = p.id)
            UNION ALL
            \(chart)
            """

        static let sqliteSQL = """
            WITH charted AS (
                SELECT c.id FROM contract_links l JOIN contracts c ON c.id = l.contract_id
                WHERE l.account_id = $1 AND l.role IN (\(chartRoles))
                ORDER BY CASE WHEN c.number = $3 THEN 0 ELSE 1 END, c.number LIMIT 1)
            SELECT 'c' AS kind, c.id AS contract_id, CAST(NULL AS TEXT) AS id, c.number, c.name,
                   CAST(NULL AS TEXT) AS sale_kind, CAST(NULL AS TEXT) AS due_on, 0 AS kopecks, 0 AS flag,
                   CAST(NULL AS TEXT) AS allocation, l.role
            FROM contract_links l JOIN contracts c ON c.id = l.contract_id WHERE l.account_id = $1
            UNION ALL
            \(savedCards)
            UNION ALL
            SELECT 'd', contract_id, id, number, CAST(NULL AS TEXT), sale_kind, due_on, outstanding_kopecks, 0,
                   CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM payment_documents
            WHERE contract_id IN (SELECT contract_id FROM contract_links WHERE account_id = $1)
            AND outstanding_kopecks > 0
            UNION ALL
            SELECT 'a', contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), sale_kind,
                   CAST(NULL AS TEXT), amount_kopecks, CASE WHEN overpayment THEN 1 ELSE 0 END, CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT)
            FROM advances WHERE contract_id IN (SELECT contract_id FROM contract_links WHERE account_id = $1)
            UNION ALL
            SELECT 'p', p.contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), 0, 0, p.allocation, CAST(NULL AS TEXT)
            FROM online_payments p
            WHERE p.contract_id IN (SELECT contract_id FROM contract_links WHERE account_id = $1)
            AND p.state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM payments_received r WHERE r.online_payment_id = p.id)
            UNION ALL
            \(chart)
            """

        /// The saved cards, in both texts.
        static let savedCards = """
            SELECT 's', CAST(NULL AS TEXT), CAST(id AS TEXT), method_id, title, CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(0 AS BIGINT), ROW_NUMBER() OVER (ORDER BY created_at, id), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM saved_cards WHERE account_id = $1 AND acquirer = $2
            """

        /// The chart's invoices, payments and contract, in both texts.
        static let chart = """
            SELECT 'i', contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   issued_on, amount_kopecks, CAST(0 AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM payment_documents WHERE contract_id = (SELECT id FROM charted) AND issued_on >= $4
            UNION ALL
            SELECT 'q', contract_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   paid_on, amount_kopecks, CAST(0 AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM payments_received WHERE contract_id = (SELECT id FROM charted) AND paid_on >= $4
            UNION ALL
            SELECT 'h', id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
            FROM charted
            """

        static let packedColumns: [String]? = [
            "kind", "contract_id", "id", "number", "name", "sale_kind", "due_on", "kopecks", "flag", "allocation",
            "role",
        ]
        let accountID: UUID
        let acquirer: String
        let chartNumber: String
        let from: String
        /// The chart's 12 months up to the month asked for, oldest first; none for no chart.
        let periods: [BillingPeriod]
        var values: [any PostgresEncodable & Encodable & Sendable] { [accountID, acquirer, chartNumber, from] }

        /// The page of `accountID` with the chart of `chartNumber` (or the first contract whose role may see
        /// it) over the 12 months up to `month`, or no chart when `month` is nil (the date is then past every
        /// row's).
        init(accountID: UUID, acquirer: String, chartNumber: String?, month: BillingPeriod?) {
            var periods: [BillingPeriod] = []
            if let month {
                periods = [month]
                while periods.count < 12 { periods.insert(periods[0].previous, at: 0) }
            }
            self.accountID = accountID
            self.acquirer = acquirer
            self.chartNumber = chartNumber ?? ""
            from = periods.first.map { $0.description + "-01" } ?? "9999-12-31"
            self.periods = periods
        }
    }
}

extension Money {
    static func += (a: inout Money, b: Money) { a = a + b }
}
