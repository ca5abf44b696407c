import Documents
import Fluent
import Foundation
import Mail
import PortalDomain
import SQLKit
import Vapor

/// The PDF of a billing document: the file billing sent, or the portal's rendering of the document's data
/// (its lines, the contract's requisites, and for a ведомость the meters' readings of the month).
enum DocumentFiles {
    /// A document as the portal knows it, with its contract's id for the access check.
    struct Header: Decodable, Sendable {
        let id: String
        let contractId: String
        let type: String
        let number: String
        let issuedOn: String
        let period: String
        let fileName: String?
        let fileSize: Int64

        var title: String {
            "\(DocumentType(rawValue: type)?.title ?? type) № \(number) от \(HistoryData.date(issuedOn))"
        }

        static func find(_ id: String, on sql: any SQLDatabase) async throws -> Header? {
            try await sql.raw(
                """
                SELECT id, contract_id, type, number, issued_on, period, file_name,
                    COALESCE(length(file_data), 0) AS file_size
                FROM documents WHERE id = \(bind: id)
                """
            ).first(decoding: Header.self, with: .snakeCase)
        }
    }

    /// The contract's parties and dates, as documents print them.
    struct ContractRow: Decodable, Sendable {
        let number: String
        let contractDate: String
        let customerFullName: String
        let inn: String
        let kpp: String?
        let legalAddress: String
        let supplierName: String
        let supplierInn: String?
        let supplierKpp: String?
        let supplierBankName: String?
        let supplierBik: String?
        let supplierAccount: String?
        let supplierCorrAccount: String?
        let branchAddress: String?

        static func find(_ id: String, on sql: any SQLDatabase) async throws -> ContractRow? {
            try await sql.raw(
                """
                SELECT number, contract_date, customer_full_name, inn, kpp, legal_address, supplier_name, supplier_inn,
                    supplier_kpp, supplier_bank_name, supplier_bik, supplier_account, supplier_corr_account, branch_address
                FROM contracts WHERE id = \(bind: id)
                """
            ).first(decoding: ContractRow.self, with: .snakeCase)
        }

        var supplier: DocumentParty {
            DocumentParty(
                name: supplierName, inn: supplierInn ?? "—", kpp: supplierKpp, address: branchAddress ?? "—",
                bankName: supplierBankName, bik: supplierBik, account: supplierAccount,
                correspondentAccount: supplierCorrAccount)
        }

        var customer: DocumentParty {
            DocumentParty(name: customerFullName, inn: inn, kpp: kpp, address: legalAddress)
        }
    }

    struct LineRow: Decodable, Sendable {
        let description: String
        let unit: String
        let quantityMilli: Int64
        let amountKopecks: Int64
        let vatRate: Int
        let vatKopecks: Int64

        static func all(ofDocument id: String, on sql: any SQLDatabase) async throws -> [LineRow] {
            try await sql.raw(
                """
                SELECT description, unit, quantity_milli, amount_kopecks, vat_rate, vat_kopecks
                FROM document_lines WHERE document_id = \(bind: id) ORDER BY position, id
                """
            ).all(decoding: LineRow.self, with: .snakeCase)
        }
    }

    /// The active energy channels of a contract with their readings of a month and the month before.
    struct MeterReadingRow: Decodable, Sendable {
        let objectName: String
        let meterNumber: String
        let zone: String
        let ratio: Int
        let digits: Int
        let currentMilli: Int64?
        let previousMilli: Int64?

        static func all(ofContract id: String, period: BillingPeriod, on sql: any SQLDatabase) async throws
            -> [MeterReadingRow]
        {
            try await sql.raw(
                """
                SELECT o.name AS object_name, m.number AS meter_number, k.zone, m.ratio, m.digits,
                    a.value_milli AS current_milli, p.value_milli AS previous_milli
                FROM meter_channels k JOIN meters m ON m.id = k.meter_id JOIN energy_objects o ON o.id = m.energy_object_id
                    LEFT JOIN accepted_readings a ON a.channel_id = k.id AND a.period = \(bind: period.description)
                    LEFT JOIN accepted_readings p ON p.channel_id = k.id AND p.period = \(bind: period.previous.description)
                WHERE k.contract_id = \(bind: id) AND k.quantity = \(bind: Quantity.activeImport.rawValue)
                ORDER BY o.code, m.number, k.zone
                """
            ).all(decoding: MeterReadingRow.self, with: .snakeCase)
        }
    }

    /// The document's PDF and the file name to offer, or nil when the document or its contract is gone.
    static func pdf(_ header: Header, on sql: any SQLDatabase, now: Date) async throws -> (data: Data, name: String)? {
        if header.fileSize > 0 {
            let row = try await sql.raw("SELECT file_data FROM documents WHERE id = \(bind: header.id)").first()
            if let data = try row?.decode(column: "file_data", as: Data?.self) {
                let name = header.fileName.map { $0.lowercased().hasSuffix(".pdf") ? $0 : $0 + ".pdf" }
                return (data, name ?? header.title + ".pdf")
            }
        }
        guard let document = try await document(header, on: sql) else { return nil }
        return (DocumentPDF.render(document, created: now), document.fileName)
    }

    /// The document's data for the portal to lay out.
    static func document(_ header: Header, on sql: any SQLDatabase) async throws -> BillingDocument? {
        guard let type = DocumentType(rawValue: header.type), let period = BillingPeriod(header.period),
            let contract = try await ContractRow.find(header.contractId, on: sql)
        else { return nil }
        let lines = try await LineRow.all(ofDocument: header.id, on: sql).map {
            DocumentLine(
                description: $0.description, unit: $0.unit, quantityMilli: $0.quantityMilli,
                amount: Money(kopecks: $0.amountKopecks), vatRate: $0.vatRate, vat: Money(kopecks: $0.vatKopecks))
        }
        var meters: [MeterLine] = []
        if type == .acceptanceStatement {
            meters = try await MeterReadingRow.all(ofContract: header.contractId, period: period, on: sql).map { row in
                var consumed: Int64?
                if let previous = row.previousMilli, let current = row.currentMilli,
                    case .success(let value) = RegisterReading.consumption(
                        previous: previous, current: current, ratio: row.ratio, digits: row.digits, rollover: true)
                {
                    consumed = value
                }
                return MeterLine(
                    energyObject: row.objectName, meterNumber: row.meterNumber,
                    zone: Zone(rawValue: row.zone)?.title ?? row.zone, previousMilli: row.previousMilli,
                    currentMilli: row.currentMilli, ratio: row.ratio, consumptionMilli: consumed)
            }
        }
        return BillingDocument(
            type: type, number: header.number, issuedOn: header.issuedOn, period: period, dueOn: nil,
            contractNumber: contract.number, contractDate: contract.contractDate, supplier: contract.supplier,
            customer: contract.customer, lines: lines, meters: meters)
    }
}

// MARK: - Акт сверки

extension DocumentFiles {
    struct ChargeRow: Decodable, Sendable {
        let number: String
        let saleKind: String
        let issuedOn: String
        let amountKopecks: Int64
    }

    struct PaidRow: Decodable, Sendable {
        let paidOn: String
        let amountKopecks: Int64
        let purpose: String?
    }

    /// The act for a contract over the months `from`…`to`: invoices as charges, received payments as credits.
    static func reconciliation(
        contractID: String, from: BillingPeriod, to: BillingPeriod, number: String, on sql: any SQLDatabase
    ) async throws -> ReconciliationAct? {
        guard let contract = try await ContractRow.find(contractID, on: sql) else { return nil }
        let start = "\(from)-01"
        let end = "\(to)-\(BillingPeriod.padded(to.dayCount, 2))"
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both databases give an integer.
        let before = try await sql.raw(
            """
            SELECT
                CAST((SELECT COALESCE(SUM(amount_kopecks), 0) FROM payment_documents WHERE contract_id = \(bind: contractID) AND issued_on < \(bind: start)) AS BIGINT) AS charged,
                CAST((SELECT COALESCE(SUM(amount_kopecks), 0) FROM payments_received WHERE contract_id = \(bind: contractID) AND paid_on < \(bind: start)) AS BIGINT) AS paid
            """
        ).first()
        let charged = try before?.decode(column: "charged", as: Int64.self) ?? 0
        let paid = try before?.decode(column: "paid", as: Int64.self) ?? 0
        let charges = try await sql.raw(
            """
            SELECT number, sale_kind, issued_on, amount_kopecks FROM payment_documents
            WHERE contract_id = \(bind: contractID) AND issued_on >= \(bind: start) AND issued_on <= \(bind: end)
            """
        ).all(decoding: ChargeRow.self, with: .snakeCase)
        let payments = try await sql.raw(
            """
            SELECT paid_on, amount_kopecks, purpose FROM payments_received
            WHERE contract_id = \(bind: contractID) AND paid_on >= \(bind: start) AND paid_on <= \(bind: end)
            """
        ).all(decoding: PaidRow.self, with: .snakeCase)
        var entries = charges.map {
            ReconciliationAct.Entry(
                date: $0.issuedOn, text: "Счет № \($0.number) от \(HistoryData.date($0.issuedOn)) (\($0.saleKind))",
                debit: Money(kopecks: $0.amountKopecks))
        }
        entries += payments.map {
            ReconciliationAct.Entry(
                date: $0.paidOn, text: "Оплата" + ($0.purpose.map { ": \($0)" } ?? ""),
                credit: Money(kopecks: $0.amountKopecks))
        }
        entries.sort { ($0.date, $0.credit.kopecks) < ($1.date, $1.credit.kopecks) }
        return ReconciliationAct(
            number: number, from: start, to: end, contractNumber: contract.number,
            contractDate: contract.contractDate, supplier: contract.supplier, customer: contract.customer,
            opening: Money(kopecks: charged - paid), entries: entries)
    }
}

// MARK: - Orders

/// Orders a person places in «История»: an акт сверки the portal prepares, a document it e-mails. Each is a
/// row in `orders` and a job; billing reads them from the feed.
enum Orders {
    static let jobKind = "history.order"

    /// The message shown after a document is sent for e-mailing (manual §6.1, word for word).
    static let emailAccepted =
        "Документ будет отправлен на ваш электронный адрес после формирования. Время подготовки может составить до 10 минут."

    /// Places an order in the transaction `db` and queues its job.
    static func place(
        kind: HistoryData.OrderKind, accountID: UUID, contractID: String, from: BillingPeriod? = nil,
        to: BillingPeriod? = nil, documentID: String? = nil, email: String? = nil, now: Date, on db: Database
    ) async throws -> (id: UUID, number: Int64) {
        let sql = db.sql
        let id = UUID()
        let number = try await sql.nextNumber(in: "orders")
        try await sql.insert(into: "orders")
            .columns(
                "id", "number", "account_id", "contract_id", "kind", "status", "period_from", "period_to",
                "document_id", "email", "created_at"
            )
            .values(
                SQLBind(id), SQLBind(number), SQLBind(accountID), SQLBind(contractID), SQLBind(kind.rawValue),
                SQLBind(HistoryData.OrderStatus.inProgress.rawValue), SQLBind(from.map { "\($0)-01" }),
                SQLBind(to.map { "\($0)-\(BillingPeriod.padded($0.dayCount, 2))" }), SQLBind(documentID),
                SQLBind(email), SQLBind(now)
            )
            .run()
        var data: [String: JSONValue] = [
            "orderId": .string(id.uuidString), "number": .number(Double(number)), "kind": .string(kind.rawValue),
            "contractId": .string(contractID), "accountId": .string(accountID.uuidString),
        ]
        if let from { data["from"] = .string("\(from)-01") }
        if let to { data["to"] = .string("\(to)-\(BillingPeriod.padded(to.dayCount, 2))") }
        if let documentID { data["documentId"] = .string(documentID) }
        if let email { data["email"] = .string(email) }
        try await BillingFeed.append(.order, entityID: id.uuidString, data: .object(data), now: now, on: sql)
        try await JobQueue.enqueue(jobKind, payload: id.uuidString, runAt: now, on: db)
        return (id, number)
    }

    struct OrderJobRow: Decodable, Sendable {
        let number: Int64
        let accountId: UUID
        let contractId: String
        let kind: String
        let status: String
        let periodFrom: String?
        let periodTo: String?
        let documentId: String?
        let email: String?
    }

    /// The job: prepares the act or the document, stores the act's file, sends the letter, marks it ready.
    static func run(_ context: JobContext) async throws {
        guard let id = UUID(uuidString: context.payload) else { return }
        let sql = context.db.sql
        guard
            let order = try await sql.raw(
                """
                SELECT number, account_id, contract_id, kind, status, period_from, period_to, document_id, email
                FROM orders WHERE id = \(bind: id)
                """
            ).first(decoding: OrderJobRow.self, with: .snakeCase),
            order.status == HistoryData.OrderStatus.inProgress.rawValue
        else { return }
        let config = context.application.portal.config
        let link = config.publicOrigin + SitePath.historyOrders.path
        var file: (data: Data, name: String)?
        var message: MailMessage?
        switch HistoryData.OrderKind(rawValue: order.kind) {
        case .reconciliation:
            guard let from = order.periodFrom.flatMap({ BillingPeriod(String($0.prefix(7))) }),
                let to = order.periodTo.flatMap({ BillingPeriod(String($0.prefix(7))) }),
                let act = try await DocumentFiles.reconciliation(
                    contractID: order.contractId, from: from, to: to, number: "\(order.number)", on: sql)
            else { return try await fail(id, context) }
            let pdf = (DocumentPDF.render(act, created: context.now), act.fileName)
            file = pdf
            let email = try await sql.raw("SELECT email FROM accounts WHERE id = \(bind: order.accountId)").first()
            if let address = try email?.decode(column: "email", as: String?.self) {
                message = OrderMails.reconciliationReady(
                    act: act, file: pdf, link: link, to: address, from: config.mailFrom, at: context.now)
            }
        case .documentEmail:
            guard let documentID = order.documentId, let email = order.email,
                let header = try await DocumentFiles.Header.find(documentID, on: sql),
                header.contractId == order.contractId,
                let pdf = try await DocumentFiles.pdf(header, on: sql, now: context.now)
            else { return try await fail(id, context) }
            message = OrderMails.document(
                title: header.title, file: pdf, to: email, from: config.mailFrom, at: context.now)
        case nil:
            return try await fail(id, context)
        }
        let (ready, letter, now) = (file, message, context.now)
        try await context.transaction { tx in
            if let letter { try await Outbox.enqueue(letter, now: now, on: tx) }
            try await tx.sql.update("orders")
                .set("status", to: HistoryData.OrderStatus.ready.rawValue).set("ready_at", to: now)
                .set("file_name", to: SQLBind(ready?.name)).set("file_data", to: SQLBind(ready?.data))
                .where("id", .equal, id).run()
        }
    }

    private static func fail(_ id: UUID, _ context: JobContext) async throws {
        try await context.transaction { tx in
            try await tx.sql.update("orders").set("status", to: HistoryData.OrderStatus.failed.rawValue)
                .where("id", .equal, id).run()
        }
    }
}

/// Letters about orders.
enum OrderMails {
    static func document(title: String, file: (data: Data, name: String), to email: String, from: MailAddress, at: Date)
        -> MailMessage
    {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: title,
            text: """
                Здравствуйте!

                По вашему запросу из личного кабинета клиента направляем документ «\(title)». Файл приложен к письму.

                Письмо отправлено автоматически, отвечать на него не нужно.
                """,
            attachments: [MailAttachment(filename: file.name, contentType: "application/pdf", data: file.data)],
            date: at)
    }

    static func reconciliationReady(
        act: ReconciliationAct, file: (data: Data, name: String), link: String, to email: String, from: MailAddress,
        at: Date
    ) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)],
            subject: "Акт сверки по договору \(act.contractNumber) готов",
            text: """
                Здравствуйте!

                Акт сверки взаиморасчетов по договору № \(act.contractNumber) за период с \(HistoryData.date(act.from)) по \(HistoryData.date(act.to)) подготовлен. Файл приложен к письму; он также доступен в личном кабинете в разделе «История» → «Заказы»: \(link)

                Письмо отправлено автоматически, отвечать на него не нужно.
                """,
            attachments: [MailAttachment(filename: file.name, contentType: "application/pdf", data: file.data)],
            date: at)
    }
}
