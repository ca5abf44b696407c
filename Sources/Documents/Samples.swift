import Foundation
import PortalDomain

/// Realistic documents for tests, benchmarks and a look at the layouts without a database.
extension BillingDocument {
    public static let sampleSupplier = DocumentParty(
        name: "АО «Энергосбытовая компания»", inn: "7707083893", kpp: "770701001",
        address: "119034, г. Москва, ул. Пречистенка, д. 10", bankName: "ПАО Сбербанк, г. Москва", bik: "044525225",
        account: "40702810938000012345", correspondentAccount: "30101810400000000225")
    public static let sampleCustomer = DocumentParty(
        name: "ООО «Ромашка»", inn: "5009051111", kpp: "500901001",
        address: "142000, Московская обл., г. Домодедово, ул. Советская, д. 1")

    /// A document of `type` for November 2026 with two lines (day and night) and four meters.
    public static func sample(_ type: DocumentType) -> BillingDocument {
        let lines = [
            DocumentLine(
                description: "Электрическая энергия, дневная зона", unit: "кВт·ч", quantityMilli: 12_345_678,
                amount: Money(kopecks: 6_168_215), vatRate: 22, vat: Money(kopecks: 1_357_007)),
            DocumentLine(
                description: "Электрическая энергия, ночная зона", unit: "кВт·ч", quantityMilli: 4_321_000,
                amount: Money(kopecks: 1_203_942), vatRate: 22, vat: Money(kopecks: 264_867)),
        ]
        let meters = (1...4).map { (index: Int) -> MeterLine in
            let previous = Int64(10_000_000 * index)
            return MeterLine(
                energyObject: "Цех № \(index), г. Домодедово, ул. Советская, д. 1", meterNumber: "0112\(index)45",
                zone: index % 2 == 0 ? "Ночь" : "День", previousMilli: previous, currentMilli: previous + 4_166_670,
                ratio: 1, consumptionMilli: 4_166_670)
        }
        return BillingDocument(
            type: type, number: "СФ-0001234/11", issuedOn: "2026-12-05", period: BillingPeriod(year: 2026, month: 11)!,
            dueOn: "2026-12-18", contractNumber: "77012345", contractDate: "2019-03-14", supplier: sampleSupplier,
            customer: sampleCustomer, lines: lines, meters: meters)
    }
}

extension ReconciliationAct {
    /// An act with `months` months of an invoice and a payment each, from January 2017.
    public static func sample(months: Int) -> ReconciliationAct {
        var entries: [Entry] = []
        var period = BillingPeriod(year: 2017, month: 1)!
        for month in 0..<months {
            let amount = Money(kopecks: Int64(1_234_567 + month * 1_013))
            entries.append(
                Entry(
                    date: "\(period.next)-05",
                    text:
                        "Счет-фактура № СФ-\(100 + month) от 05.\(BillingPeriod.padded(period.next.month, 2)).\(period.next.year)",
                    debit: amount))
            entries.append(
                Entry(date: "\(period.next)-15", text: "Оплата, платежное поручение № \(5000 + month)", credit: amount))
            period = period.next
        }
        let last = period.previous
        return ReconciliationAct(
            number: "АС-77012345-1", from: "2017-01-01", to: "\(last)-\(last.dayCount)", contractNumber: "77012345",
            contractDate: "2019-03-14", supplier: BillingDocument.sampleSupplier,
            customer: BillingDocument.sampleCustomer,
            opening: Money(kopecks: 150_000), entries: entries)
    }
}
