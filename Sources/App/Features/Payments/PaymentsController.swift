import Foundation
import PortalDomain
import SQLKit
import Vapor

/// «Оплата» (manual §4.1, §4.2, §4.6; PAY-1…PAY-7): the contracts' debts, documents and advances, paying by
/// card through the acquirer, the way back from it, the acquirer's notifications, and the chart.
struct PaymentsController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.payments.route, use: show)
        routes.get(SitePath.paymentsPay.route, use: payPage)
        routes.post(SitePath.paymentsPay.route, use: pay)
        routes.get(SitePath.paymentReturn("").route, use: returned)
        for path in [SandboxAcquirer.webhookPath, YooKassaAcquirer.webhookPath] {
            routes.on(
                .POST, path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) },
                body: .collect(maxSize: "64kb"), use: webhook)
        }
    }

    /// The page's data without the chart, with the saved cards, for the payment form and its POST.
    private func load(_ req: Request) async throws -> (Account, PaymentsData) {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        var data = try await PaymentsData.load(accountID: account.id!, chartNumber: nil, month: nil, on: req.db.sql)
        data.savedCards = try await PaymentsData.savedCards(
            of: account.id!, acquirer: req.application.acquirer.name, on: req.db.sql)
        return (account, data)
    }

    @Sendable func show(req: Request) async throws -> Response {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        let data = try await PaymentsData.load(
            accountID: account.id!, chartNumber: req.queryValue("chart"),
            month: BillingPeriod(containing: req.now, in: req.portal.config.timeZone), on: req.db.sql)
        return PaymentsPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), data: data,
            emailConfirmed: account.emailConfirmed
        ).render().response()
    }

    /// The payment form on its own page: for one document (`document=`) or the contract's debt. The page's
    /// «Оплатить» opens the same form in a window when scripts run.
    @Sendable func payPage(req: Request) async throws -> Response {
        let (account, data) = try await load(req)
        guard let card = data.cards.first(where: { $0.number == req.queryValue("contract") }),
            card.canPay
        else { throw Abort(.notFound) }
        var form = PaymentForm(card: card, savedCards: data.savedCards, csrf: req.sessions.csrfToken())
        if let id = req.queryValue("document") {
            guard let document = card.dueDocuments.first(where: { $0.id == id }) else { throw Abort(.notFound) }
            form.document = document
        }
        if req.queryValue("window") == "1" {
            return PaymentsPage.dialog(form, emailConfirmed: account.emailConfirmed).response()
        }
        return PaymentsPage.formPage(form, context: req.shellContext, emailConfirmed: account.emailConfirmed)
            .response()
    }

    @Sendable func pay(req: Request) async throws -> Response {
        let fields = try req.formFields()
        let (account, data) = try await load(req)
        guard let card = data.cards.first(where: { $0.number == fields["contract"] }), card.canPay else {
            throw Abort(.notFound)
        }
        var form = PaymentForm(card: card, savedCards: data.savedCards, csrf: req.sessions.csrfToken())
        form.amountText = fields["amount"] ?? ""
        form.method = fields["method"] ?? "new"
        form.saveCard = fields["save"] == "on"
        form.selected = Set(card.dueDocuments.map(\.id).filter { fields[PaymentForm.field($0)] == "on" })
        if let id = fields["document"], !id.isEmpty {
            guard let document = card.dueDocuments.first(where: { $0.id == id }) else {
                // Paid meanwhile (by someone else, or awaiting crediting): back to the page, which shows it.
                return req.redirect(to: SitePath.payments.path, redirectType: .normal)
            }
            form.document = document
        }
        guard account.emailConfirmed else {
            return PaymentsPage.formPage(form, context: req.shellContext, emailConfirmed: false)
                .response(status: .forbidden)
        }
        let savedCard = data.savedCards.first { $0.id.uuidString == form.method }
        if form.method != "new" && savedCard == nil { form.errors["method"] = "Выберите способ оплаты" }
        let amount: Money
        let allocation: PaymentAllocation
        let purpose: String
        if let document = form.document {
            // A document is paid in full: the amount cannot be edited (manual §4.2).
            amount = document.due
            allocation = PaymentAllocation(
                shares: [.init(documentID: document.id, amount: document.due)], advance: .zero)
            purpose = "document"
        } else {
            switch Money.parse(form.amountText) {
            case .failure(let error):
                form.errors["amount"] = error.message
                amount = .zero
            case .success(let value): amount = value
            }
            let chosen = card.dueDocuments.filter { form.selected.contains($0.id) }.map {
                PaymentAllocation.Due(documentID: $0.id, dueOn: $0.dueOn, outstanding: $0.due)
            }
            allocation = PaymentAllocation.allocate(amount, to: chosen)
            purpose = allocation.shares.isEmpty ? "advance" : "debt"
        }
        guard form.errors.isEmpty else {
            return PaymentsPage.formPage(form, context: req.shellContext, emailConfirmed: true)
                .response(status: .unprocessableEntity)
        }
        do {
            let target = try await PaymentProcessing.start(
                contract: card, amount: amount, purpose: purpose, allocation: allocation, savedCard: savedCard,
                saveCard: form.saveCard, account: account, req: req)
            return req.redirect(to: target, redirectType: .normal)
        } catch is AcquirerError {
            form.errors["method"] = "Платежный сервис сейчас недоступен. Попробуйте позже."
            return PaymentsPage.formPage(form, context: req.shellContext, emailConfirmed: true)
                .response(status: .serviceUnavailable)
        }
    }

    /// Where the acquirer sends the person back: the payment's state as the portal knows it. Before the
    /// notification arrives that is «Платеж обрабатывается», never a failure.
    @Sendable func returned(req: Request) async throws -> Response {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        guard let id = req.parameters.get("id"), id.count <= 64,
            let payment = try await PaymentProcessing.payment(id, on: req.db.sql),
            payment.accountId == account.id
        else { throw Abort(.notFound) }
        let number =
            try await req.db.sql.select().column("number").from("contracts")
            .where("id", .equal, payment.contractId).first()?.decode(column: "number", as: String.self) ?? ""
        return PaymentsPage.returnPage(payment, contractNumber: number, context: req.shellContext).response()
    }

    /// The configured acquirer's notifications; the other acquirer's address does not exist.
    /// Notifications one address may send a minute.
    static let webhooksPerMinute = 120

    @Sendable func webhook(req: Request) async throws -> Response {
        let acquirer = req.application.acquirer
        guard req.url.path == acquirer.webhookPath else { throw Abort(.notFound) }
        // YooKassa's notifications come from the networks it publishes; each one makes the portal ask YooKassa
        // back, so anyone else is refused before that, and every sender is rate-limited.
        if acquirer is YooKassaAcquirer,
            !req.portal.config.yookassaNetworks.contains(where: { $0.contains(req.clientAddress) })
        {
            try await AuditLog.record(
                "payments.notification.foreign", actor: "acquirer", ipAddress: req.clientAddress,
                details: ["acquirer": acquirer.name], at: req.now, on: req.db)
            return Response(status: .forbidden)
        }
        if try await Throttle.check(req, [("webhook:\(req.clientAddress)", Self.webhooksPerMinute)], window: 60) != nil
        {
            return Response(status: .tooManyRequests)
        }
        let notice: AcquirerPayment?
        do {
            notice = try await acquirer.verifiedNotification(req)
        } catch {
            // The acquirer could not be asked back: answer so that it sends the notification again.
            try await AuditLog.record(
                "payments.notification.unverified", actor: "acquirer", ipAddress: req.clientAddress,
                details: ["acquirer": acquirer.name, "error": String(String(describing: error).prefix(300))],
                at: req.now, on: req.db)
            return Response(status: .serviceUnavailable)
        }
        guard let notice else {
            try await AuditLog.record(
                "payments.notification.rejected", actor: "acquirer", ipAddress: req.clientAddress,
                details: ["acquirer": acquirer.name], at: req.now, on: req.db)
            return Response(status: .unauthorized)
        }
        _ = try await PaymentProcessing.apply(notice, acquirer: acquirer.name, app: req.application, request: req)
        return Response(status: .ok)
    }
}
