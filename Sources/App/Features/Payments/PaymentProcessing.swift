import Foundation
import PortalDomain
import SQLKit
import Vapor

/// The portal's side of an online payment: started by a person, finished by the acquirer's notification,
/// credited exactly once (PAY-7). Every step goes to the audit log.
enum PaymentProcessing {
    struct Payment: Decodable, Sendable {
        let id: String
        let accountId: UUID
        let contractId: String
        let amountKopecks: Int64
        let purpose: String
        let allocation: String
        let acquirer: String
        let externalId: String?
        let state: String
        let saveCard: Bool
        let cardTitle: String?
        let failure: String?
        let createdAt: Date

        var paymentState: PaymentState { PaymentState(rawValue: state) ?? .created }
        var amount: Money { Money(kopecks: amountKopecks) }
        var shares: PaymentAllocation? {
            try? JSONDecoder().decode(PaymentAllocation.self, from: Data(allocation.utf8))
        }
    }

    static func payment(_ id: String, on sql: any SQLDatabase) async throws -> Payment? {
        try await sql.select().column("*").from("online_payments").where("id", .equal, id)
            .first(decoding: Payment.self, with: .snakeCase)
    }

    /// Stores a new payment, creates it at the acquirer and returns where to send the person. A failure at
    /// the acquirer cancels the payment and is thrown.
    static func start(
        contract: PaymentsData.Card, amount: Money, purpose: String, allocation: PaymentAllocation,
        savedCard: PaymentsData.SavedCard?, saveCard: Bool, account: Account, req: Request
    ) async throws -> String {
        let sql = req.db.sql
        let acquirer = req.application.acquirer
        let id = UUID().uuidString.lowercased()
        let now = req.now
        let allocationJSON = String(decoding: try JSONEncoder().encode(allocation), as: UTF8.self)
        try await sql.insert(into: "online_payments")
            .columns(
                "id", "account_id", "contract_id", "amount_kopecks", "purpose", "allocation", "acquirer", "state",
                "save_card", "card_title", "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(account.id!), SQLBind(contract.contractID), SQLBind(amount.kopecks),
                SQLBind(purpose), SQLBind(allocationJSON), SQLBind(acquirer.name),
                SQLBind(PaymentState.created.rawValue),
                SQLBind(saveCard && savedCard == nil), SQLBind(savedCard?.title), SQLBind(now), SQLBind(now)
            ).run()
        try await AuditLog.record(
            "payments.created", subject: contract.number,
            details: ["payment": id, "amount": String(amount.kopecks), "purpose": purpose], request: req)
        // Back to the portal's public address; without one configured, a path on the address the person used.
        let base = req.portal.config.baseURL == nil ? "" : req.portal.config.publicOrigin
        let created: AcquirerPayment
        do {
            created = try await acquirer.create(
                AcquirerRequest(
                    paymentID: id, idempotenceKey: id, amount: amount,
                    description: "Оплата по договору № \(contract.number)",
                    returnURL: base + SitePath.paymentReturn(id).path, email: account.email ?? "",
                    savedMethodID: savedCard?.methodID, saveMethod: saveCard && savedCard == nil),
                app: req.application)
        } catch {
            try await sql.update("online_payments").set("state", to: PaymentState.canceled.rawValue)
                .set("failure", to: "Платежный сервис недоступен").set("updated_at", to: now)
                .set("finished_at", to: now).where("id", .equal, id).run()
            try await AuditLog.record(
                "payments.acquirer.failed", subject: contract.number,
                details: ["payment": id, "error": String(describing: error).prefix(300).description], request: req)
            throw error
        }
        try await sql.update("online_payments").set("external_id", to: created.externalID)
            .set("state", to: PaymentState.pending.rawValue).set("updated_at", to: now)
            .where("id", .equal, id).where("state", .equal, PaymentState.created.rawValue).run()
        try await AuditLog.record(
            "payments.redirected", subject: contract.number,
            details: ["payment": id, "acquirer": acquirer.name, "external": created.externalID], request: req)
        // A payment the acquirer decided at once (a saved card at some acquirers) is applied now; any other is
        // asked about later, in case its notification never comes.
        if created.status.isFinal {
            _ = try await apply(created, acquirer: acquirer.name, app: req.application, request: req)
        } else {
            try await JobQueue.enqueue(pollJob, payload: id, runAt: now.addingTimeInterval(pollInterval), on: req.db)
        }
        return created.confirmationURL ?? SitePath.paymentReturn(id).path
    }

    static let pollJob = "payments.poll"
    static let pollInterval: TimeInterval = 10 * 60
    /// After this long a payment still pending at the acquirer is no longer asked about.
    static let pollLimit: TimeInterval = 24 * 3600

    /// The polling job: asks the acquirer about a payment still pending and applies the answer; asks again
    /// later while it stays pending.
    static func poll(_ context: JobContext) async throws {
        let app = context.application
        guard let payment = try await payment(context.payload, on: app.db.sql),
            !payment.paymentState.isFinal, let externalID = payment.externalId
        else { return }
        let acquirer = app.acquirer
        guard acquirer.name == payment.acquirer else { return }
        let answer = try await acquirer.fetch(externalID, app: app)
        try await AuditLog.record(
            "payments.polled", actor: "system", accountID: payment.accountId, subject: payment.contractId,
            details: ["payment": payment.id, "status": answer.status.rawValue], at: context.now, on: app.db)
        if answer.status.isFinal {
            _ = try await apply(answer, acquirer: acquirer.name, app: app)
        } else if context.now.timeIntervalSince(payment.createdAt) < pollLimit {
            try await JobQueue.enqueue(
                pollJob, payload: payment.id, runAt: context.now.addingTimeInterval(pollInterval), on: app.db)
        }
    }

    enum Outcome: Equatable {
        /// This notification moved the payment to its final state.
        case applied(PaymentState)
        /// Already in that state, or not a move the state machine allows: nothing changed.
        case unchanged
        /// No such payment, or the amount or our id does not match.
        case unknown
    }

    /// Applies what the acquirer says about a payment. The state changes in one conditional update inside
    /// the transaction that also writes the feed entry and the saved card, so two copies of a notification
    /// (or a notification and a poll) can never both credit it.
    static func apply(_ notice: AcquirerPayment, acquirer: String, app: Application, request: Request? = nil)
        async throws -> Outcome
    {
        let sql = app.db.sql
        guard
            let payment = try await sql.select().column("*").from("online_payments")
                .where("acquirer", .equal, acquirer).where("external_id", .equal, notice.externalID)
                .first(decoding: Payment.self, with: .snakeCase),
            notice.amount == payment.amount, notice.paymentID == payment.id
        else {
            try await audit(
                "payments.notification.unknown", payment: nil, details: ["external": notice.externalID], app: app,
                request: request)
            return .unknown
        }
        let current = payment.paymentState
        guard notice.status.isFinal, current.canMove(to: notice.status) else {
            try await audit(
                "payments.notification.unchanged", payment: payment,
                details: ["state": current.rawValue, "notice": notice.status.rawValue], app: app, request: request)
            return .unchanged
        }
        let now = app.portal.clock.now()
        let moved = try await app.db.writeTransaction { tx -> Bool in
            let sql = tx.sql
            let update = sql.update("online_payments").set("state", to: notice.status.rawValue)
                .set("updated_at", to: now).set("finished_at", to: now)
            if let reason = notice.reason, notice.status == .canceled { update.set("failure", to: reason) }
            if let method = notice.savedMethod { update.set("card_title", to: method.title) }
            let won = try await update.where("id", .equal, payment.id)
                .where("state", .in, [PaymentState.created.rawValue, PaymentState.pending.rawValue])
                .returning("id").all()
            guard !won.isEmpty else { return false }
            if notice.status == .succeeded {
                let allocation = payment.shares ?? PaymentAllocation(shares: [], advance: payment.amount)
                try await BillingFeed.append(
                    .onlinePayment, entityID: payment.id,
                    data: [
                        "paymentId": .string(payment.id), "contractId": .string(payment.contractId),
                        "amountKopecks": .number(Double(payment.amountKopecks)),
                        "paidAt": .string(ISO8601DateFormatter().string(from: now)),
                        "acquirer": .string(acquirer), "externalId": .string(notice.externalID),
                        "allocation": .array(
                            allocation.shares.map {
                                [
                                    "paymentDocumentId": .string($0.documentID),
                                    "amountKopecks": .number(Double($0.amount.kopecks)),
                                ]
                            }),
                        "advanceKopecks": .number(Double(allocation.advance.kopecks)),
                        "accountId": .string(payment.accountId.uuidString),
                    ], now: now, on: sql)
                if payment.saveCard, let method = notice.savedMethod {
                    try await sql.insert(into: "saved_cards")
                        .columns("id", "account_id", "acquirer", "method_id", "title", "created_at")
                        .values(
                            SQLBind(UUID()), SQLBind(payment.accountId), SQLBind(acquirer), SQLBind(method.id),
                            SQLBind(method.title), SQLBind(now)
                        )
                        .ignoringConflicts(with: ["account_id", "acquirer", "method_id"]).run()
                }
            }
            return true
        }
        try await audit(
            moved ? "payments.\(notice.status.rawValue)" : "payments.notification.unchanged", payment: payment,
            details: ["state": notice.status.rawValue, "reason": notice.reason ?? ""], app: app, request: request)
        return moved ? .applied(notice.status) : .unchanged
    }

    private static func audit(
        _ action: String, payment: Payment?, details: [String: String], app: Application, request: Request?
    ) async throws {
        var details = details
        if let payment { details["payment"] = payment.id }
        try await AuditLog.record(
            action, actor: "acquirer", accountID: payment?.accountId, subject: payment?.contractId,
            ipAddress: request?.clientAddress, details: details, at: app.portal.clock.now(), on: app.db)
    }
}
