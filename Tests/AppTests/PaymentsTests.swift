import Fluent
import Foundation
import NIOConcurrencyHelpers
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

@Suite struct PaymentsTests {
    static let number = ContractTests.number

    /// The sample contract (PD-1: 12 345,67 ₽ due 18.11.2026, advance 3 000 ₽), plus PD-0 (1 000 ₽ due
    /// 18.10.2026, earlier) and an overpayment; the browser holds it with `role`. Webhooks the sandbox sends
    /// reach the application in memory.
    func setUp(_ world: TestWorld, role: Role = .accountant) async throws -> TestBrowser {
        let browser = try await ContractTests().setUp(world)
        let token = try await world.billingToken("pay")
        #expect(
            try await world.api(
                .PUT, "payment-documents", token: token,
                body: [
                    "items": [
                        [
                            "id": "PD-0", "contractId": "K-1", "number": "09-1/1", "saleKind": "Электроэнергия",
                            "issuedOn": "2026-10-05", "dueOn": "2026-10-18", "amountKopecks": 100_000,
                            "outstandingKopecks": 100_000,
                        ]
                    ]
                ]
            ).status == .ok)
        #expect(
            try await world.api(
                .PUT, "advances", token: token,
                body: [
                    "items": [
                        [
                            "id": "A-2", "contractId": "K-1", "saleKind": "Электроэнергия", "period": "2026-10",
                            "amountKopecks": 25_000, "overpayment": true,
                        ]
                    ]
                ]
            ).status == .ok)
        try await ContractTests().link(world, "buh@romashka.ru", role)
        world.app.sandboxWebhookTransport = { app, headers, body in
            var status = HTTPStatus.internalServerError
            try await app.testing().test(
                .POST, SandboxAcquirer.webhookPath, headers: headers, body: ByteBuffer(data: body)
            ) { res async in status = res.status }
            return status
        }
        return browser
    }

    var sql: (TestWorld) -> any SQLDatabase { { $0.app.db.sql } }

    /// The payments' states, sorted (payments made at the same instant have no order).
    func states(_ world: TestWorld) async throws -> [String] {
        try await sql(world).select().column("state").from("online_payments").all()
            .map { try $0.decode(column: "state", as: String.self) }.sorted()
    }

    func feed(_ world: TestWorld) async throws -> [BillingFeed.Item] {
        try await BillingFeed.read(after: 0, limit: 100, on: sql(world)).filter { $0.kind == "onlinePayment" }
    }

    /// «Перейти к оплате» with `fields`; returns the sandbox checkout path.
    func startPayment(_ browser: TestBrowser, _ fields: [String: String]) async throws -> String {
        try await browser.get("/payments")
        let answer = try await browser.post("/payments/pay", fields.merging(["contract": Self.number]) { a, _ in a })
        #expect(answer.status == .seeOther, "\(answer.body.prefix(3000))")
        return answer.location ?? ""
    }

    /// Pays on the sandbox's page with `card`; returns the path the sandbox sends the person back to.
    func payOnSandbox(_ browser: TestBrowser, _ checkout: String, card: String, save: Bool = false) async throws
        -> String
    {
        let page = try await browser.get(checkout)
        #expect(page.body.contains("Тестовый платежный шлюз"))
        var fields = ["card": card, "expiry": "12/30", "cvc": "123", "action": "pay"]
        if save { fields["save"] = "on" }
        return try await browser.post(checkout, fields).location ?? ""
    }

    func due(_ page: TestBrowser.Page) -> String? {
        guard let range = page.body.range(of: "data-due-total>") else { return nil }
        return String(page.body[range.upperBound...].prefix { $0 != "<" })
    }

    // MARK: The page

    @Test(arguments: Role.allCases)
    func eachRoleSeesAndPaysOnlyWhatTable3Allows(role: Role) async throws {
        try await withPortal { world in
            let browser = try await setUp(world, role: role)
            let page = try await browser.get("/payments")
            #expect(page.status == .ok)
            let sees = AccessPolicy.allows(role, .viewDebt)
            #expect(page.body.contains("Договор № \(Self.number)") == sees, "\(role)")
            #expect(page.body.contains("Добавить договор"))
            let form = try await browser.get("/payments/pay?contract=\(Self.number)")
            #expect(form.status == (AccessPolicy.allows(role, .pay) ? .ok : .notFound), "\(role)")
            let post = try await browser.post("/payments/pay", ["contract": Self.number, "amount": "100"])
            if AccessPolicy.allows(role, .pay) {
                #expect(post.status == .seeOther)
            } else {
                #expect(post.status == .notFound)
                #expect(try await world.count("online_payments") == 0)
            }
            // Another company's account sees nothing of it.
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            #expect(!(try await stranger.get("/payments").body.contains(Self.number)))
            #expect(try await stranger.get("/payments/pay?contract=\(Self.number)").status == .notFound)
        }
    }

    @Test func theCardShowsDebtDocumentsAdvancesAndTheChart() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let page = try await browser.get("/payments")
            #expect(due(page) == Money(kopecks: 1_334_567).formatted, "12 345,67 + 1 000,00")
            for text in [
                "Счета на оплату", "Номер документа и вид реализации", "Оплатить до", "18.10.2026", "18.11.2026",
                "09-1/1", "10-1/1", "Аванс", "3\u{202F}000,00", "Переплата", "250,00", "График счетов и оплат",
                "Выставлено счетов", "Оплачено",
            ] {
                #expect(page.body.contains(text), "\(text)")
            }
            // The payment window is not carried by the page: «Оплатить» fetches it.
            #expect(!page.body.contains("<dialog"))
            #expect(page.body.contains("href=\"/payments/pay?contract=\(Self.number)\" data-pay-window>Оплатить</a>"))
            let window = try await browser.get("/payments/pay?contract=\(Self.number)&window=1")
            #expect(window.status == .ok)
            #expect(window.body.hasPrefix("<dialog id=\"pay-\(Self.number)-dialog\""))
            #expect(!window.body.contains("<html") && !window.body.contains("<nav"), "the window alone")
            for text in [
                "Оплата по договору № \(Self.number)", "Перейти к оплате", "новой картой", "09-1/1", "10-1/1",
                "name=\"_csrf\"", "value=\"13345,67\"",
            ] {
                #expect(window.body.contains(text), "\(text)")
            }
            // The chart: November 2026 invoiced 12 345,67 ₽ and paid 5 000 ₽; October invoiced 1 000 ₽.
            #expect(page.body.contains("ноябрь 2026: 12\u{202F}345,67\u{00A0}₽"))
            #expect(page.body.contains("ноябрь 2026: 5\u{202F}000,00\u{00A0}₽"))
            #expect(page.body.contains("октябрь 2026: 1\u{202F}000,00\u{00A0}₽"))
            #expect(page.body.components(separatedBy: "class=\"chart-point\"").count == 25, "12 points × 2 charts")
            #expect(page.body.contains("<td>декабрь 2025</td>"), "the table starts 12 months back")
        }
    }

    @Test func theAmountIsCheckedNextToItsFieldAndKept() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            try await browser.get("/payments")
            for (typed, message) in [
                ("abc", Money.ParseError.notANumber.message), ("0", Money.ParseError.notPositive.message),
                ("-1", Money.ParseError.notPositive.message), ("1,234", Money.ParseError.tooManyDecimals.message),
                ("", Money.ParseError.empty.message),
            ] {
                let page = try await browser.post("/payments/pay", ["contract": Self.number, "amount": typed])
                #expect(page.status == .unprocessableEntity, "\(typed)")
                #expect(page.body.contains(message), "\(typed)")
                #expect(page.body.contains("value=\"\(typed)\""), "the typed amount is kept")
            }
            #expect(try await world.count("online_payments") == 0)
        }
    }

    @Test func anUnconfirmedEmailCannotPay() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            account.emailConfirmed = false
            try await account.save(on: world.app.db)
            let page = try await browser.get("/payments")
            #expect(page.body.contains(PaymentsPage.unconfirmedMessage))
            #expect(page.body.contains("href=\"/profile\""))
            #expect(!page.body.contains("data-pay-window"), "no «Оплатить» button")
            let window = try await browser.get("/payments/pay?contract=\(Self.number)&window=1")
            #expect(window.body.contains(PaymentsPage.unconfirmedMessage) && !window.body.contains("Перейти к оплате"))
            let post = try await browser.post("/payments/pay", ["contract": Self.number, "amount": "100"])
            #expect(post.status == .forbidden)
            #expect(try await world.count("online_payments") == 0)
        }
    }

    // MARK: The sandbox acquirer

    @Test func aDocumentPaidWithTheSuccessCardShowsAsAwaitingCreditingUntilBillingReportsIt() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            // The amount of a document cannot be changed: a posted amount is ignored.
            let checkout = try await startPayment(browser, ["document": "PD-1", "amount": "1"])
            #expect(checkout.hasPrefix("/sandbox-acquirer/checkout/sbx_"))
            #expect(try await states(world) == ["pending"])
            let back = try await payOnSandbox(browser, checkout, card: SandboxAcquirer.TestCard.success.rawValue)
            #expect(back.hasPrefix("/payments/return/"))
            // Back before the webhook: processing, not a failure.
            let early = try await browser.get(back)
            #expect(early.body.contains("Платеж обрабатывается"))
            #expect(!early.body.contains("не выполнен"))
            try await JobWorker(application: world.app).drain()
            let done = try await browser.get(back)
            #expect(done.body.contains("Оплата прошла успешно"))
            #expect(try await states(world) == ["succeeded"])
            let entries = try await feed(world)
            #expect(entries.count == 1)
            #expect(entries.first?.data["amountKopecks"] == .number(1_234_567))
            #expect(
                entries.first?.data["allocation"]
                    == .array([["paymentDocumentId": "PD-1", "amountKopecks": .number(1_234_567)]]))
            // The page: PD-1 paid and awaiting crediting; only PD-0 left to pay; no second payment of PD-1.
            let page = try await browser.get("/payments")
            #expect(page.body.contains("Оплачен, ожидает зачисления"))
            #expect(due(page) == Money(kopecks: 100_000).formatted)
            #expect(!page.body.contains("document=PD-1"))
            #expect(page.body.contains("document=PD-0"), "the link of the document still to pay")
            let again = try await browser.post(
                "/payments/pay", ["contract": Self.number, "document": "PD-1", "amount": "1"])
            #expect(again.location == "/payments", "a document awaiting crediting cannot be paid again")
            // Billing reports the money with the payment's id and zeroes the document.
            let paymentID = entries.first?.entityID ?? ""
            let token = try await world.billingToken("credit")
            _ = try await world.api(
                .PUT, "payments", token: token,
                body: [
                    "items": [
                        [
                            "id": "P-online", "contractId": "K-1", "paidOn": "2026-11-29",
                            "amountKopecks": 1_234_567, "paymentDocumentId": "PD-1",
                            "onlinePaymentId": .string(paymentID),
                        ]
                    ]
                ])
            guard case .object(var document) = BillingSamples.paymentDocument else { return }
            document["outstandingKopecks"] = 0
            _ = try await world.api(.PUT, "payment-documents", token: token, body: ["items": [.object(document)]])
            let credited = try await browser.get("/payments")
            #expect(!credited.body.contains("Оплачен, ожидает зачисления"))
            #expect(due(credited) == Money(kopecks: 100_000).formatted)
        }
    }

    @Test(arguments: [
        (SandboxAcquirer.TestCard.declined, "Банк отклонил платеж"),
        (.insufficientFunds, "Недостаточно средств на карте"),
    ])
    func declinedCardsCreditNothing(card: SandboxAcquirer.TestCard, reason: String) async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "500"])
            let back = try await payOnSandbox(browser, checkout, card: card.rawValue)
            try await JobWorker(application: world.app).drain()
            let page = try await browser.get(back)
            #expect(page.body.contains("Платеж не выполнен"))
            #expect(page.body.contains(reason))
            #expect(try await states(world) == ["canceled"])
            #expect(try await feed(world).isEmpty)
            #expect(due(try await browser.get("/payments")) == Money(kopecks: 1_334_567).formatted)
        }
    }

    @Test func threeDSecureAsksForTheCode() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "500"])
            let step = try await payOnSandbox(browser, checkout, card: SandboxAcquirer.TestCard.secure3D.rawValue)
            #expect(step.hasPrefix("/sandbox-acquirer/3ds/"))
            #expect(try await browser.get(step).body.contains("Код из SMS"))
            let wrong = try await browser.post(step, ["code": "000000"])
            try await JobWorker(application: world.app).drain()
            #expect(try await browser.get(wrong.location ?? "").body.contains("Не пройдена проверка 3-D Secure"))

            let second = try await startPayment(browser, ["amount": "500"])
            let step2 = try await payOnSandbox(browser, second, card: SandboxAcquirer.TestCard.secure3D.rawValue)
            let right = try await browser.post(step2, ["code": SandboxAcquirer.secureCode])
            try await JobWorker(application: world.app).drain()
            #expect(try await browser.get(right.location ?? "").body.contains("Оплата прошла успешно"))
            #expect(try await states(world) == ["canceled", "succeeded"])
        }
    }

    @Test func theSandboxChecksTheCardForm() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "500"])
            try await browser.get(checkout)
            let bad = try await browser.post(checkout, ["card": "4242 4242 4242 4241", "expiry": "01/20", "cvc": "1"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("Проверьте номер карты"))
            #expect(bad.body.contains("Укажите срок действия"))
            #expect(bad.body.contains("Три цифры"))
            #expect(try await states(world) == ["pending"])
        }
    }

    @Test func aDebtPaymentGoesToTheChosenDocumentsEarliestFirstAndTheRestToAdvance() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            // Both documents chosen, 20 000 ₽: PD-0 (due in October) 1 000, PD-1 12 345,67, advance 6 654,33.
            let checkout = try await startPayment(
                browser,
                [
                    "amount": "20 000", PaymentForm.field("PD-0"): "on", PaymentForm.field("PD-1"): "on",
                ])
            _ = try await payOnSandbox(browser, checkout, card: SandboxAcquirer.TestCard.success.rawValue)
            try await JobWorker(application: world.app).drain()
            let entry = try await feed(world).first
            #expect(
                entry?.data["allocation"]
                    == .array([
                        ["paymentDocumentId": "PD-0", "amountKopecks": .number(100_000)],
                        ["paymentDocumentId": "PD-1", "amountKopecks": .number(1_234_567)],
                    ]))
            #expect(entry?.data["advanceKopecks"] == .number(665_433))
            // Only PD-1 chosen, 500 ₽: a part of PD-1; the page still shows the rest of it due.
            let second = try await startPayment(browser, ["amount": "500", PaymentForm.field("PD-0"): ""])
            _ = second
            #expect(try await world.count("online_payments") == 2)
        }
    }

    /// Notifications are limited per sending address, forged or not.
    @Test func notificationsAreRateLimitedPerAddress() async throws {
        try await withPortal { world in
            var statuses: [HTTPStatus] = []
            for _ in 0...PaymentsController.webhooksPerMinute {
                var headers = HTTPHeaders()
                headers.contentType = .json
                headers.add(name: SandboxAcquirer.signatureHeader, value: "forged")
                try await world.app.testing().test(
                    .POST, SandboxAcquirer.webhookPath, headers: headers, body: ByteBuffer(string: "{}")
                ) { res async in statuses.append(res.status) }
            }
            #expect(statuses.dropLast().allSatisfy { $0 == .unauthorized })
            #expect(statuses.last == .tooManyRequests)
            world.clock.advance(60)
            var headers = HTTPHeaders()
            headers.contentType = .json
            try await world.app.testing().test(
                .POST, SandboxAcquirer.webhookPath, headers: headers, body: ByteBuffer(string: "{}")
            ) { res async in #expect(res.status == .unauthorized, "the next minute") }
        }
    }

    /// Our id of the online payment the acquirer knows as `external`.
    func paymentID(_ world: TestWorld, external: String) async throws -> String {
        try await world.app.db.sql.raw("SELECT id FROM online_payments WHERE external_id = \(bind: external)").first()!
            .decode(column: "id", as: String.self)
    }

    @Test func webhooksAreAppliedOnceAndForgedOnesAreRejected() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "500"])
            let externalID = String(checkout.split(separator: "/").last ?? "")
            _ = try await payOnSandbox(browser, checkout, card: SandboxAcquirer.TestCard.success.rawValue)
            let checkout2 = try await startPayment(browser, ["amount": "700"])
            let acquirer = SandboxAcquirer(secret: world.app.portal.config.sandboxSecret)
            let body = try SandboxAcquirer.notificationBody(try await acquirer.fetch(externalID, app: world.app))
            func send(_ body: Data, signature: String) async throws -> HTTPStatus {
                var headers = HTTPHeaders()
                headers.contentType = .json
                headers.add(name: SandboxAcquirer.signatureHeader, value: signature)
                var status = HTTPStatus.internalServerError
                try await world.app.testing().test(
                    .POST, SandboxAcquirer.webhookPath, headers: headers, body: ByteBuffer(data: body)
                ) { res async in status = res.status }
                return status
            }
            // Forged: a wrong key, a changed body, no signature — refused, nothing credited.
            #expect(
                try await send(body, signature: WebhookSignature.sign(body, secret: "another-secret-key"))
                    == .unauthorized)
            var changed = body
            changed.append(contentsOf: Array(" ".utf8))
            #expect(
                try await send(changed, signature: WebhookSignature.sign(body, secret: acquirer.secret))
                    == .unauthorized)
            #expect(try await send(body, signature: "") == .unauthorized)
            #expect(try await states(world) == ["pending", "pending"])
            // The real one, twice at once and once late: credited exactly once.
            let signature = WebhookSignature.sign(body, secret: acquirer.secret)
            async let first = send(body, signature: signature)
            async let second = send(body, signature: signature)
            #expect(try await [first, second] == [.ok, .ok])
            world.clock.advance(3600)
            #expect(try await send(body, signature: signature) == .ok)
            try await JobWorker(application: world.app).drain()
            #expect(try await states(world) == ["pending", "succeeded"])
            #expect(try await feed(world).count == 1)
            // A later «canceled» for the same payment changes nothing.
            let canceled = try JSONEncoder().encode(
                SandboxAcquirer.Notification(
                    event: "payment.canceled", id: externalID, status: "canceled", amountKopecks: 50_000,
                    currency: "RUB", metadata: [:], methodId: nil, methodTitle: nil, reason: "x"))
            #expect(
                try await send(canceled, signature: WebhookSignature.sign(canceled, secret: acquirer.secret)) == .ok)
            #expect(try await states(world) == ["pending", "succeeded"])
            // A notification whose amount differs from the payment's is not applied.
            let other = String(checkout2.split(separator: "/").last ?? "")
            let wrongAmount = try JSONEncoder().encode(
                SandboxAcquirer.Notification(
                    event: "payment.succeeded", id: other, status: "succeeded", amountKopecks: 1, currency: "RUB",
                    metadata: ["paymentId": try await paymentID(world, external: other)], methodId: nil,
                    methodTitle: nil, reason: nil))
            #expect(
                try await send(wrongAmount, signature: WebhookSignature.sign(wrongAmount, secret: acquirer.secret))
                    == .ok)
            #expect(try await states(world) == ["pending", "succeeded"])
            // Nor one that names no payment of ours, or another currency, though the amount is right.
            for (metadata, currency) in [([:], "RUB"), (["paymentId": "another"], "RUB"), ([:], "USD")] {
                let unnamed = try JSONEncoder().encode(
                    SandboxAcquirer.Notification(
                        event: "payment.succeeded", id: other, status: "succeeded", amountKopecks: 70_000,
                        currency: currency, metadata: metadata, methodId: nil, methodTitle: nil, reason: nil))
                let status = try await send(unnamed, signature: WebhookSignature.sign(unnamed, secret: acquirer.secret))
                #expect(status == (currency == "RUB" ? .ok : .unauthorized))
                #expect(try await states(world) == ["pending", "succeeded"], "\(metadata) \(currency)")
            }
            let audit = try await AuditLog.recent(limit: 50, on: world.app.db).map(\.action)
            for action in [
                "payments.created", "payments.redirected", "payments.succeeded", "payments.notification.rejected",
                "payments.notification.unchanged", "payments.notification.unknown",
            ] {
                #expect(audit.contains(action), "\(action)")
            }
        }
    }

    /// Saving a card is the person's choice on both forms, and a saved card can be removed in «Профиль»,
    /// by its owner only.
    @Test func aCardIsSavedOnlyWhenAskedAndIsRemovedInTheProfile() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let unticked = "name=\"save\" type=\"checkbox\" value=\"on\">"
            #expect(try await browser.get("/payments/pay?contract=\(Self.number)").body.contains(unticked))
            let first = try await startPayment(browser, ["amount": "100"])
            _ = try await payOnSandbox(browser, first, card: SandboxAcquirer.TestCard.success.rawValue)
            try await JobWorker(application: world.app).drain()
            #expect(try await world.count("saved_cards") == 0, "not asked, not saved")
            #expect(!(try await browser.get("/profile").body.contains("Привязанные карты")))

            let second = try await startPayment(browser, ["amount": "100", "save": "on"])
            #expect(try await browser.get(second).body.contains(unticked), "the sandbox's box starts unticked too")
            _ = try await payOnSandbox(browser, second, card: SandboxAcquirer.TestCard.success.rawValue, save: true)
            try await JobWorker(application: world.app).drain()
            #expect(try await world.count("saved_cards") == 1)
            let profile = try await browser.get("/profile")
            #expect(profile.body.contains("Привязанные карты") && profile.body.contains("Карта •••• 4242"))
            let id = try await sql(world).select().column("id").from("saved_cards").first()!
                .decode(column: "id", as: UUID.self)
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            try await stranger.get("/profile")
            #expect(try await stranger.post("/profile/cards/\(id.uuidString)/remove").status == .notFound)
            #expect(try await world.count("saved_cards") == 1)
            #expect(try await browser.post("/profile/cards/\(id.uuidString)/remove").location == "/profile")
            #expect(try await world.count("saved_cards") == 0)
            #expect(!(try await browser.get("/profile").body.contains("Карта •••• 4242")))
        }
    }

    /// The sandbox mails a test receipt of a payment that went through, once, as a real acquirer does; a
    /// declined one gets none.
    @Test func theSandboxMailsATestReceipt() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "1234,5"])
            let back = try await payOnSandbox(browser, checkout, card: SandboxAcquirer.TestCard.success.rawValue)
            let letters = try await world.deliveredMail()
            let receipt = try #require(letters.first { $0.subject.hasPrefix("Тестовый чек") })
            #expect(letters.filter { $0.subject.hasPrefix("Тестовый чек") }.count == 1)
            #expect(receipt.to.contains("buh@romashka.ru"))
            #expect(receipt.subject == "Тестовый чек: оплата \(Money(kopecks: 123_450).formatted)")
            #expect(receipt.text.contains("Сумма: \(Money(kopecks: 123_450).formatted)"))
            #expect(receipt.text.contains("•••• 4242"))
            #expect(receipt.text.contains(Self.number))
            #expect(receipt.text.contains("тестовый"))
            #expect(try await browser.get(back).body.contains("Тестовый чек придет на ваш e-mail."))
            let declined = try await startPayment(browser, ["amount": "10"])
            _ = try await payOnSandbox(browser, declined, card: SandboxAcquirer.TestCard.declined.rawValue)
            #expect(try await world.deliveredMail().filter { $0.subject.hasPrefix("Тестовый чек") }.isEmpty)
        }
    }

    @Test func aSavedCardPaysTheNextTime() async throws {
        try await withPortal { world in
            let browser = try await setUp(world)
            let checkout = try await startPayment(browser, ["amount": "100", "save": "on"])
            _ = try await payOnSandbox(
                browser, checkout, card: SandboxAcquirer.TestCard.success.rawValue, save: true)
            try await JobWorker(application: world.app).drain()
            #expect(try await world.count("saved_cards") == 1)
            let window = try await browser.get("/payments/pay?contract=\(Self.number)&window=1")
            #expect(window.body.contains("привязанной картой Карта •••• 4242"))
            let cardID = try await sql(world).select().column("id").from("saved_cards").first()!
                .decode(column: "id", as: UUID.self)
            let next = try await startPayment(browser, ["amount": "200", "method": cardID.uuidString])
            let sandbox = try await browser.get(next)
            #expect(sandbox.body.contains("Оплата сохраненной картой"))
            let back = try await browser.post(next, ["action": "pay"])
            try await JobWorker(application: world.app).drain()
            #expect(try await browser.get(back.location ?? "").body.contains("Оплата прошла успешно"))
            #expect(try await states(world) == ["succeeded", "succeeded"])
            // Another account cannot use this card.
            let stranger = try await ProfileTests().signedIn(world, email: "stranger@vasilek.ru")
            try await ContractLink(
                accountID: try await Account.query(on: world.app.db).filter(\.$email == "stranger@vasilek.ru")
                    .first()!.id!, contractID: "K-1", role: .manager, now: world.clock.now()
            ).create(on: world.app.db)
            try await stranger.get("/payments")
            let refused = try await stranger.post(
                "/payments/pay", ["contract": Self.number, "amount": "100", "method": cardID.uuidString])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("Выберите способ оплаты"))
        }
    }

    // MARK: Queries

    @Test func savedCardsComeOldestFirstAndOnlyTheAccountsForThisAcquirer() async throws {
        try await withPortal { world in
            _ = try await setUp(world)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            let now = world.clock.now()
            let rows: [(UUID, String, String, TimeInterval)] = [
                (account.id!, "sandbox", "Карта •••• 3333", 300), (account.id!, "sandbox", "Карта •••• 1111", 100),
                (account.id!, "yookassa", "Карта •••• 9999", 50), (UUID(), "sandbox", "Карта •••• 7777", 10),
                (account.id!, "sandbox", "Карта •••• 2222", 200),
            ]
            for (index, row) in rows.enumerated() {
                try await sql(world).insert(into: "saved_cards")
                    .columns("id", "account_id", "acquirer", "method_id", "title", "created_at")
                    .values(
                        SQLBind(UUID()), SQLBind(row.0), SQLBind(row.1), SQLBind("m-\(index)"), SQLBind(row.2),
                        SQLBind(now.addingTimeInterval(row.3))
                    ).run()
            }
            let saved = try await PaymentsData.savedCards(of: account.id!, acquirer: "sandbox", on: sql(world))
            #expect(saved.map(\.title) == ["Карта •••• 1111", "Карта •••• 2222", "Карта •••• 3333"])
            #expect(saved.map(\.methodID) == ["m-1", "m-4", "m-0"])
        }
    }

    @Test func theChartIsOfTheChosenContractIfItsRoleMaySeeItElseOfTheFirstThatMay() async throws {
        try await withPortal { world in
            _ = try await setUp(world, role: .powerEngineer)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            // K-1 (…99901) is the power engineer's, who sees no money; K-2 (…99902) and K-3 (…99903) are the
            // accountant's, each with one invoice of November 2026 and one payment.
            let token = try await world.billingToken("chart")
            guard case .object(let template) = BillingSamples.contract else { return }
            var contracts: [JSONValue] = []
            var documents: [JSONValue] = []
            var payments: [JSONValue] = []
            for index in 2...3 {
                var contract = template
                contract["id"] = .string("K-\(index)")
                contract["number"] = .string("7407010009990\(index)")
                contracts.append(.object(contract))
                documents.append([
                    "id": .string("PD-\(index)0"), "contractId": .string("K-\(index)"), "number": "1",
                    "saleKind": "Электроэнергия", "issuedOn": "2026-11-05", "dueOn": "2026-11-18",
                    "amountKopecks": .number(Double(index * 100)), "outstandingKopecks": 0,
                ])
                payments.append([
                    "id": .string("PR-\(index)0"), "contractId": .string("K-\(index)"), "paidOn": "2026-10-20",
                    "amountKopecks": .number(Double(index * 10)), "purpose": "Оплата",
                ])
            }
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": .array(contracts)]).status == .ok)
            #expect(
                try await world.api(.PUT, "payment-documents", token: token, body: ["items": .array(documents)]).status
                    == .ok)
            #expect(
                try await world.api(.PUT, "payments", token: token, body: ["items": .array(payments)]).status == .ok)
            for index in 2...3 {
                try await ContractLink(
                    accountID: account.id!, contractID: "K-\(index)", role: .accountant, now: world.clock.now()
                ).create(on: world.app.db)
            }
            func chart(_ number: String?) async throws -> (String?, [String]) {
                let data = try await PaymentsData.load(
                    accountID: account.id!, chartNumber: number,
                    month: BillingPeriod(year: 2026, month: 11)!, on: sql(world))
                #expect(data.cards.map(\.number) == ["74070100099902", "74070100099903"])
                let months = data.chart?.months.filter { $0.invoiced != .zero || $0.paid != .zero }
                return (
                    data.chart?.contractNumber,
                    months?.map { "\($0.period) \($0.invoiced.kopecks) \($0.paid.kopecks)" } ?? []
                )
            }
            let first = try await chart(nil)
            #expect(first.0 == "74070100099902")
            #expect(first.1 == ["2026-10 0 20", "2026-11 200 0"])
            let chosen = try await chart("74070100099903")
            #expect(chosen.0 == "74070100099903")
            #expect(chosen.1 == ["2026-10 0 30", "2026-11 300 0"])
            // The power engineer's contract is neither on the page nor charted when asked for.
            let refused = try await chart(Self.number)
            #expect(refused.0 == "74070100099902")
            #expect(refused.1 == first.1)
            #expect(try await chart("74070100099999").0 == "74070100099902", "a number not the account's")
            let none = try await PaymentsData.load(
                accountID: account.id!, chartNumber: nil, month: nil, on: sql(world))
            #expect(none.chart == nil)
        }
    }

    @Test func thePageReadsAFixedNumberOfQueriesWhateverTheNumberOfContracts() async throws {
        try await withPortal { world in
            _ = try await setUp(world)
            let account = try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()!
            func queries() async throws -> Int {
                let counting = CountingDatabase(sql(world))
                _ = try await PaymentsData.load(
                    accountID: account.id!, chartNumber: nil,
                    month: BillingPeriod(year: 2026, month: 11)!, on: counting)
                return counting.count
            }
            let one = try await queries()
            // 19 more contracts with documents and advances.
            let token = try await world.billingToken("many")
            guard case .object(let template) = BillingSamples.contract else { return }
            var contracts: [JSONValue] = []
            var documents: [JSONValue] = []
            for index in 2...20 {
                var contract = template
                contract["id"] = .string("K-\(index)")
                contract["number"] = .string("740701000999" + BillingPeriod.padded(index, 2))
                contracts.append(.object(contract))
                documents.append([
                    "id": .string("PD-\(index)"), "contractId": .string("K-\(index)"), "number": "1",
                    "saleKind": "Электроэнергия", "issuedOn": "2026-11-05", "dueOn": "2026-11-18",
                    "amountKopecks": 100, "outstandingKopecks": 100,
                ])
            }
            #expect(
                try await world.api(.PUT, "contracts", token: token, body: ["items": .array(contracts)]).status == .ok)
            #expect(
                try await world.api(.PUT, "payment-documents", token: token, body: ["items": .array(documents)]).status
                    == .ok)
            for index in 2...20 {
                try await ContractLink(
                    accountID: account.id!, contractID: "K-\(index)", role: .accountant, now: world.clock.now()
                ).create(on: world.app.db)
            }
            let twenty = try await queries()
            #expect(one == twenty, "\(one) queries for one contract, \(twenty) for twenty")
            #expect(one == 5, "contracts, online payments, documents, advances, the chart's months")
        }
    }
}

/// An `SQLDatabase` that counts the statements it runs and keeps them (for `EXPLAIN`).
final class CountingDatabase: SQLDatabase, @unchecked Sendable {
    let base: any SQLDatabase
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    private let counter = NIOLockedValueBox(0)
    private let recorded = NIOLockedValueBox<[any SQLExpression]>([])
    var count: Int { counter.withLockedValue { $0 } }
    var queries: [any SQLExpression] { recorded.withLockedValue { $0 } }

    init(_ base: any SQLDatabase) { self.base = base }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        counter.withLockedValue { $0 += 1 }
        recorded.withLockedValue { $0.append(query) }
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        counter.withLockedValue { $0 += 1 }
        recorded.withLockedValue { $0.append(query) }
        try await base.execute(sql: query, onRow)
    }
}
