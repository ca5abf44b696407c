import Foundation
import PortalDomain

/// A party to a document: the supplier or the customer, with the requisites Russian documents print.
public struct DocumentParty: Sendable, Equatable {
    public var name: String
    public var inn: String
    public var kpp: String?
    public var address: String
    public var bankName: String?
    public var bik: String?
    public var account: String?
    public var correspondentAccount: String?

    public init(
        name: String, inn: String, kpp: String? = nil, address: String, bankName: String? = nil, bik: String? = nil,
        account: String? = nil, correspondentAccount: String? = nil
    ) {
        self.name = name
        self.inn = inn
        self.kpp = kpp
        self.address = address
        self.bankName = bankName
        self.bik = bik
        self.account = account
        self.correspondentAccount = correspondentAccount
    }

    /// «ИНН 7707083893 / КПП 770701001», or the ИНН alone.
    var innKpp: String {
        if let kpp, !kpp.isEmpty { return "ИНН \(inn) / КПП \(kpp)" }
        return "ИНН \(inn)"
    }
}

/// One line of an invoice or act: what was supplied, how much, and what it costs before and with VAT.
public struct DocumentLine: Sendable, Equatable {
    public var description: String
    public var unit: String
    /// The quantity in thousandths of the unit.
    public var quantityMilli: Int64
    /// The cost without VAT.
    public var amount: Money
    /// VAT in percent.
    public var vatRate: Int
    public var vat: Money

    public init(description: String, unit: String, quantityMilli: Int64, amount: Money, vatRate: Int, vat: Money) {
        self.description = description
        self.unit = unit
        self.quantityMilli = quantityMilli
        self.amount = amount
        self.vatRate = vatRate
        self.vat = vat
    }

    public var total: Money { amount + vat }

    /// The price of one unit without VAT, to five decimal places, as tariffs are written.
    var unitPrice: String {
        guard quantityMilli != 0 else { return "—" }
        // roubles × 100,000 = kopecks × 1000 × 1000 / quantityMilli / 100, rounded half up
        let scaled = (Double(amount.kopecks) * 1000 / Double(quantityMilli)) * 1000
        let value = Int64(scaled.rounded())
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        return sign + Format.grouped(magnitude / 100_000) + "," + String(format: "%05d", Int(magnitude % 100_000))
    }
}

/// A meter's line on a ведомость приема-передачи: the readings the volume comes from.
public struct MeterLine: Sendable, Equatable {
    public var energyObject: String
    public var meterNumber: String
    public var zone: String
    public var previousMilli: Int64?
    public var currentMilli: Int64?
    public var ratio: Int
    public var consumptionMilli: Int64?

    public init(
        energyObject: String, meterNumber: String, zone: String, previousMilli: Int64?, currentMilli: Int64?,
        ratio: Int, consumptionMilli: Int64?
    ) {
        self.energyObject = energyObject
        self.meterNumber = meterNumber
        self.zone = zone
        self.previousMilli = previousMilli
        self.currentMilli = currentMilli
        self.ratio = ratio
        self.consumptionMilli = consumptionMilli
    }
}

/// One of the four documents billing issues for a month (manual §6.1), with what its form prints.
public struct BillingDocument: Sendable {
    public var type: DocumentType
    public var number: String
    /// `YYYY-MM-DD`.
    public var issuedOn: String
    public var period: BillingPeriod
    /// «Оплатить до» of a счет на оплату, `YYYY-MM-DD`.
    public var dueOn: String?
    public var contractNumber: String
    /// `YYYY-MM-DD`.
    public var contractDate: String
    public var supplier: DocumentParty
    public var customer: DocumentParty
    public var lines: [DocumentLine]
    public var meters: [MeterLine]

    public init(
        type: DocumentType, number: String, issuedOn: String, period: BillingPeriod, dueOn: String? = nil,
        contractNumber: String, contractDate: String, supplier: DocumentParty, customer: DocumentParty,
        lines: [DocumentLine], meters: [MeterLine] = []
    ) {
        self.type = type
        self.number = number
        self.issuedOn = issuedOn
        self.period = period
        self.dueOn = dueOn
        self.contractNumber = contractNumber
        self.contractDate = contractDate
        self.supplier = supplier
        self.customer = customer
        self.lines = lines
        self.meters = meters
    }

    public var title: String { "\(type.title) № \(number) от \(Format.date(issuedOn))" }
    /// The file name a browser saves it under: «Счет-фактура № 12 от 05.12.2026.pdf», without characters
    /// file systems refuse.
    public var fileName: String { Format.fileName(title) }
}

/// An акт сверки взаиморасчетов: what the customer was charged and paid over a period, with the balances.
public struct ReconciliationAct: Sendable {
    public struct Entry: Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var date: String
        public var text: String
        /// Charged to the customer.
        public var debit: Money
        /// Paid by the customer.
        public var credit: Money

        public init(date: String, text: String, debit: Money = .zero, credit: Money = .zero) {
            self.date = date
            self.text = text
            self.debit = debit
            self.credit = credit
        }
    }

    public var number: String
    /// `YYYY-MM-DD`, both included.
    public var from: String
    public var to: String
    public var contractNumber: String
    public var contractDate: String
    public var supplier: DocumentParty
    public var customer: DocumentParty
    /// What the customer owed at the start (negative: the supplier owed the customer).
    public var opening: Money
    public var entries: [Entry]

    public init(
        number: String, from: String, to: String, contractNumber: String, contractDate: String,
        supplier: DocumentParty, customer: DocumentParty, opening: Money, entries: [Entry]
    ) {
        self.number = number
        self.from = from
        self.to = to
        self.contractNumber = contractNumber
        self.contractDate = contractDate
        self.supplier = supplier
        self.customer = customer
        self.opening = opening
        self.entries = entries
    }

    public var debitTotal: Money { entries.reduce(.zero) { $0 + $1.debit } }
    public var creditTotal: Money { entries.reduce(.zero) { $0 + $1.credit } }
    public var closing: Money { opening + debitTotal - creditTotal }
    public var title: String { "Акт сверки взаиморасчетов № \(number)" }
    public var fileName: String {
        Format.fileName("Акт сверки по договору \(contractNumber) с \(Format.date(from)) по \(Format.date(to))")
    }
}

/// How documents write numbers and dates.
enum Format {
    /// `12 345` with a plain space between thousands, so the text can be copied into a spreadsheet.
    static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(" ") }
            out.append(digit)
        }
        return out
    }

    /// `1 234,56`.
    static func money(_ money: Money) -> String {
        let magnitude = money.kopecks.magnitude
        return (money.kopecks < 0 ? "-" : "") + grouped(magnitude / 100) + ","
            + BillingPeriod.padded(Int(magnitude % 100), 2)
    }

    /// `12 345,678` (thousandths), trailing zeros of the fraction kept to three places.
    static func quantity(_ milli: Int64) -> String {
        let magnitude = milli.magnitude
        return (milli < 0 ? "-" : "") + grouped(magnitude / 1000) + "," + String(format: "%03d", Int(magnitude % 1000))
    }

    /// `2026-12-05` → `05.12.2026`; anything else as it is.
    static func date(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        guard parts.count == 3 else { return iso }
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }

    static func fileName(_ title: String) -> String {
        let refused: Set<Character> = ["/", "\\", ":", "*", "?", "\"", "<", ">", "|"]
        let cleaned = String(title.map { refused.contains($0) || $0.isNewline ? "-" : $0 })
        return String(cleaned.prefix(150)) + ".pdf"
    }
}
