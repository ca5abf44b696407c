import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// The YooKassa adapter against `FakeYooKassa` over real HTTP.
@Suite struct YooKassaTests {
    let payments = PaymentsTests()

    /// A portal on YooKassa (`FakeYooKassa`) whose notifications come from this machine, or from `networks`.
    func withFake(
        networks: [String] = ["127.0.0.1"], _ body: (TestWorld, TestBrowser, FakeYooKassa) async throws -> Void
    ) async throws {
        let fake = try await FakeYooKassa()
        do {
            try await withPortal({ $0.yookassaNetworks = networks.compactMap(TrustedProxy.init) }) { world in
                let browser = try await payments.setUp(world)
                world.app.acquirer = YooKassaAcquirer(settings: fake.settings)
                try await body(world, browser, fake)
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    /// A notification sent from this machine, or with `elsewhere` from an address the portal cannot see.
    func notify(_ world: TestWorld, _ id: String, event: String, elsewhere: Bool = false) async throws -> HTTPStatus {
        var headers = HTTPHeaders()
        headers.contentType = .json
        var status = HTTPStatus.internalServerError
        let tester: any TestingApplicationTester = elsewhere ? try world.app.testing() : try world.fromThisMachine()
        try await tester.test(
            .POST, YooKassaAcquirer.webhookPath, headers: headers,
            body: ByteBuffer(data: FakeYooKassa.notification(id, event: event))
        ) { res async in status = res.status }
        return status
    }

    /// Notifications come only from YooKassa's networks: from anywhere else they are refused before YooKassa
    /// is asked anything.
    @Test func notificationsFromOutsideYooKassasNetworksAreRefused() async throws {
        try await withFake(networks: PortalConfig.yookassaPublishedNetworks) { world, browser, fake in
            _ = try await payments.startPayment(browser, ["amount": "100"])
            let id = try #require(fake.onlyPaymentID)
            fake.succeed(id)
            #expect(try await notify(world, id, event: "payment.succeeded") == .forbidden, "loopback is not YooKassa")
            #expect(try await notify(world, id, event: "payment.succeeded", elsewhere: true) == .forbidden)
            #expect(fake.received.filter { $0.method == "GET" }.isEmpty, "YooKassa was not asked")
            #expect(try await payments.states(world) == ["pending"])
            let audit = try await AuditLog.recent(limit: 20, on: world.app.db).map(\.action)
            #expect(audit.contains("payments.notification.foreign"))
        }
        #expect(PortalConfig().yookassaNetworks.contains { $0.contains("185.71.76.5") })
        #expect(!PortalConfig().yookassaNetworks.contains { $0.contains("10.0.0.1") })
    }

    @Test func aPaymentIsCreatedAsYooKassaExpectsAndSucceedsByANotificationCheckedWithTheAPI() async throws {
        try await withFake { world, browser, fake in
            let target = try await payments.startPayment(browser, ["amount": "500,5"])
            guard let id = fake.onlyPaymentID else {
                Issue.record("no payment at the fake")
                return
            }
            #expect(target == "https://yoomoney.example/checkout/\(id)")
            let create = fake.received.first { $0.method == "POST" }
            let ours = try await world.app.db.sql.select().column("id").from("online_payments")
                .first()!.decode(column: "id", as: String.self)
            #expect(create?.idempotenceKey == ours)
            let body = create?.body ?? [:]
            #expect((body["amount"] as? [String: String]) == ["value": "500.50", "currency": "RUB"])
            #expect(body["capture"] as? Bool == true)
            #expect((body["confirmation"] as? [String: String])?["type"] == "redirect")
            #expect(
                (body["confirmation"] as? [String: String])?["return_url"]?.hasSuffix("/payments/return/\(ours)")
                    == true)
            #expect((body["metadata"] as? [String: String]) == ["paymentId": ours])
            let receipt = body["receipt"] as? [String: Any]
            #expect((receipt?["customer"] as? [String: String])?["email"] == "buh@romashka.ru")
            #expect(
                ((receipt?["items"] as? [[String: Any]])?.first?["amount"] as? [String: String])?["value"] == "500.50")

            // A notification that says «succeeded» while YooKassa says «pending» credits nothing.
            #expect(try await notify(world, id, event: "payment.succeeded") == .ok)
            #expect(try await payments.states(world) == ["pending"])
            fake.succeed(id)
            #expect(try await notify(world, id, event: "payment.succeeded") == .ok)
            #expect(try await notify(world, id, event: "payment.succeeded") == .ok)
            #expect(try await payments.states(world) == ["succeeded"])
            #expect(try await payments.feed(world).count == 1)
            #expect(fake.received.filter { $0.method == "GET" }.count == 3, "each notification was checked")
            // An unknown payment id: YooKassa answers 404, the notification is refused for a retry.
            #expect(try await notify(world, "2fdoesnotexist", event: "payment.succeeded") == .serviceUnavailable)
            #expect(try await notify(world, "../../etc", event: "payment.succeeded") == .serviceUnavailable)
        }
    }

    @Test func aCanceledPaymentShowsTheReason() async throws {
        try await withFake { world, browser, fake in
            _ = try await payments.startPayment(browser, ["amount": "500"])
            let id = fake.onlyPaymentID ?? ""
            fake.cancel(id, reason: "insufficient_funds")
            #expect(try await notify(world, id, event: "payment.canceled") == .ok)
            #expect(try await payments.states(world) == ["canceled"])
            let ours = try await world.app.db.sql.select().column("id").from("online_payments")
                .first()!.decode(column: "id", as: String.self)
            let page = try await browser.get("/payments/return/\(ours)")
            #expect(page.body.contains("Недостаточно средств на карте"))
            #expect(try await payments.feed(world).isEmpty)
        }
    }

    @Test func aPendingPaymentIsPolledUntilItEnds() async throws {
        try await withFake { world, browser, fake in
            _ = try await payments.startPayment(browser, ["amount": "500"])
            let id = fake.onlyPaymentID ?? ""
            // Ten minutes on, still pending: asked, and asked again later.
            world.clock.advance(PaymentProcessing.pollInterval + 1)
            try await JobWorker(application: world.app).drain()
            #expect(try await payments.states(world) == ["pending"])
            fake.succeed(id)
            world.clock.advance(PaymentProcessing.pollInterval + 1)
            try await JobWorker(application: world.app).drain()
            #expect(try await payments.states(world) == ["succeeded"])
            #expect(try await payments.feed(world).count == 1)
            #expect(fake.received.filter { $0.method == "GET" }.count == 2)
        }
    }

    @Test func aServerErrorIsRetriedWithTheSameKey() async throws {
        try await withFake { world, browser, fake in
            fake.failNextCreate()
            let target = try await payments.startPayment(browser, ["amount": "500"])
            let posts = fake.received.filter { $0.method == "POST" }
            #expect(posts.count == 2)
            let keys = Set(posts.compactMap(\.idempotenceKey))
            #expect(keys.count == 1 && posts.allSatisfy { $0.idempotenceKey != nil })
            #expect(fake.onlyPaymentID != nil, "one payment at YooKassa")
            #expect(target.hasPrefix("https://yoomoney.example/checkout/"))
            #expect(try await payments.states(world) == ["pending"])
        }
    }

    @Test func aSavedCardIsOfferedAndChargedByItsId() async throws {
        try await withFake { world, browser, fake in
            _ = try await payments.startPayment(browser, ["amount": "500", "save": "on"])
            let first = fake.received.first { $0.method == "POST" }?.body
            #expect(first?["save_payment_method"] as? Bool == true)
            let id = fake.onlyPaymentID ?? ""
            fake.succeed(id)
            #expect(try await notify(world, id, event: "payment.succeeded") == .ok)
            let window = try await browser.get("/payments/pay?contract=\(PaymentsTests.number)&window=1")
            #expect(window.body.contains("привязанной картой Карта •••• 4444"))
            let card = try await world.app.db.sql.select().column("id").from("saved_cards")
                .first()!.decode(column: "id", as: UUID.self)
            let target = try await payments.startPayment(browser, ["amount": "100", "method": card.uuidString])
            let second = fake.received.filter { $0.method == "POST" }.last?.body
            #expect(second?["payment_method_id"] as? String == "pm-\(id)")
            #expect(target.hasPrefix("/payments/return/"), "charged at once: straight back")
            #expect(try await payments.states(world) == ["succeeded", "succeeded"])
            // YooKassa sends its receipts itself: the page says so, and the portal mails none.
            #expect(try await browser.get(target).body.contains("Чек пришлет на ваш e-mail платежный сервис."))
            #expect(try await world.deliveredMail().filter { $0.subject.hasPrefix("Тестовый чек") }.isEmpty)
        }
    }

    @Test func theSandboxIsGoneAndAnUnreachableYooKassaIsReported() async throws {
        try await withFake { world, browser, fake in
            var headers = HTTPHeaders()
            headers.contentType = .json
            var status = HTTPStatus.ok
            try await world.app.testing().test(
                .POST, SandboxAcquirer.webhookPath, headers: headers, body: ByteBuffer(string: "{}")
            ) {
                res async in status = res.status
            }
            #expect(status == .notFound, "no sandbox webhook beside YooKassa")
            #expect(try await browser.get("/sandbox-acquirer/checkout/sbx_x").status == .notFound)
            world.app.acquirer = YooKassaAcquirer(
                settings: .init(shopID: "1", secretKey: "2", baseURL: "http://127.0.0.1:1/v3", vatCode: 1, timeout: 1))
            try await browser.get("/payments")
            let page = try await browser.post("/payments/pay", ["contract": PaymentsTests.number, "amount": "100"])
            #expect(page.status == .serviceUnavailable)
            #expect(page.body.contains("Платежный сервис сейчас недоступен"))
            #expect(try await payments.states(world) == ["canceled"])
            _ = fake
        }
    }
}
