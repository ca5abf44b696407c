import Foundation
import PortalDomain
import SQLKit

/// A value ready to be written to a column.
enum SQLValue: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case data(Data)
    case null

    var expression: any SQLExpression {
        switch self {
        case .text(let value): SQLBind(value)
        case .int(let value): SQLBind(value)
        case .bool(let value): SQLBind(value)
        case .data(let value): SQLBind(value)
        case .null: SQLLiteral.null
        }
    }

    var text: String? {
        switch self {
        case .text(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        default: nil
        }
    }
}

/// One field of a billing record: its JSON name, its column, what it may hold.
struct BillingField: Sendable {
    enum Kind: Sendable {
        case text(max: Int)
        case rule(Rule)
        case choice([String])
        case integer(ClosedRange<Int64>)
        case boolean
        case date
        case period
        /// A register value: up to 12 digits before the point and 3 after, as a string; stored in thousandths.
        case reading
        case emails
        case base64(maxBytes: Int)
        /// The id of a row of another table, which must exist.
        case reference(table: String)
    }

    enum Rule: String, Sendable {
        case contractNumber, inn, kpp, ogrn, bik, account, email, phone
    }

    let name: String
    let column: String
    let kind: Kind
    let required: Bool
    let about: String

    init(_ name: String, _ column: String, _ kind: Kind, required: Bool = true, _ about: String = "") {
        self.name = name
        self.column = column
        self.kind = kind
        self.required = required
        self.about = about
    }
}

/// A kind of record billing writes through `PUT /api/billing/v1/<path>`.
struct BillingEntity: Sendable {
    let path: String
    let table: String
    let title: String
    let fields: [BillingField]
    /// Fields (besides `id`) whose values are unique across the table.
    var uniqueKeys: [[String]] = []
    /// Rows that belong to a contract through a parent (meter → energy object) copy the parent's contract.
    var contractFrom: String? = nil
    var check: (@Sendable ([String: SQLValue]) -> [(field: String, message: String)])? = nil

    var columns: [String] { fields.map(\.column) + (contractFrom == nil ? [] : ["contract_id"]) }

    static let maxBatch = 1000
    static let idField = BillingField("id", "id", .text(max: 64), "Billing's own identifier of the record")

    static let all: [BillingEntity] = [
        contracts, energyObjects, meters, meterChannels, readings, paymentDocuments, advances, payments, documents,
        documentLines, readingWindows,
    ]

    static func named(_ path: String) -> BillingEntity? { all.first { $0.path == path } }

    static let contracts = BillingEntity(
        path: "contracts", table: "contracts", title: "Contracts with their customer, bank details and contacts",
        fields: [
            idField,
            .init("number", "number", .rule(.contractNumber), "14 digits"),
            .init("name", "name", .text(max: 300)),
            .init("customerFullName", "customer_full_name", .text(max: 500)),
            .init("customerShortName", "customer_short_name", .text(max: 300)),
            .init("inn", "inn", .rule(.inn), "ИНН, 10 or 12 digits with valid check digits"),
            .init("kpp", "kpp", .rule(.kpp), required: false),
            .init("ogrn", "ogrn", .rule(.ogrn), required: false, "ОГРН (13) or ОГРНИП (15) with a valid check digit"),
            .init("legalAddress", "legal_address", .text(max: 500)),
            .init("postalAddress", "postal_address", .text(max: 500), required: false),
            .init("customerPhone", "customer_phone", .rule(.phone), required: false),
            .init("priceCategory", "price_category", .integer(1...6), "Ценовая категория I–VI as 1–6"),
            .init("contractDate", "contract_date", .date),
            .init(
                "emails", "emails", .emails,
                "E-mails listed in «Реквизиты сторон» and additional agreements; a contract is added to an account only through one of them"
            ),
            .init("customerBankName", "customer_bank_name", .text(max: 300), required: false),
            .init("customerBik", "customer_bik", .rule(.bik), required: false),
            .init("customerAccount", "customer_account", .rule(.account), required: false),
            .init("customerCorrAccount", "customer_corr_account", .rule(.account), required: false),
            .init("supplierName", "supplier_name", .text(max: 300)),
            .init("supplierInn", "supplier_inn", .rule(.inn), required: false),
            .init("supplierKpp", "supplier_kpp", .rule(.kpp), required: false),
            .init("supplierBankName", "supplier_bank_name", .text(max: 300), required: false),
            .init("supplierBik", "supplier_bik", .rule(.bik), required: false),
            .init("supplierAccount", "supplier_account", .rule(.account), required: false),
            .init("supplierCorrAccount", "supplier_corr_account", .rule(.account), required: false),
            .init("branchName", "branch_name", .text(max: 300), required: false),
            .init("branchHead", "branch_head", .text(max: 300), required: false),
            .init("branchPhone", "branch_phone", .rule(.phone), required: false),
            .init("branchAddress", "branch_address", .text(max: 500), required: false),
            .init("curatorName", "curator_name", .text(max: 300), required: false),
            .init("curatorPhone", "curator_phone", .rule(.phone), required: false),
            .init("curatorEmail", "curator_email", .rule(.email), required: false),
        ],
        uniqueKeys: [["number"]])

    static let energyObjects = BillingEntity(
        path: "energy-objects", table: "energy_objects", title: "Energy objects (ЭО) of a contract",
        fields: [
            idField,
            .init("contractId", "contract_id", .reference(table: "contracts")),
            .init("code", "code", .text(max: 40)),
            .init("name", "name", .text(max: 300)),
            .init("address", "address", .text(max: 500)),
            .init("status", "status", .choice(ReadingStatus.allCases.map(\.rawValue)), "Reading status this period"),
        ])

    static let meters = BillingEntity(
        path: "meters", table: "meters", title: "Meters (ПУ) of an energy object",
        fields: [
            idField,
            .init("energyObjectId", "energy_object_id", .reference(table: "energy_objects")),
            .init("number", "number", .text(max: 40)),
            .init("model", "model", .text(max: 100)),
            .init("complexName", "complex_name", .text(max: 300), "Name of the measuring complex (ИК)"),
            .init("digits", "digits", .integer(4...12), "Digits of the register before the decimal point"),
            .init("ratio", "ratio", .integer(1...1_000_000), "Transformation ratio"),
            .init("verifiedOn", "verified_on", .date, required: false, "Date of the last verification"),
            .init("hourly", "hourly", .boolean, "Records hourly profiles"),
            .init("status", "status", .choice(ReadingStatus.allCases.map(\.rawValue))),
        ],
        contractFrom: "energyObjectId")

    static let meterChannels = BillingEntity(
        path: "meter-channels", table: "meter_channels", title: "Channels of a meter: quantity and zone",
        fields: [
            idField,
            .init("meterId", "meter_id", .reference(table: "meters")),
            .init("quantity", "quantity", .choice(Quantity.allCases.map(\.rawValue))),
            .init("zone", "zone", .choice(Zone.allCases.map(\.rawValue))),
        ],
        contractFrom: "meterId")

    static let readings = BillingEntity(
        path: "readings", table: "accepted_readings", title: "Accepted register readings per channel and period",
        fields: [
            idField,
            .init("channelId", "channel_id", .reference(table: "meter_channels")),
            .init("period", "period", .period),
            .init("value", "value_milli", .reading, "Register value, e.g. \"12345.678\""),
            .init("readOn", "read_on", .date),
        ],
        uniqueKeys: [["channelId", "period"]], contractFrom: "channelId")

    static let paymentDocuments = BillingEntity(
        path: "payment-documents", table: "payment_documents", title: "Payment documents (счета на оплату)",
        fields: [
            idField,
            .init("contractId", "contract_id", .reference(table: "contracts")),
            .init("number", "number", .text(max: 40)),
            .init("saleKind", "sale_kind", .text(max: 100), "Вид реализации"),
            .init("issuedOn", "issued_on", .date),
            .init("dueOn", "due_on", .date, "«Оплатить до»"),
            .init("amountKopecks", "amount_kopecks", .integer(0...999_999_999_999_99)),
            .init("outstandingKopecks", "outstanding_kopecks", .integer(0...999_999_999_999_99)),
        ],
        check: { row in
            if case .int(let amount) = row["amount_kopecks"], case .int(let outstanding) = row["outstanding_kopecks"],
                outstanding > amount
            {
                return [("outstandingKopecks", "must not exceed amountKopecks")]
            }
            return []
        })

    static let advances = BillingEntity(
        path: "advances", table: "advances", title: "Advances and overpayments not yet offset",
        fields: [
            idField,
            .init("contractId", "contract_id", .reference(table: "contracts")),
            .init("saleKind", "sale_kind", .text(max: 100)),
            .init("period", "period", .period),
            .init("amountKopecks", "amount_kopecks", .integer(0...999_999_999_999_99)),
            .init("overpayment", "overpayment", .boolean, "An overpayment rather than an advance"),
        ])

    static let payments = BillingEntity(
        path: "payments", table: "payments_received", title: "Payments billing has received",
        fields: [
            idField,
            .init("contractId", "contract_id", .reference(table: "contracts")),
            .init("paidOn", "paid_on", .date),
            .init("amountKopecks", "amount_kopecks", .integer(1...999_999_999_999_99)),
            .init("paymentDocumentId", "payment_document_id", .text(max: 64), required: false),
            .init("purpose", "purpose", .text(max: 500), required: false),
            .init(
                "onlinePaymentId", "online_payment_id", .text(max: 64), required: false,
                "The id of the portal's online payment this money came from (the feed's onlinePayment entry)"),
        ])

    static let documents = BillingEntity(
        path: "documents", table: "documents", title: "Documents: acts, statements, invoices",
        fields: [
            idField,
            .init("contractId", "contract_id", .reference(table: "contracts")),
            .init("type", "type", .choice(DocumentType.allCases.map(\.rawValue))),
            .init("number", "number", .text(max: 40)),
            .init("issuedOn", "issued_on", .date),
            .init("period", "period", .period),
            .init("fileName", "file_name", .text(max: 200), required: false),
            .init("file", "file_data", .base64(maxBytes: 10 << 20), required: false, "The file, base64"),
        ])

    static let documentLines = BillingEntity(
        path: "document-lines", table: "document_lines", title: "The lines a document prints: volumes, costs, VAT",
        fields: [
            idField,
            .init("documentId", "document_id", .reference(table: "documents")),
            .init("position", "position", .integer(1...9_999), "Order of the line in the document"),
            .init("description", "description", .text(max: 300), "e.g. «Электрическая энергия, дневная зона»"),
            .init("unit", "unit", .text(max: 20), "e.g. «кВт·ч»"),
            .init("quantity", "quantity_milli", .reading, "Quantity, up to 3 decimals, e.g. \"12345.678\""),
            .init(
                "amountKopecks", "amount_kopecks", .integer(-999_999_999_999_99...999_999_999_999_99),
                "Cost without VAT"),
            .init("vatRate", "vat_rate", .integer(0...100), "VAT in percent"),
            .init("vatKopecks", "vat_kopecks", .integer(-999_999_999_999_99...999_999_999_999_99)),
        ],
        contractFrom: "documentId")

    static let readingWindows = BillingEntity(
        path: "reading-windows", table: "reading_windows",
        title: "The days readings are taken for a period; the portal announces the first and the last",
        fields: [
            idField,
            .init("period", "period", .period, "The billing period the readings are for"),
            .init("opensOn", "opens_on", .date, "The first day readings are taken"),
            .init("closesOn", "closes_on", .date, "The last day readings are taken"),
        ],
        uniqueKeys: [["period"]],
        check: { row in
            if case .text(let opens) = row["opens_on"], case .text(let closes) = row["closes_on"], closes < opens {
                return [("closesOn", "must not be before opensOn")]
            }
            return []
        })
}
