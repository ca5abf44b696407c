import Crypto
import Foundation
import PortalDomain
import Vapor

/// What the portal asks of a payment acquirer (PAY-7). The sandbox acquirer and YooKassa stand behind it;
/// the portal never learns a card number, only the acquirer's payment id, status and a saved method's id.
protocol Acquirer: Sendable {
    /// The name stored with each payment: `sandbox`, `yookassa`.
    var name: String { get }
    /// Where its notifications arrive (under `/api/`, so no session or CSRF token is involved).
    var webhookPath: String { get }
    /// Creates the payment at the acquirer; `idempotenceKey` makes a retry return the same payment.
    func create(_ request: AcquirerRequest, app: Application) async throws -> AcquirerPayment
    /// The payment as the acquirer has it now.
    func fetch(_ externalID: String, app: Application) async throws -> AcquirerPayment
    /// A notification the acquirer sent, verified; `nil` when it cannot be trusted.
    func verifiedNotification(_ req: Request) async throws -> AcquirerPayment?
}

struct AcquirerRequest: Sendable {
    let paymentID: String
    let idempotenceKey: String
    let amount: Money
    let description: String
    let returnURL: String
    let email: String
    /// Pay with this saved method instead of a new card.
    let savedMethodID: String?
    /// Offer to save the new card.
    let saveMethod: Bool
}

struct AcquirerPayment: Sendable, Equatable {
    let externalID: String
    let status: PaymentState
    let amount: Money
    /// Where to send the person to pay (while pending).
    let confirmationURL: String?
    /// Our payment id from the metadata.
    let paymentID: String?
    /// The method used, if the acquirer saved it for later payments.
    let savedMethod: SavedMethod?
    /// Why it was canceled, in Russian.
    let reason: String?

    struct SavedMethod: Sendable, Equatable {
        let id: String
        let title: String
    }
}

/// Errors talking to an acquirer; shown to the person as «Платежный сервис недоступен».
struct AcquirerError: Error, CustomStringConvertible {
    let description: String
}

extension Application {
    private struct AcquirerKey: StorageKey {
        typealias Value = any Acquirer
    }

    /// The configured acquirer (the sandbox by default).
    var acquirer: any Acquirer {
        get {
            if let chosen = storage[AcquirerKey.self] { return chosen }
            if let settings = portal.config.yookassa { return YooKassaAcquirer(settings: settings) }
            return SandboxAcquirer(secret: portal.config.sandboxSecret)
        }
        set { storage[AcquirerKey.self] = newValue }
    }
}

/// HMAC-SHA256 of a notification body, as hex: how the sandbox acquirer signs and the portal checks.
enum WebhookSignature {
    static func sign(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).hex
    }

    static func verify(_ body: Data, signature: String, secret: String) -> Bool {
        CSRFMiddleware.constantTimeEquals(sign(body, secret: secret), signature.lowercased())
    }
}
