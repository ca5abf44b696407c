import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// The sandbox acquirer's own pages: the card form with its test cards, the 3-D Secure code step, and the
/// way back to the portal's return address. They use no portal session: the payment id in the address is
/// the only key, as on a real acquirer's hosted page.
struct SandboxCheckoutController {
    func register(_ routes: any RoutesBuilder) {
        routes.get("sandbox-acquirer", "checkout", ":id", use: checkout)
        routes.post("sandbox-acquirer", "checkout", ":id", use: pay)
        routes.get("sandbox-acquirer", "3ds", ":id", use: secureStep)
        routes.post("sandbox-acquirer", "3ds", ":id", use: secureCode)
    }

    private func pending(_ req: Request) async throws -> SandboxAcquirer.Row {
        // With a real acquirer configured the sandbox does not exist.
        guard req.application.acquirer is SandboxAcquirer, let id = req.parameters.get("id"), id.hasPrefix("sbx_"),
            id.count < 80,
            let row = try await SandboxAcquirer.row(id, on: req.db.sql)
        else { throw Abort(.notFound) }
        return row
    }

    @Sendable func checkout(req: Request) async throws -> Response {
        let row = try await pending(req)
        guard row.status == "pending" else { return req.redirect(to: row.returnUrl) }
        return page(row, errors: [:], card: "").response()
    }

    @Sendable func pay(req: Request) async throws -> Response {
        let row = try await pending(req)
        guard row.status == "pending" else { return req.redirect(to: row.returnUrl, redirectType: .normal) }
        let form = try req.formFields()
        if form["action"] == "cancel" {
            try await SandboxAcquirer.finish(
                row.id, status: .canceled, reason: "Оплата отменена", cardLast4: nil, saveMethod: false,
                app: req.application)
            return req.redirect(to: row.returnUrl, redirectType: .normal)
        }
        if row.methodId != nil {
            // A saved card: the sandbox's saved cards always pay.
            try await SandboxAcquirer.finish(
                row.id, status: .succeeded, reason: nil, cardLast4: nil, saveMethod: false, app: req.application)
            return req.redirect(to: row.returnUrl, redirectType: .normal)
        }
        let card = (form["card"] ?? "").filter(\.isNumber)
        var errors: [String: String] = [:]
        if !Self.luhn(card) || card.count < 13 || card.count > 19 { errors["card"] = "Проверьте номер карты" }
        if !Self.validExpiry(form["expiry"] ?? "", now: req.now) { errors["expiry"] = "Укажите срок действия ММ/ГГ" }
        if (form["cvc"] ?? "").filter(\.isNumber).count != 3 { errors["cvc"] = "Три цифры с обратной стороны" }
        guard errors.isEmpty else {
            return page(row, errors: errors, card: form["card"] ?? "").response(status: .unprocessableEntity)
        }
        let save = form["save"] == "on" && row.saveMethod
        let last4 = String(card.suffix(4))
        switch SandboxAcquirer.TestCard(rawValue: card) {
        case .success:
            try await SandboxAcquirer.finish(
                row.id, status: .succeeded, reason: nil, cardLast4: last4, saveMethod: save, app: req.application)
        case .declined:
            try await SandboxAcquirer.finish(
                row.id, status: .canceled, reason: "Банк отклонил платеж", cardLast4: last4, saveMethod: false,
                app: req.application)
        case .insufficientFunds:
            try await SandboxAcquirer.finish(
                row.id, status: .canceled, reason: "Недостаточно средств на карте", cardLast4: last4,
                saveMethod: false, app: req.application)
        case .secure3D:
            // The code step decides; the card's last digits and the wish to save it wait in the row.
            try await req.db.sql.update("sandbox_acquirer_payments").set("card_last4", to: last4)
                .set("save_method", to: save).where("id", .equal, row.id).run()
            return req.redirect(to: "/sandbox-acquirer/3ds/\(row.id)", redirectType: .normal)
        case nil:
            return page(row, errors: ["card": "Тестовый шлюз принимает только карты из списка ниже"], card: card)
                .response(status: .unprocessableEntity)
        }
        return req.redirect(to: row.returnUrl, redirectType: .normal)
    }

    @Sendable func secureStep(req: Request) async throws -> Response {
        let row = try await pending(req)
        guard row.status == "pending", row.cardLast4 != nil else { return req.redirect(to: row.returnUrl) }
        return securePage(row, error: nil).response()
    }

    @Sendable func secureCode(req: Request) async throws -> Response {
        let row = try await pending(req)
        guard row.status == "pending", row.cardLast4 != nil else {
            return req.redirect(to: row.returnUrl, redirectType: .normal)
        }
        let code = (try? req.content.get(String.self, at: "code")) ?? ""
        if code.trimmingCharacters(in: .whitespaces) == SandboxAcquirer.secureCode {
            try await SandboxAcquirer.finish(
                row.id, status: .succeeded, reason: nil, cardLast4: row.cardLast4, saveMethod: row.saveMethod,
                app: req.application)
        } else {
            try await SandboxAcquirer.finish(
                row.id, status: .canceled, reason: "Не пройдена проверка 3-D Secure", cardLast4: row.cardLast4,
                saveMethod: false, app: req.application)
        }
        return req.redirect(to: row.returnUrl, redirectType: .normal)
    }

    static func luhn(_ digits: String) -> Bool {
        var sum = 0
        for (index, char) in digits.reversed().enumerated() {
            guard var value = char.wholeNumberValue else { return false }
            if index % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return !digits.isEmpty && sum % 10 == 0
    }

    static func validExpiry(_ text: String, now: Date) -> Bool {
        let parts = text.split(whereSeparator: { $0 == "/" || $0 == "." || $0 == " " })
        guard parts.count == 2, let month = Int(parts[0]), let year = Int(parts[1]), (1...12).contains(month) else {
            return false
        }
        let fullYear = year < 100 ? 2000 + year : year
        let current = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
        return fullYear * 12 + month >= (current.year ?? 0) * 12 + (current.month ?? 0)
    }

    // MARK: Pages

    func shell(_ title: String, _ content: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="ru">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) — Тестовый платежный шлюз</title>
        <link rel="stylesheet" href="/css/portal.css"><link rel="icon" href="/icons/favicon.svg" type="image/svg+xml"></head>
        <body class="sandbox"><main class="page narrow" id="main">
        <p class="sandbox-brand">Тестовый платежный шлюз · деньги не списываются</p>
        \(content)
        </main></body></html>
        """
    }

    func page(_ row: SandboxAcquirer.Row, errors: [String: String], card: String) -> HTML {
        let amount = Money(kopecks: row.amountKopecks).formatted
        guard row.methodId == nil else {
            return shell(
                "Оплата",
                """
                <h1>Оплата \(amount)</h1>
                <p>\(row.description)</p>
                <form method="post"><p>Оплата сохраненной картой.</p>
                <div class="page-actions"><button class="button" type="submit" name="action" value="pay">Оплатить \(amount)</button>
                <button class="button button-secondary" type="submit" name="action" value="cancel">Отменить</button></div></form>
                """)
        }
        return shell(
            "Оплата",
            """
            <h1>Оплата \(amount)</h1>
            <p>\(row.description)</p>
            <form method="post" novalidate>
            \(Forms.input(name: "card", label: "Номер карты", value: card, error: errors["card"], autocomplete: "cc-number", autofocus: true))
            \(Forms.input(name: "expiry", label: "Срок действия (ММ/ГГ)", value: "", error: errors["expiry"], autocomplete: "cc-exp"))
            \(Forms.input(name: "cvc", label: "CVC", value: "", error: errors["cvc"], autocomplete: "cc-csc"))
            \(row.saveMethod ? Forms.checkbox(name: "save", label: "Сохранить карту для следующих оплат", checked: false) : HTML.empty)
            <div class="page-actions"><button class="button" type="submit" name="action" value="pay">Оплатить \(amount)</button>
            <button class="button button-secondary" type="submit" name="action" value="cancel" formnovalidate>Отменить</button></div>
            </form>
            <h2>Тестовые карты</h2>
            <ul class="test-cards">\(each: SandboxAcquirer.TestCard.allCases, testCard)</ul>
            <p class="hint">Срок действия — любой в будущем, CVC — любые три цифры.</p>
            """)
    }

    func testCard(_ card: SandboxAcquirer.TestCard) -> HTML {
        "<li><code>\(card.rawValue)</code> — \(card.about)</li>"
    }

    func securePage(_ row: SandboxAcquirer.Row, error: String?) -> HTML {
        shell(
            "3-D Secure",
            """
            <h1>Подтверждение платежа</h1>
            <p>Банк отправил код на телефон владельца карты •••• \(row.cardLast4 ?? ""). Сумма: \(Money(kopecks: row.amountKopecks).formatted).</p>
            <form method="post" novalidate>
            \(Forms.input(name: "code", label: "Код из SMS", value: "", error: error, autocomplete: "one-time-code", autofocus: true))
            <div class="page-actions"><button class="button" type="submit">Подтвердить</button></div>
            </form>
            """)
    }
}
