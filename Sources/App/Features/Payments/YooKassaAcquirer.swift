import Foundation
import PortalDomain
import Vapor

/// The YooKassa adapter (API v3, https://yookassa.ru/developers/api): a payment is created with an
/// `Idempotence-Key`, `capture: true`, a redirect confirmation, our payment id in `metadata` and a 54-ФЗ
/// receipt for the account's e-mail; a saved card pays by its `payment_method_id`. A notification is never
/// trusted as sent: the payment is fetched back from the API and that answer is applied.
struct YooKassaAcquirer: Acquirer {
    struct Settings: Sendable, Equatable {
        var shopID: String
        var secretKey: String
        /// `https://api.yookassa.ru/v3`, or a local fake in tests.
        var baseURL: String
        /// The receipt's VAT code (YooKassa's `vat_code`), as the supplier's tax regime requires.
        var vatCode: Int
        /// How long one call may take, connecting included.
        var timeout: Int64 = 10
    }

    let settings: Settings
    var name: String { "yookassa" }
    var webhookPath: String { Self.webhookPath }
    static let webhookPath = "/api/acquirer/yookassa/webhook"
    /// Attempts for one call when YooKassa answers 5xx or cannot be reached; the key stays the same.
    static let attempts = 3

    private var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.basicAuthorization = BasicAuthorization(username: settings.shopID, password: settings.secretKey)
        headers.contentType = .json
        return headers
    }

    // MARK: API payloads

    struct Amount: Codable, Equatable {
        let value: String
        let currency: String
    }

    struct Payment: Codable {
        struct Confirmation: Codable {
            let type: String
            let confirmationUrl: String?
            let returnUrl: String?
        }
        struct Method: Codable {
            struct Card: Codable {
                let last4: String?
                let cardType: String?
            }
            let type: String?
            let id: String
            let saved: Bool?
            let title: String?
            let card: Card?
        }
        struct Cancellation: Codable {
            let party: String?
            let reason: String?
        }
        let id: String
        let status: String
        let amount: Amount
        let confirmation: Confirmation?
        let metadata: [String: String]?
        let paymentMethod: Method?
        let cancellationDetails: Cancellation?
    }

    struct Notification: Codable {
        let type: String?
        let event: String
        let object: Reference

        struct Reference: Codable {
            let id: String
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// `1234.50` from kopecks, as YooKassa writes amounts.
    static func value(_ money: Money) -> String { money.plain(separator: ".") }

    static func money(_ value: String) -> Money? {
        guard case .success(let money) = Money.parse(value) else { return value == "0.00" ? .zero : nil }
        return money
    }

    /// Why YooKassa canceled a payment, as the person reads it.
    static func reason(_ code: String?) -> String {
        switch code {
        case "insufficient_funds": "Недостаточно средств на карте"
        case "card_expired": "Истек срок действия карты"
        case "3d_secure_failed": "Не пройдена проверка 3-D Secure"
        case "expired_on_confirmation": "Время на оплату истекло"
        case "canceled_by_merchant": "Платеж отменен"
        case "fraud_suspected", "permission_revoked": "Банк отклонил платеж"
        case "call_issuer", "payment_method_restricted", "payment_method_limit_exceeded", "issuer_unavailable":
            "Банк отклонил платеж"
        default: "Оплата не прошла"
        }
    }

    func payment(_ answer: Payment) throws -> AcquirerPayment {
        guard let amount = Self.money(answer.amount.value), answer.amount.currency == "RUB" else {
            throw AcquirerError(description: "unexpected amount \(answer.amount)")
        }
        let status: PaymentState =
            switch answer.status {
            case "succeeded": .succeeded
            case "canceled": .canceled
            default: .pending  // pending, waiting_for_capture
            }
        let method = answer.paymentMethod.flatMap { method -> AcquirerPayment.SavedMethod? in
            guard method.saved == true else { return nil }
            let title = method.card?.last4.map { "Карта •••• \($0)" } ?? method.title ?? "Сохраненный способ оплаты"
            return .init(id: method.id, title: title)
        }
        return AcquirerPayment(
            externalID: answer.id, status: status, amount: amount,
            confirmationURL: answer.confirmation?.confirmationUrl, paymentID: answer.metadata?["paymentId"],
            savedMethod: status == .succeeded ? method : nil,
            reason: status == .canceled ? Self.reason(answer.cancellationDetails?.reason) : nil)
    }

    // MARK: Calls

    /// Sends one request, retrying 5xx answers and lost connections with the same idempotence key.
    private func call(_ method: HTTPMethod, _ path: String, key: String?, body: Data?, app: Application)
        async throws -> Payment
    {
        var headers = self.headers
        if let key { headers.add(name: "Idempotence-Key", value: key) }
        var lastError: any Error = AcquirerError(description: "no attempt")
        for attempt in 1...Self.attempts {
            do {
                let response = try await app.client.send(
                    method, headers: headers, to: URI(string: settings.baseURL + path)
                ) { request in
                    request.timeout = .seconds(settings.timeout)
                    if let body { request.body = ByteBuffer(data: body) }
                }
                if response.status.code >= 500 {
                    lastError = AcquirerError(description: "YooKassa answered \(response.status.code)")
                } else if response.status == .ok {
                    guard let buffer = response.body else { throw AcquirerError(description: "empty answer") }
                    return try Self.decoder.decode(Payment.self, from: Data(buffer: buffer))
                } else {
                    throw AcquirerError(description: "YooKassa answered \(response.status.code)")
                }
            } catch let error as AcquirerError where !error.description.hasPrefix("YooKassa answered 5") {
                throw error
            } catch {
                lastError = error
            }
            if attempt < Self.attempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
        }
        throw lastError as? AcquirerError ?? AcquirerError(description: "YooKassa unreachable: \(lastError)")
    }

    func create(_ request: AcquirerRequest, app: Application) async throws -> AcquirerPayment {
        var body: [String: JSONValue] = [
            "amount": ["value": .string(Self.value(request.amount)), "currency": "RUB"],
            "capture": true,
            "confirmation": ["type": "redirect", "return_url": .string(request.returnURL)],
            "description": .string(String(request.description.prefix(128))),
            "metadata": ["paymentId": .string(request.paymentID)],
            "receipt": [
                "customer": ["email": .string(request.email)],
                "items": [
                    [
                        "description": .string(String(request.description.prefix(128))), "quantity": "1.00",
                        "amount": ["value": .string(Self.value(request.amount)), "currency": "RUB"],
                        "vat_code": .number(Double(settings.vatCode)), "payment_mode": "full_payment",
                        "payment_subject": "commodity",
                    ]
                ],
            ],
        ]
        if let method = request.savedMethodID {
            body["payment_method_id"] = .string(method)
        } else if request.saveMethod {
            body["save_payment_method"] = true
        }
        let answer = try await call(
            .POST, "/payments", key: request.idempotenceKey, body: JSONValue.object(body).json, app: app)
        return try payment(answer)
    }

    func fetch(_ externalID: String, app: Application) async throws -> AcquirerPayment {
        guard externalID.count <= 64, externalID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { throw AcquirerError(description: "malformed payment id") }
        return try payment(try await call(.GET, "/payments/\(externalID)", key: nil, body: nil, app: app))
    }

    func verifiedNotification(_ req: Request) async throws -> AcquirerPayment? {
        guard let buffer = req.body.data,
            let note = try? Self.decoder.decode(Notification.self, from: Data(buffer: buffer)),
            note.event.hasPrefix("payment.")
        else { return nil }
        // Whatever the notification says, YooKassa's own answer for the payment decides.
        return try await fetch(note.object.id, app: req.application)
    }
}
