import Foundation
import NIOConcurrencyHelpers
import Vapor

@testable import App

/// A local stand-in for the YooKassa API v3, served over real HTTP on a free port: creates payments
/// (idempotent by `Idempotence-Key`), answers `GET /payments/{id}`, and lets a test decide each payment's
/// fate (succeed, cancel, fail the next call with 500) and read every request it received.
final class FakeYooKassa: @unchecked Sendable {
    static let shopID = "123456"
    static let secretKey = "test_secret_key"

    struct Received: @unchecked Sendable {
        let method: String
        let path: String
        let idempotenceKey: String?
        let body: [String: Any]?
    }

    struct State {
        var payments: [String: [String: Any]] = [:]
        var byKey: [String: String] = [:]
        var received: [Received] = []
        /// The next create calls to answer 500 after doing the work (as a timeout after the fact would).
        var failCreates = 0
    }

    let state = NIOLockedValueBox(State())
    let app: Application
    private(set) var port = 0

    var baseURL: String { "http://127.0.0.1:\(port)/v3" }
    var settings: YooKassaAcquirer.Settings {
        .init(shopID: Self.shopID, secretKey: Self.secretKey, baseURL: baseURL, vatCode: 1)
    }
    var received: [Received] { state.withLockedValue { $0.received } }

    init() async throws {
        app = try await Application.make(.testing)
        app.logger.logLevel = .error
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        routes()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = app.http.server.shared.localAddress?.port ?? 0
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private func authorized(_ req: Request) -> Bool {
        req.headers.basicAuthorization?.username == Self.shopID
            && req.headers.basicAuthorization?.password == Self.secretKey
    }

    private func json(_ object: [String: Any], status: HTTPStatus = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: data))
    }

    private func routes() {
        app.post("v3", "payments") { [self] req -> Response in
            let body =
                req.body.data.flatMap { try? JSONSerialization.jsonObject(with: Data(buffer: $0)) }
                as? [String: Any]
            let key = req.headers.first(name: "Idempotence-Key")
            state.withLockedValue {
                $0.received.append(.init(method: "POST", path: req.url.path, idempotenceKey: key, body: body))
            }
            guard authorized(req) else {
                return json(["type": "error", "code": "invalid_credentials"], status: .unauthorized)
            }
            guard let key, let body else {
                return json(["type": "error", "code": "invalid_request"], status: .badRequest)
            }
            let (payment, fail) = state.withLockedValue { state -> ([String: Any], Bool) in
                if let id = state.byKey[key], let existing = state.payments[id] { return (existing, false) }
                let id = "2f" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(30)
                var payment: [String: Any] = [
                    "id": id, "status": "pending", "amount": body["amount"] ?? [:],
                    "metadata": body["metadata"] ?? [:], "paid": false,
                    "confirmation": [
                        "type": "redirect", "confirmation_url": "https://yoomoney.example/checkout/\(id)",
                    ],
                ]
                if let method = body["payment_method_id"] as? String {
                    // A saved card: YooKassa charges it without sending the person anywhere.
                    payment["status"] = "succeeded"
                    payment["confirmation"] = nil
                    payment["payment_method"] = [
                        "type": "bank_card", "id": method, "saved": true, "card": ["last4": "4444"],
                    ]
                }
                if body["save_payment_method"] as? Bool == true { payment["save_requested"] = true }
                state.payments[id] = payment
                state.byKey[key] = id
                let fail = state.failCreates > 0
                if fail { state.failCreates -= 1 }
                return (payment, fail)
            }
            return fail
                ? json(["type": "error", "code": "internal_server_error"], status: .internalServerError)
                : json(payment)
        }
        app.get("v3", "payments", ":id") { [self] req -> Response in
            state.withLockedValue {
                $0.received.append(.init(method: "GET", path: req.url.path, idempotenceKey: nil, body: nil))
            }
            guard authorized(req) else { return json(["type": "error"], status: .unauthorized) }
            guard let payment = state.withLockedValue({ $0.payments[req.parameters.get("id") ?? ""] }) else {
                return json(["type": "error", "code": "not_found"], status: .notFound)
            }
            return json(payment)
        }
    }

    /// The person paid at YooKassa (the card saved if the portal asked for it).
    func succeed(_ id: String) {
        state.withLockedValue { state in
            guard var payment = state.payments[id] else { return }
            payment["status"] = "succeeded"
            payment["paid"] = true
            payment["payment_method"] = [
                "type": "bank_card", "id": "pm-" + id, "saved": payment["save_requested"] as? Bool ?? false,
                "title": "Bank card *4444", "card": ["last4": "4444", "card_type": "MasterCard"],
            ]
            state.payments[id] = payment
        }
    }

    func cancel(_ id: String, reason: String) {
        state.withLockedValue { state in
            state.payments[id]?["status"] = "canceled"
            state.payments[id]?["cancellation_details"] = ["party": "payment_network", "reason": reason]
        }
    }

    func failNextCreate() { state.withLockedValue { $0.failCreates += 1 } }

    /// The id of the only payment created so far.
    var onlyPaymentID: String? {
        state.withLockedValue { $0.payments.count == 1 ? $0.payments.keys.first : nil }
    }

    /// A notification as YooKassa sends it.
    static func notification(_ id: String, event: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: [
            "type": "notification", "event": event,
            "object": ["id": id, "status": event.replacingOccurrences(of: "payment.", with: "")],
        ])) ?? Data()
    }
}
