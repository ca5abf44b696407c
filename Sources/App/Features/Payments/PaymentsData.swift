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
    /// it) over the 12 months up to `month`, or no chart when `month` is nil. The saved cards are the payment
    /// form's (`savedCards`).
    static func load(
        accountID: UUID, chartNumber: String?, month: BillingPeriod?, on sql: any SQLDatabase
    ) async throws -> PaymentsData {
        var data = PaymentsData()
        let links = try await ContractRow.all(of: accountID, on: sql)
        // Only the role counts here: the energy objects a link may be limited to have no money of their own.
        data.cards = links.map {
            Card(contractID: $0.id, number: $0.number, name: $0.name, role: Role(rawValue: $0.role))
        }
        .filter { $0.allows(.viewDebt) }
        guard !data.cards.isEmpty else { return data }
        let ids = data.cards.map(\.contractID)
        var index: [String: Int] = [:]
        for (position, card) in data.cards.enumerated() { index[card.contractID] = position }

        // What is paid online and not yet credited is set against the documents and the advance.
        var awaiting: [String: Money] = [:]
        for row in try await UncreditedPaymentRow.all(ofContracts: ids, on: sql) {
            guard let position = index[row.contractId],
                let allocation = try? JSONDecoder().decode(PaymentAllocation.self, from: Data(row.allocation.utf8))
            else { continue }
            for share in allocation.shares { awaiting[share.documentID, default: .zero] += share.amount }
            data.cards[position].awaitingAdvance += allocation.advance
        }
        // Earliest «Оплатить до» first, as a payment is allocated.
        let unpaid = try await DocumentRow.unpaid(ofContracts: ids, on: sql).sorted {
            ($0.dueOn, $0.id) < ($1.dueOn, $1.id)
        }
        for row in unpaid {
            guard let position = index[row.contractId] else { continue }
            data.cards[position].documents.append(
                Document(
                    id: row.id, number: row.number, saleKind: row.saleKind, dueOn: row.dueOn,
                    outstanding: Money(kopecks: row.outstandingKopecks), awaiting: awaiting[row.id] ?? .zero))
        }
        var advances: [String: [String: Money]] = [:]
        for row in try await AdvanceRow.all(ofContracts: ids, on: sql) {
            guard let position = index[row.contractId] else { continue }
            if row.overpayment {
                data.cards[position].overpayment += Money(kopecks: row.amountKopecks)
            } else {
                advances[row.contractId, default: [:]][row.saleKind, default: .zero] += Money(
                    kopecks: row.amountKopecks)
            }
        }
        for (contract, kinds) in advances {
            data.cards[index[contract]!].advances = kinds.filter { $0.value > .zero }.sorted { $0.key < $1.key }
                .map { (kind: $0.key, amount: $0.value) }
        }

        if let month {
            // The contract asked for if its role may see the chart, else the first by number that may.
            let chartable = data.cards.filter { $0.allows(.viewInvoiceChart) }
            if let charted = chartable.first(where: { $0.number == chartNumber }) ?? chartable.first {
                data.chart = try await chart(of: charted, upTo: month, on: sql)
            }
        }
        return data
    }

    /// The account's cards saved with `acquirer`, oldest first: what the payment form offers.
    static func savedCards(of accountID: UUID, acquirer: String, on sql: any SQLDatabase) async throws -> [SavedCard] {
        try await SavedCardRow.all(of: accountID, acquirer: acquirer, on: sql).compactMap {
            guard let id = UUID(uuidString: $0.id) else { return nil }
            return SavedCard(id: id, methodID: $0.methodId, title: $0.title)
        }
    }

    /// «График счетов и оплат» of `card` over the 12 months up to `month`: invoices by issue date, payments by
    /// payment date.
    static func chart(of card: Card, upTo month: BillingPeriod, on sql: any SQLDatabase) async throws -> Chart {
        var periods = [month]
        while periods.count < 12 { periods.insert(periods[0].previous, at: 0) }
        let from = periods[0].description + "-01"
        let sums = Dictionary(
            try await MonthRow.all(contractID: card.contractID, from: from, on: sql).map { ($0.month, $0) },
            uniquingKeysWith: { a, _ in a })
        return Chart(
            contractNumber: card.number,
            months: periods.map {
                (
                    period: $0, invoiced: Money(kopecks: sums[$0.description]?.invoiced ?? 0),
                    paid: Money(kopecks: sums[$0.description]?.paid ?? 0)
                )
            })
    }
}

// The page's queries: one for each thing it shows, each with the row it reads.
extension PaymentsData {
    /// The account's contracts with its role on each, by number.
    struct ContractRow: Decodable, Sendable {
        let id: String
        let number: String
        let name: String
        let role: String

        static func all(of accountID: UUID, on sql: any SQLDatabase) async throws -> [ContractRow] {
            try await sql.raw(
                """
                SELECT c.id, c.number, c.name, l.role
                FROM contract_links l JOIN contracts c ON c.id = l.contract_id
                WHERE l.account_id = \(bind: accountID) ORDER BY c.number
                """
            ).all(decoding: ContractRow.self, with: .snakeCase)
        }
    }

    /// The account's cards saved with the acquirer, oldest first.
    struct SavedCardRow: Decodable, Sendable {
        let id: String
        let methodId: String
        let title: String

        static func all(of accountID: UUID, acquirer: String, on sql: any SQLDatabase) async throws -> [SavedCardRow] {
            try await sql.raw(
                """
                SELECT CAST(id AS TEXT) AS id, method_id, title FROM saved_cards
                WHERE account_id = \(bind: accountID) AND acquirer = \(bind: acquirer) ORDER BY created_at, id
                """
            ).all(decoding: SavedCardRow.self, with: .snakeCase)
        }
    }

    /// The contracts' documents with something still due, found by the partial index of unpaid documents
    /// (an `ORDER BY` here made SQLite prefer the contract's index of all its documents).
    struct DocumentRow: Decodable, Sendable {
        let contractId: String
        let id: String
        let number: String
        let saleKind: String
        let dueOn: String
        let outstandingKopecks: Int64

        static func unpaid(ofContracts ids: [String], on sql: any SQLDatabase) async throws -> [DocumentRow] {
            try await sql.raw(
                """
                SELECT contract_id, id, number, sale_kind, due_on, outstanding_kopecks FROM payment_documents
                WHERE contract_id IN (\(binds: ids)) AND outstanding_kopecks > 0
                """
            ).all(decoding: DocumentRow.self, with: .snakeCase)
        }
    }

    /// The contracts' advances by kind of realisation, and their overpayments.
    struct AdvanceRow: Decodable, Sendable {
        let contractId: String
        let saleKind: String
        let amountKopecks: Int64
        let overpayment: Bool

        static func all(ofContracts ids: [String], on sql: any SQLDatabase) async throws -> [AdvanceRow] {
            try await sql.raw(
                """
                SELECT contract_id, sale_kind, amount_kopecks, overpayment FROM advances
                WHERE contract_id IN (\(binds: ids))
                """
            ).all(decoding: AdvanceRow.self, with: .snakeCase)
        }
    }

    /// The contracts' online payments that succeeded and billing has not yet credited, with how each was
    /// allocated (`PaymentAllocation` as JSON).
    struct UncreditedPaymentRow: Decodable, Sendable {
        let contractId: String
        let allocation: String

        static func all(ofContracts ids: [String], on sql: any SQLDatabase) async throws -> [UncreditedPaymentRow] {
            try await sql.raw(
                """
                SELECT p.contract_id, p.allocation FROM online_payments p
                WHERE p.contract_id IN (\(binds: ids)) AND p.state = 'succeeded'
                  AND NOT EXISTS (SELECT 1 FROM payments_received r WHERE r.online_payment_id = p.id)
                """
            ).all(decoding: UncreditedPaymentRow.self, with: .snakeCase)
        }
    }

    /// A contract's invoices by the month of issue and payments by the month they were made, since `from`
    /// (`yyyy-MM-dd`): a month (`yyyy-MM`) per row with both sums.
    struct MonthRow: Decodable, Sendable {
        let month: String
        let invoiced: Int64
        let paid: Int64

        static func all(contractID: String, from: String, on sql: any SQLDatabase) async throws -> [MonthRow] {
            try await sql.raw(
                """
                WITH amounts AS (
                    SELECT substr(issued_on, 1, 7) AS month, amount_kopecks AS invoiced, CAST(0 AS BIGINT) AS paid
                    FROM payment_documents WHERE contract_id = \(bind: contractID) AND issued_on >= \(bind: from)
                    UNION ALL
                    SELECT substr(paid_on, 1, 7), CAST(0 AS BIGINT), amount_kopecks
                    FROM payments_received WHERE contract_id = \(bind: contractID) AND paid_on >= \(bind: from))
                SELECT month, CAST(sum(invoiced) AS BIGINT) AS invoiced, CAST(sum(paid) AS BIGINT) AS paid
                FROM amounts GROUP BY month
                """
            ).all(decoding: MonthRow.self, with: .snakeCase)
        }
    }
}

extension Money {
    static func += (a: inout Money, b: Money) { a = a + b }
}
