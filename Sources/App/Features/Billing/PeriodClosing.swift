import Fluent
import Foundation
import PortalDomain
import SQLKit

/// The tariffs `lkk billing close-period` and the demo data price energy with (a real billing system has
/// its own), ₽ per kWh including VAT, in kopecks: one rate for category I, rates by zone for II, and the
/// averaged hourly rates of III–VI.
enum SampleTariffs {
    static func kopecksPerKWh(_ category: PriceCategory, _ zone: Zone) -> Int64 {
        switch category {
        case .first: 520
        case .second:
            switch zone {
            case .day: 610
            case .night: 340
            case .peak: 720
            case .halfPeak: 560
            case .allDay: 560
            }
        case .third: 610
        case .fourth: 640
        case .fifth: 600
        case .sixth: 630
        }
    }

    /// VAT in percent on energy supplied in `period`: 22 % from 2026, 20 % before.
    static func vatRate(_ period: BillingPeriod) -> Int { period.year >= 2026 ? 22 : 20 }

    /// A charge including VAT split into the cost without VAT and the VAT, rounded to the kopeck.
    static func splitVAT(_ total: Int64, rate: Int) -> (net: Int64, vat: Int64) {
        let net = (total * 100 + Int64((100 + rate) / 2)) / Int64(100 + rate)
        return (net, total - net)
    }
}

/// What a billing system does at the end of a month, so the cycle can be seen without one: the open period's
/// submitted readings become accepted readings, each contract with readings gets an invoice priced with the
/// demo tariffs and its documents, and the period is closed.
enum PeriodClosing {
    struct Result: Sendable, Equatable {
        let period: BillingPeriod
        let readings: Int
        let invoices: Int
    }

    /// The month readings are collected for: the one after the last closed, or the current month.
    static func openPeriod(on sql: any SQLDatabase, now: Date, timeZone: TimeZone) async throws -> BillingPeriod {
        let last = try await sql.raw("SELECT max(period) AS period FROM billing_periods").first()
        return openPeriod(after: try last?.decode(column: "period", as: String?.self), now: now, timeZone: timeZone)
    }

    /// The month after `last` closed, or the current month when none is.
    static func openPeriod(after last: String?, now: Date, timeZone: TimeZone) -> BillingPeriod {
        last.flatMap(BillingPeriod.init)?.next ?? BillingPeriod(containing: now, in: timeZone)
    }

    static func markClosed(_ period: BillingPeriod, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "billing_periods").columns("period", "closed_at")
            .values(SQLBind(period.description), SQLBind(now))
            .onConflict(with: ["period"]) { $0.set(excludedValueOf: "closed_at") }
            .run()
    }

    static func close(now: Date, timeZone: TimeZone, on db: any Database) async throws -> Result {
        try await db.writeTransaction { tx in
            let sql = tx.sql
            let period = try await openPeriod(on: sql, now: now, timeZone: timeZone)
            struct Submitted: Decodable {
                let channel_id: String
                let contract_id: String
                let value_milli: Int64
                let quantity: String
                let zone: String
                let ratio: Int64
                let digits: Int64
                let price_category: Int
            }
            let submitted = try await sql.raw(
                """
                SELECT s.channel_id, s.contract_id, s.value_milli, ch.quantity, ch.zone, m.ratio, m.digits, c.price_category
                FROM submitted_readings s
                JOIN meter_channels ch ON ch.id = s.channel_id
                JOIN meters m ON m.id = ch.meter_id
                JOIN contracts c ON c.id = s.contract_id
                WHERE s.period = \(bind: period.description)
                ORDER BY s.contract_id, s.channel_id
                """
            ).all(decoding: Submitted.self)
            var previous: [String: Int64] = [:]
            for chunk in submitted.map(\.channel_id).chunked(500) {
                for row in try await sql.select().columns("channel_id", "value_milli").from("accepted_readings")
                    .where("channel_id", .in, chunk).where("period", .equal, period.previous.description).all()
                {
                    previous[try row.decode(column: "channel_id", as: String.self)] = try row.decode(
                        column: "value_milli", as: Int64.self)
                }
            }
            var accepted: [[String: SQLValue]] = []
            var amounts: [String: Int64] = [:]
            var volumes: [String: Int64] = [:]
            let readOn = DemoBilling.firstDay(period.next)
            for row in submitted {
                accepted.append([
                    "id": .text("\(row.channel_id)-\(period)"), "contract_id": .text(row.contract_id),
                    "channel_id": .text(row.channel_id), "period": .text(period.description),
                    "value_milli": .int(row.value_milli), "read_on": .text(readOn),
                ])
                guard row.quantity == Quantity.activeImport.rawValue, let before = previous[row.channel_id],
                    let category = PriceCategory(rawValue: row.price_category), let zone = Zone(rawValue: row.zone)
                else { continue }
                // A value below the previous one was confirmed as a rollover when it was submitted.
                guard
                    case .success(let consumed) = RegisterReading.consumption(
                        previous: before, current: row.value_milli, ratio: Int(row.ratio), digits: Int(row.digits),
                        rollover: true)
                else { continue }
                let kopecks = (consumed * SampleTariffs.kopecksPerKWh(category, zone) + 500) / 1000
                amounts[row.contract_id, default: 0] += kopecks
                volumes[row.contract_id, default: 0] += consumed
            }
            let newReadings = try await BillingIntake.newIDs(accepted, in: BillingEntity.readings.table, on: sql)
            try await BillingIntake.upsert(
                accepted, into: "accepted_readings", columns: BillingEntity.readings.columns, on: sql)

            var documents: [[String: SQLValue]] = []
            var lines: [[String: SQLValue]] = []
            var invoices: [[String: SQLValue]] = []
            let rate = SampleTariffs.vatRate(period)
            for (contract, amount) in amounts.sorted(by: { $0.key < $1.key }) {
                invoices.append([
                    "id": .text("\(contract)-inv-\(period)-1"), "contract_id": .text(contract),
                    "number": .text("\(String(format: "%02d", period.month))-\(contract)"),
                    "sale_kind": .text("Электроэнергия"), "issued_on": .text(DemoBilling.day(period.next, 5)),
                    "due_on": .text(DemoBilling.day(period.next, 18)), "amount_kopecks": .int(amount),
                    "outstanding_kopecks": .int(amount),
                ])
                let split = SampleTariffs.splitVAT(amount, rate: rate)
                for type in DocumentType.allCases {
                    let document = "\(contract)-\(type.rawValue)-\(period)"
                    lines.append([
                        "id": .text("\(document)-1"), "contract_id": .text(contract), "document_id": .text(document),
                        "position": .int(1), "description": .text("Электрическая энергия за \(period.russianName)"),
                        "unit": .text("кВт·ч"), "quantity_milli": .int(volumes[contract, default: 0]),
                        "amount_kopecks": .int(split.net), "vat_rate": .int(Int64(rate)),
                        "vat_kopecks": .int(split.vat),
                    ])
                    documents.append([
                        "id": .text(document), "contract_id": .text(contract),
                        "type": .text(type.rawValue),
                        "number": .text("\(DemoBilling.documentPrefix(type))-\(contract)/\(period.month)"),
                        "issued_on": .text(DemoBilling.day(period.next, 5)), "period": .text(period.description),
                        "file_name": .null, "file_data": .null,
                    ])
                }
            }
            try await BillingIntake.upsert(
                invoices, into: "payment_documents", columns: BillingEntity.paymentDocuments.columns, on: sql)
            let newDocuments = try await BillingIntake.newIDs(documents, in: BillingEntity.documents.table, on: sql)
            try await BillingIntake.upsert(
                documents, into: "documents", columns: BillingEntity.documents.columns, on: sql)
            try await BillingIntake.upsert(
                lines, into: "document_lines", columns: BillingEntity.documentLines.columns, on: sql)
            // Each document is issued with its PDF, laid out now from what was just written: a document
            // keeps the requisites and figures of the day it was issued.
            for document in documents {
                guard case .text(let id) = document["id"],
                    let header = try await DocumentFiles.Header.find(id, on: sql),
                    let file = try await DocumentFiles.pdf(header, on: sql, now: now)
                else { continue }
                try await sql.update("documents").set("file_name", to: file.name).set("file_data", to: file.data)
                    .where("id", .equal, id).run()
            }
            try await sql.delete(from: "submitted_readings").where("period", .equal, period.description).run()
            // The next month starts with every object and meter waiting for readings.
            try await sql.update("energy_objects").set("status", to: ReadingStatus.waiting.rawValue).run()
            try await sql.update("meters").set("status", to: ReadingStatus.waiting.rawValue).run()
            try await markClosed(period, now: now, on: sql)
            // The readings accepted and the documents issued reach the people they concern.
            try await EventNotifications.billingRecords(newReadings, of: .readings, now: now, on: tx)
            try await EventNotifications.billingRecords(newDocuments, of: .documents, now: now, on: tx)
            return Result(period: period, readings: accepted.count, invoices: invoices.count)
        }
    }
}
