import Foundation
import Mail
import PortalDomain
import SQLKit
import Vapor

/// The embedded acquirer (PAY-7): its own checkout pages, test cards and records, and a webhook signed with
/// HMAC-SHA256 sent to the portal by HTTP as a real acquirer sends it — once or several times, late or
/// before the person is back, as configured. It moves no money.
struct SandboxAcquirer: Acquirer {
    let secret: String
    var name: String { "sandbox" }
    var webhookPath: String { Self.webhookPath }
    static let webhookPath = "/api/acquirer/sandbox/webhook"
    static let signatureHeader = "X-Sandbox-Signature"
    static let jobKind = "sandbox-acquirer.webhook"

    /// The test cards shown on the checkout page.
    enum TestCard: String, CaseIterable {
        case success = "4242424242424242"
        case declined = "4000000000000002"
        case insufficientFunds = "4000000000009995"
        case secure3D = "4000000000003220"

        var about: String {
            switch self {
            case .success: "успешная оплата"
            case .declined: "банк отклоняет платеж"
            case .insufficientFunds: "недостаточно средств"
            case .secure3D: "запрос кода 3-D Secure (код 123456)"
            }
        }
    }

    static let secureCode = "123456"

    struct Row: Decodable, Sendable {
        let id: String
        let idempotenceKey: String
        let amountKopecks: Int64
        let description: String
        let returnUrl: String
        let metadata: String
        let status: String
        let methodId: String?
        let saveMethod: Bool
        let cardLast4: String?
        let reason: String?
    }

    static func row(_ id: String, on sql: any SQLDatabase) async throws -> Row? {
        try await sql.select().column("*").from("sandbox_acquirer_payments").where("id", .equal, id)
            .first(decoding: Row.self, with: .snakeCase)
    }

    func create(_ request: AcquirerRequest, app: Application) async throws -> AcquirerPayment {
        let sql = app.db.sql
        if let existing = try await sql.select().column("*").from("sandbox_acquirer_payments")
            .where("idempotence_key", .equal, request.idempotenceKey)
            .first(decoding: Row.self, with: .snakeCase)
        {
            return try await Self.payment(existing, on: sql)
        }
        if let method = request.savedMethodID {
            guard
                try await sql.select().column("id").from("sandbox_acquirer_methods").where("id", .equal, method)
                    .first() != nil
            else { throw AcquirerError(description: "unknown saved method") }
        }
        let id = "sbx_" + Sessions.randomToken().prefix(32)
        // The sandbox keeps the customer's address, as YooKassa keeps the receipt's, for the receipt it sends.
        let metadata = String(
            decoding: try JSONEncoder().encode(["paymentId": request.paymentID, "receiptEmail": request.email]),
            as: UTF8.self)
        try await sql.insert(into: "sandbox_acquirer_payments")
            .columns(
                "id", "idempotence_key", "amount_kopecks", "description", "return_url", "metadata", "status",
                "method_id", "save_method", "created_at"
            )
            .values(
                SQLBind(id), SQLBind(request.idempotenceKey), SQLBind(request.amount.kopecks),
                SQLBind(request.description), SQLBind(request.returnURL), SQLBind(metadata), SQLBind("pending"),
                SQLBind(request.savedMethodID), SQLBind(request.saveMethod), SQLBind(app.portal.clock.now())
            ).run()
        guard let row = try await Self.row(id, on: sql) else { throw AcquirerError(description: "not stored") }
        return try await Self.payment(row, on: sql)
    }

    func fetch(_ externalID: String, app: Application) async throws -> AcquirerPayment {
        let sql = app.db.sql
        guard let row = try await Self.row(externalID, on: sql) else {
            throw AcquirerError(description: "no payment \(externalID)")
        }
        return try await Self.payment(row, on: sql)
    }

    static func payment(_ row: Row, on sql: any SQLDatabase) async throws -> AcquirerPayment {
        let status = PaymentState(rawValue: row.status) ?? .pending
        let metadata = try? JSONDecoder().decode([String: String].self, from: Data(row.metadata.utf8))
        return AcquirerPayment(
            externalID: row.id, status: status, amount: Money(kopecks: row.amountKopecks),
            confirmationURL: status == .pending ? "/sandbox-acquirer/checkout/\(row.id)" : nil,
            paymentID: metadata?["paymentId"],
            savedMethod: status == .succeeded && row.saveMethod
                ? row.methodId.map { .init(id: $0, title: "Карта •••• \(row.cardLast4 ?? "")") } : nil,
            reason: row.reason)
    }

    // MARK: Notifications

    /// The notification body: what happened to one payment.
    struct Notification: Codable {
        let event: String
        let id: String
        let status: String
        let amountKopecks: Int64
        let currency: String
        let metadata: [String: String]
        let methodId: String?
        let methodTitle: String?
        let reason: String?
    }

    static func notificationBody(_ payment: AcquirerPayment) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(
            Notification(
                event: "payment.\(payment.status.rawValue)", id: payment.externalID, status: payment.status.rawValue,
                amountKopecks: payment.amount.kopecks, currency: "RUB",
                metadata: ["paymentId": payment.paymentID ?? ""],
                methodId: payment.savedMethod?.id, methodTitle: payment.savedMethod?.title, reason: payment.reason))
    }

    func verifiedNotification(_ req: Request) async throws -> AcquirerPayment? {
        guard let buffer = req.body.data, let signature = req.headers.first(name: Self.signatureHeader) else {
            return nil
        }
        let body = Data(buffer: buffer)
        guard WebhookSignature.verify(body, signature: signature, secret: secret),
            let note = try? JSONDecoder().decode(Notification.self, from: body), note.currency == "RUB",
            let status = PaymentState(rawValue: note.status)
        else { return nil }
        return AcquirerPayment(
            externalID: note.id, status: status, amount: Money(kopecks: note.amountKopecks), confirmationURL: nil,
            paymentID: note.metadata["paymentId"],
            savedMethod: note.methodId.map { .init(id: $0, title: note.methodTitle ?? "Карта") }, reason: note.reason)
    }

    /// Sends the current state of a payment to the portal's webhook (a job, so it can be late or repeated).
    static func deliver(_ context: JobContext) async throws {
        let app = context.application
        let sql = app.db.sql
        guard let row = try await row(context.payload, on: sql) else { return }
        let body = try notificationBody(try await payment(row, on: sql))
        let config = app.portal.config
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json")
        headers.add(name: signatureHeader, value: WebhookSignature.sign(body, secret: config.sandboxSecret))
        let status: HTTPStatus
        if let transport = app.sandboxWebhookTransport {
            status = try await transport(app, headers, body)
        } else {
            let base = config.publicOrigin
            status = try await app.client.post(URI(string: base + webhookPath), headers: headers) {
                $0.body = ByteBuffer(data: body)
            }.status
        }
        guard status == .ok else { throw AcquirerError(description: "webhook answered \(status.code)") }
    }

    /// Ends a payment at the sandbox and queues its webhook copies.
    static func finish(
        _ id: String, status: PaymentState, reason: String?, cardLast4: String?, saveMethod: Bool, app: Application
    ) async throws {
        let now = app.portal.clock.now()
        let config = app.portal.config
        try await app.db.writeTransaction { tx in
            let sql = tx.sql
            let before = try await row(id, on: sql)
            var methodID: String?
            if status == .succeeded, saveMethod, let cardLast4 {
                let method = "pm_" + Sessions.randomToken().prefix(24)
                try await sql.insert(into: "sandbox_acquirer_methods").columns("id", "card_last4", "created_at")
                    .values(SQLBind(method), SQLBind(cardLast4), SQLBind(now)).run()
                methodID = method
            }
            let update = sql.update("sandbox_acquirer_payments").set("status", to: status.rawValue)
                .set("reason", to: reason).set("card_last4", to: cardLast4)
            if let methodID { update.set("method_id", to: methodID) }
            let moved = try await update.where("id", .equal, id).where("status", .equal, "pending").returning("id")
                .all()
            // As a real acquirer does for 54-ФЗ, the sandbox mails the receipt of a payment that went through.
            if status == .succeeded, !moved.isEmpty, let before,
                let metadata = try? JSONDecoder().decode([String: String].self, from: Data(before.metadata.utf8)),
                let email = metadata["receiptEmail"], !email.isEmpty
            {
                try await Outbox.enqueue(
                    PaymentMails.sandboxReceipt(
                        amount: Money(kopecks: before.amountKopecks), description: before.description,
                        cardLast4: cardLast4 ?? before.cardLast4, at: now,
                        format: RussianDateFormat(timeZone: config.timeZone), to: email, from: config.mailFrom),
                    now: now, on: tx)
            }
            for _ in 0..<config.sandboxWebhookCopies {
                try await JobQueue.enqueue(
                    jobKind, payload: id, runAt: now.addingTimeInterval(config.sandboxWebhookDelay), on: tx)
            }
        }
    }
}

extension Application {
    /// How the sandbox's webhook reaches the portal: HTTP to the portal's own address unless set (tests
    /// hand the request to the application in memory).
    typealias SandboxWebhookTransport = @Sendable (Application, HTTPHeaders, Data) async throws -> HTTPStatus

    private struct SandboxTransportKey: StorageKey {
        typealias Value = SandboxWebhookTransport
    }

    var sandboxWebhookTransport: SandboxWebhookTransport? {
        get { storage[SandboxTransportKey.self] }
        set { storage[SandboxTransportKey.self] = newValue }
    }
}

/// Letters about card payments.
enum PaymentMails {
    /// The sandbox acquirer's receipt: what a 54-ФЗ receipt says, marked as a test one.
    static func sandboxReceipt(
        amount: Money, description: String, cardLast4: String?, at: Date, format: RussianDateFormat, to email: String,
        from: MailAddress
    ) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Тестовый чек: оплата \(amount.formatted)",
            text: """
                Здравствуйте!

                Это тестовый чек: платеж прошел через тестовый платежный шлюз личного кабинета, деньги не списаны.

                Кассовый чек — приход
                Дата и время: \(format.dateTime(at))
                Назначение платежа: \(description)
                Сумма: \(amount.formatted)
                Способ оплаты: банковская карта\(cardLast4.map { " •••• \($0)" } ?? "")

                С настоящим платежным сервисом чек пришлет он сам.
                """,
            date: at)
    }
}
