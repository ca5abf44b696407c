import Documents
import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// «История» (manual §6): the queries of its four tabs, each a row struct with the function that runs it.
/// Every query is limited to contracts the account holds with a role that allows the tab's action.
enum HistoryData {
    /// How many rows a tab shows per page.
    static let pageSize = 20

    /// A contract the account may see on a tab, with its link.
    struct Contract: Sendable {
        let id: String
        let number: String
        let name: String
        let link: ReadingsData.Link
    }

    /// The account's contracts whose role allows `action`, by number.
    static func contracts(of accountID: UUID, allowing action: ContractAction, on sql: any SQLDatabase)
        async throws -> [Contract]
    {
        try await ReadingsData.ContractRow.all(of: accountID, on: sql).compactMap { row in
            let link = ReadingsData.Link(role: Role(rawValue: row.role), energyObjectIDs: row.energyObjectIds)
            guard link.allows(action) else { return nil }
            return Contract(id: row.id, number: row.number, name: row.name, link: link)
        }
    }

    /// The contracts a filter asks for: the one numbered `number`, or all when it is empty. A number the
    /// account may not see here is a 404, as on every contract route.
    static func pick(_ number: String?, among contracts: [Contract]) throws -> [Contract] {
        guard let number, !number.isEmpty else { return contracts }
        guard let match = contracts.first(where: { $0.number == number }) else { throw Abort(.notFound) }
        return [match]
    }

    /// `12345678` thousandths → «12345,678».
    static func reading(_ milli: Int64) -> String {
        let magnitude = milli.magnitude
        return (milli < 0 ? "-" : "") + String(magnitude / 1000) + ","
            + BillingPeriod.padded(Int(magnitude % 1000), 3)
    }

    /// `2026-12-05` → «05.12.2026».
    static func date(_ iso: String) -> String { ContractCard.date(iso) }

    /// A month typed into a filter (`2026-11`), or nil.
    static func month(_ text: String?) -> BillingPeriod? {
        guard let text, let period = BillingPeriod(text), (2000...2100).contains(period.year) else { return nil }
        return period
    }
}

// MARK: - «Документы»

extension HistoryData {
    struct DocumentFilters: Sendable, Equatable {
        var contract: String = ""
        var type: DocumentType?
        var from: BillingPeriod?
        var to: BillingPeriod?
        var page = 1

        func query(page: Int? = nil) -> String {
            var items: [(String, String)] = []
            if !contract.isEmpty { items.append(("contract", contract)) }
            if let type { items.append(("type", type.rawValue)) }
            if let from { items.append(("from", from.description)) }
            if let to { items.append(("to", to.description)) }
            if let page, page > 1 { items.append(("page", String(page))) }
            return HistoryData.query(items)
        }
    }

    /// One document of the list.
    struct DocumentRow: Decodable, Sendable, Equatable {
        let id: String
        let type: String
        let number: String
        let issuedOn: String
        let period: String
        let contractNumber: String
        /// The size of the PDF billing sent, 0 when the portal renders it.
        let fileSize: Int64

        var documentType: DocumentType? { DocumentType(rawValue: type) }

        static func page(
            of contracts: [String], filters: DocumentFilters, on sql: any SQLDatabase
        ) async throws -> (rows: [DocumentRow], total: Int) {
            guard !contracts.isEmpty else { return ([], 0) }
            let conditions = where_(contracts, filters)
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM documents d WHERE \(conditions)").first()
            let total = try count?.decode(column: "n", as: Int.self) ?? 0
            // The page's ids come from the index alone; only those 20 rows are read from the table.
            let rows = try await sql.raw(
                """
                SELECT d.id, d.type, d.number, d.issued_on, d.period, c.number AS contract_number,
                    COALESCE(length(d.file_data), 0) AS file_size
                FROM documents d JOIN contracts c ON c.id = d.contract_id
                WHERE d.id IN (
                    SELECT d.id FROM documents d WHERE \(conditions)
                    ORDER BY d.period DESC, d.type, d.id
                    LIMIT \(literal: pageSize) OFFSET \(literal: (filters.page - 1) * pageSize))
                ORDER BY d.period DESC, d.type, d.id
                """
            ).all(decoding: DocumentRow.self, with: .snakeCase)
            return (rows, total)
        }

        private static func where_(_ contracts: [String], _ filters: DocumentFilters) -> SQLQueryString {
            var text: SQLQueryString = "d.contract_id IN (\(binds: contracts))"
            if let type = filters.type { text = text + " AND d.type = \(bind: type.rawValue)" }
            if let from = filters.from { text = text + " AND d.period >= \(bind: from.description)" }
            if let to = filters.to { text = text + " AND d.period <= \(bind: to.description)" }
            return text
        }
    }
}

// MARK: - «Платежи»

extension HistoryData {
    /// A payment billing received, or an online payment billing has not credited yet.
    struct Payment: Sendable, Equatable {
        let date: String
        let contractNumber: String
        let amount: Money
        let purpose: String
        /// «Поступил», or the state of an online payment.
        let state: String
    }

    struct ReceivedRow: Decodable, Sendable {
        let paidOn: String
        let contractNumber: String
        let amountKopecks: Int64
        let purpose: String?
        let onlinePaymentId: String?

        static func all(of contracts: [String], in month: BillingPeriod, on sql: any SQLDatabase) async throws
            -> [ReceivedRow]
        {
            guard !contracts.isEmpty else { return [] }
            return try await sql.raw(
                """
                SELECT r.paid_on, c.number AS contract_number, r.amount_kopecks, r.purpose, r.online_payment_id
                FROM payments_received r JOIN contracts c ON c.id = r.contract_id
                WHERE r.contract_id IN (\(binds: contracts))
                    AND r.paid_on >= \(bind: "\(month)-01") AND r.paid_on <= \(bind: "\(month)-31")
                ORDER BY r.paid_on DESC, r.id
                """
            ).all(decoding: ReceivedRow.self, with: .snakeCase)
        }
    }

    struct OnlineRow: Decodable, Sendable {
        let createdAt: Date
        let contractNumber: String
        let amountKopecks: Int64
        let state: String

        /// Online payments of the month that billing has not yet reported as received.
        static func all(
            of contracts: [String], from start: Date, to end: Date, on sql: any SQLDatabase
        ) async throws -> [OnlineRow] {
            guard !contracts.isEmpty else { return [] }
            return try await sql.raw(
                """
                SELECT o.created_at, c.number AS contract_number, o.amount_kopecks, o.state
                FROM online_payments o JOIN contracts c ON c.id = o.contract_id
                WHERE o.contract_id IN (\(binds: contracts)) AND o.created_at >= \(bind: start) AND o.created_at < \(bind: end)
                    AND NOT EXISTS (SELECT 1 FROM payments_received r WHERE r.online_payment_id = o.id)
                ORDER BY o.created_at DESC
                """
            ).all(decoding: OnlineRow.self, with: .snakeCase)
        }
    }

    static func paymentState(_ state: String) -> String {
        switch PaymentState(rawValue: state) {
        case .succeeded: "Оплачен, ожидает зачисления"
        case .canceled: "Не оплачен"
        case .created, .pending: "В обработке"
        case nil: state
        }
    }
}

// MARK: - «Показания»

extension HistoryData {
    struct ReadingFilters: Sendable, Equatable {
        var contract: String = ""
        var object: String = ""
        var meter: String = ""
        var from: BillingPeriod
        var to: BillingPeriod

        func query(meter: String? = nil, object: String? = nil) -> String {
            var items: [(String, String)] = [("contract", contract)]
            let object = object ?? self.object
            if !object.isEmpty { items.append(("object", object)) }
            if let meter = meter ?? (self.meter.isEmpty ? nil : self.meter) { items.append(("meter", meter)) }
            items += [("from", from.description), ("to", to.description)]
            return HistoryData.query(items)
        }
    }

    /// A meter of an energy object, by number.
    struct MeterRow: Decodable, Sendable, Equatable {
        let id: String
        let energyObjectId: String
        let number: String
        let model: String

        static func all(ofContract id: String, on sql: any SQLDatabase) async throws -> [MeterRow] {
            try await sql.raw(
                """
                SELECT id, energy_object_id, number, model FROM meters WHERE contract_id = \(bind: id) ORDER BY number
                """
            ).all(decoding: MeterRow.self, with: .snakeCase)
        }
    }

    /// One reading of a channel: accepted by billing, or sent through the portal and not yet accepted.
    struct Reading: Sendable, Equatable {
        let meterId: String
        let meterNumber: String
        let objectId: String
        let objectName: String
        let quantity: String
        let zone: String
        let period: String
        let valueMilli: Int64
        /// `billing`, `form` or `file`.
        let source: String
        /// The day billing read it, or the day it was sent (`dd.mm.yyyy`).
        let date: String

        var sourceTitle: String {
            switch source {
            case "form": "Передано в форме"
            case "file": "Передано файлом"
            default: "Принято к расчету"
            }
        }

        var channelTitle: String {
            let quantity = Quantity(rawValue: quantity)?.title ?? quantity
            let zone = Zone(rawValue: zone)?.title ?? zone
            return "\(quantity), \(zone)"
        }

        /// The readings of the contract's meters (or one meter) in the months `from`…`to`: newest period
        /// first, then by meter and channel.
        static func all(
            ofContract id: String, meter: String?, from: BillingPeriod, to: BillingPeriod, format: RussianDateFormat,
            on sql: any SQLDatabase
        ) async throws -> [Reading] {
            let rows =
                try await ReadingRow.all(.accepted, ofContract: id, meter: meter, from: from, to: to, on: sql)
                + ReadingRow.all(.submitted, ofContract: id, meter: meter, from: from, to: to, on: sql)
            return rows.map {
                Reading(
                    meterId: $0.meterId, meterNumber: $0.meterNumber, objectId: $0.objectId, objectName: $0.objectName,
                    quantity: $0.quantity, zone: $0.zone, period: $0.period, valueMilli: $0.valueMilli,
                    source: $0.source, date: $0.readOn.map(HistoryData.date) ?? $0.submittedAt.map(format.date) ?? "")
            }.sorted {
                ($1.period, $0.meterNumber, $0.quantity, $0.zone) < ($0.period, $1.meterNumber, $1.quantity, $1.zone)
            }
        }
    }

    /// A reading as stored: accepted by billing (`read_on`, the day it read the meter) or sent through the
    /// portal for the open period and not yet accepted (`submitted_at`).
    struct ReadingRow: Decodable, Sendable {
        enum Table: String {
            case accepted = "accepted_readings"
            case submitted = "submitted_readings"
        }

        let meterId: String
        let meterNumber: String
        let objectId: String
        let objectName: String
        let quantity: String
        let zone: String
        let period: String
        let valueMilli: Int64
        /// `billing`, `form` or `file`.
        let source: String
        let readOn: String?
        let submittedAt: Date?

        static func all(
            _ table: Table, ofContract id: String, meter: String?, from: BillingPeriod, to: BillingPeriod,
            on sql: any SQLDatabase
        ) async throws -> [ReadingRow] {
            let meterCondition: SQLQueryString = meter.map { " AND m.id = \(bind: $0)" } ?? ""
            let dated: SQLQueryString =
                table == .accepted
                ? "'billing' AS source, r.read_on, NULL AS submitted_at" : "r.source, NULL AS read_on, r.submitted_at"
            return try await sql.raw(
                """
                SELECT m.id AS meter_id, m.number AS meter_number, o.id AS object_id, o.name AS object_name,
                    k.quantity, k.zone, r.period, r.value_milli, \(dated)
                FROM \(unsafeRaw: table.rawValue) r JOIN meter_channels k ON k.id = r.channel_id
                    JOIN meters m ON m.id = k.meter_id JOIN energy_objects o ON o.id = m.energy_object_id
                WHERE r.contract_id = \(bind: id) AND r.period >= \(bind: from.description) AND r.period <= \(bind: to.description)\(meterCondition)
                """
            ).all(decoding: ReadingRow.self, with: .snakeCase)
        }
    }
}

// MARK: - «Заказы»

extension HistoryData {
    enum OrderKind: String, Sendable {
        case reconciliation, documentEmail
    }

    enum OrderStatus: String, Sendable {
        case inProgress, ready, failed

        var title: String {
            switch self {
            case .inProgress: "В работе"
            case .ready: "Готов"
            case .failed: "Не выполнен"
            }
        }
    }

    struct OrderRow: Decodable, Sendable, Equatable {
        let id: UUID
        let number: Int64
        let kind: String
        let status: String
        let periodFrom: String?
        let periodTo: String?
        let documentTitle: String?
        let email: String?
        let createdAt: Date
        let contractNumber: String
        let hasFile: Int

        var title: String {
            switch OrderKind(rawValue: kind) {
            case .reconciliation:
                "Акт сверки взаиморасчетов с \(HistoryData.date(periodFrom ?? "")) по \(HistoryData.date(periodTo ?? ""))"
            case .documentEmail:
                "Отправка документа «\(documentTitle ?? "")» на \(email ?? "")"
            case nil: kind
            }
        }

        var statusTitle: String { OrderStatus(rawValue: status)?.title ?? status }

        /// The account's orders on contracts it still holds, newest first.
        static func page(of accountID: UUID, page: Int, on sql: any SQLDatabase) async throws -> (
            rows: [OrderRow], total: Int
        ) {
            let count = try await sql.raw(
                """
                SELECT COUNT(*) AS n FROM orders o
                JOIN contract_links l ON l.account_id = o.account_id AND l.contract_id = o.contract_id
                WHERE o.account_id = \(bind: accountID)
                """
            ).first()
            let rows = try await sql.raw(
                """
                SELECT o.id, o.number, o.kind, o.status, o.period_from, o.period_to, d.number AS document_title, o.email,
                    o.created_at, c.number AS contract_number,
                    CASE WHEN o.file_data IS NULL THEN 0 ELSE 1 END AS has_file
                FROM orders o
                JOIN contract_links l ON l.account_id = o.account_id AND l.contract_id = o.contract_id
                JOIN contracts c ON c.id = o.contract_id
                LEFT JOIN documents d ON d.id = o.document_id
                WHERE o.account_id = \(bind: accountID)
                ORDER BY o.created_at DESC, o.number DESC
                LIMIT \(literal: pageSize) OFFSET \(literal: (page - 1) * pageSize)
                """
            ).all(decoding: OrderRow.self, with: .snakeCase)
            return (rows, try count?.decode(column: "n", as: Int.self) ?? 0)
        }
    }

    /// `[("contract", "1")]` → `?contract=1`, each value percent-encoded.
    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { "\($0.0)=\(URLQuery.component($0.1))" }.joined(separator: "&")
    }
}
