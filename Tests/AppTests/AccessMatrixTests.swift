import Fluent
import Foundation
import PortalDomain
import SQLKit
import Testing
import Vapor

@testable import App

/// Table 3 of the manual on every route that takes a contract, document, act, appeal, order or file: each of
/// the four roles, a «Энергетик» limited to another energy object, and another company, against the status
/// the table gives (the page, or 404). The routes with a parameter come from the application's route table:
/// one missing from the matrix fails the test, so a new route has to say which action guards it.
@Suite struct AccessMatrixTests {
    enum Subject: String, CaseIterable, Sendable {
        case administrator, manager, powerEngineer, accountant, limitedEngineer, stranger

        var role: Role? {
            switch self {
            case .administrator: .administrator
            case .manager: .manager
            case .powerEngineer, .limitedEngineer: .powerEngineer
            case .accountant: .accountant
            case .stranger: nil
            }
        }
    }

    /// One route: the path to ask for, the form to send, the action that guards it, and whether the
    /// energy object (EO-1) matters.
    struct Entry {
        let path: String
        var fields: [String: String]? = nil
        let action: ContractAction
        var needsObject = false
        /// Only the account that made the thing (an upload, an order, an appeal) may open it.
        var ownOnly = false
    }

    /// Routes with a parameter that are not about a contract, and why.
    static let outside: [String: String] = [
        "GET /payments/return/:id": "the account's own online payment, checked against the account",
        "POST /profile/sessions/:id/end": "the account's own session",
        "POST /profile/cards/:id/remove": "the account's own saved card",
        "GET /dev/mail/:name": "the development mailbox",
        "POST /notifications/:id/confirm": "the account's own notification (NotificationsTests: another's is 404)",
        "POST /notifications/:id/follow": "the account's own notification (NotificationsTests: another's is 404)",
        "POST /notifications/:id/close": "the account's own notification (NotificationsTests: another's is 404)",
    ]
    static let outsidePrefixes = ["/admin", "/api/", "/sandbox-acquirer/"]

    struct Fixtures {
        let upload: UUID
        let act: UUID
        let order: UUID
        let appeal: Int64
        let file: UUID
        let colleague: UUID
    }

    static func matrix(_ f: Fixtures) -> [String: Entry] {
        let n = ContractTests.number
        return [
            "GET /contracts/:number": Entry(path: "/contracts/\(n)", action: .viewContract),
            "GET /contracts/:number/download": Entry(
                path: "/contracts/\(n)/download", action: .viewContractAttachments),
            "GET /contracts/:number/remove": Entry(path: "/contracts/\(n)/remove", action: .removeContract),
            "GET /contracts/:number/roles": Entry(path: "/contracts/\(n)/roles", action: .assignRoles),
            "GET /contracts/:number/roles/new": Entry(path: "/contracts/\(n)/roles/new", action: .assignRoles),
            "POST /contracts/:number/roles": Entry(
                path: "/contracts/\(n)/roles",
                fields: ["role": "accountant", "email": "new@romashka.ru", "objects": "all"],
                action: .assignRoles),
            "GET /contracts/:number/roles/:account": Entry(
                path: "/contracts/\(n)/roles/\(f.colleague.uuidString)", action: .assignRoles),
            "POST /contracts/:number/roles/:account": Entry(
                path: "/contracts/\(n)/roles/\(f.colleague.uuidString)", fields: ["role": "manager", "objects": "all"],
                action: .assignRoles),
            "GET /readings/acts/:id": Entry(
                path: "/readings/acts/\(f.act.uuidString)", action: .submitReadings, needsObject: true),
            "GET /readings/uploads/:id/problems": Entry(
                path: "/readings/uploads/\(f.upload.uuidString)/problems", action: .submitReadings, ownOnly: true),
            "GET /history/orders/:id/file": Entry(
                path: "/history/orders/\(f.order.uuidString)/file", action: .requestReconciliationAct, ownOnly: true),
            "GET /appeals/:number": Entry(path: "/appeals/\(f.appeal)", action: .viewContract, ownOnly: true),
            "POST /appeals/:number/reply": Entry(
                path: "/appeals/\(f.appeal)/reply", fields: ["text": "Еще вопрос"], action: .viewContract, ownOnly: true
            ),
            "GET /appeals/:number/files/:id": Entry(
                path: "/appeals/\(f.appeal)/files/\(f.file.uuidString)", action: .viewContract, ownOnly: true),
            // Removing comes last: it ends the link.
            "POST /contracts/:number/roles/:account/remove": Entry(
                path: "/contracts/\(n)/roles/\(f.colleague.uuidString)/remove", fields: [:], action: .assignRoles),
            "POST /contracts/:number/remove": Entry(
                path: "/contracts/\(n)/remove", fields: [:], action: .removeContract),
        ]
    }

    /// Routes that take the contract or document in their query, checked the same way.
    static func queried(_ f: Fixtures) -> [(String, Entry)] {
        let n = ContractTests.number
        return [
            ("readings", Entry(path: "/readings?contract=\(n)", action: .submitReadings)),
            ("document", Entry(path: "/history/documents/file?id=D-1", action: .viewDocumentHistory)),
            ("document e-mail", Entry(path: "/history/documents/send?id=D-1", action: .viewDocumentHistory)),
            ("documents", Entry(path: "/history/documents?contract=\(n)", action: .viewDocumentHistory)),
            ("payments", Entry(path: "/history/payments?contract=\(n)", action: .viewPaymentHistory)),
            ("reading history", Entry(path: "/history/readings?contract=\(n)", action: .viewReadingHistory)),
            (
                "reading history file",
                Entry(path: "/history/readings/download?contract=\(n)", action: .viewReadingHistory)
            ),
        ]
    }

    static func key(_ route: Route) -> String {
        "\(route.method.rawValue) /" + route.path.map(\.description).joined(separator: "/")
    }

    /// What the owner made on the contract, written as the pages would have.
    func fixtures(_ world: TestWorld, owner: UUID) async throws -> Fixtures {
        let sql = world.app.db.sql
        let now = world.clock.now()
        let upload = UUID()
        try await sql.raw(
            """
            INSERT INTO reading_uploads (id, contract_id, account_id, kind, period, file_name, file_data, accepted, rejected, created_at, problems)
            VALUES (\(bind: upload), 'K-1', \(bind: owner), 'integral', '2026-11', 'f.xlsx', \(bind: Data([1])), 0, 1, \(bind: now), 'Строка 2: ошибка')
            """
        ).run()
        let act = UUID()
        try await sql.raw(
            """
            INSERT INTO interval_acts (id, contract_id, meter_id, channel_id, period, kind, status, total_milli, hourly_values, file_name, file_data, account_id, created_at)
            VALUES (\(bind: act), 'K-1', 'M-1', 'CH-1', '2026-11', 'primary', 'submitted', 0, '', 'a.xlsx', \(bind: Data([1])), \(bind: owner), \(bind: now))
            """
        ).run()
        let order = UUID()
        try await sql.raw(
            """
            INSERT INTO orders (id, number, account_id, contract_id, kind, status, period_from, period_to, file_name, file_data, created_at)
            VALUES (\(bind: order), 1, \(bind: owner), 'K-1', 'reconciliation', 'ready', '2026-01-01', '2026-11-30', 'a.pdf', \(bind: Data("%PDF".utf8)), \(bind: now))
            """
        ).run()
        let section = try #require(try await Appeals.Section.all(publishedOnly: true, on: sql).first)
        let created = try await Appeals.create(
            accountID: owner, contractID: "K-1", section: section, fields: [], text: "Вопрос",
            files: [.init(name: "a.pdf", kind: .pdf, data: AppealsTests.pdf)], now: now, on: sql)
        let file = try #require(try await sql.raw("SELECT id FROM appeal_files").first()).decode(
            column: "id", as: UUID.self)
        _ = try await ProfileTests().signedIn(world, email: "colleague@romashka.ru")
        try await ContractTests().link(world, "colleague@romashka.ru", .manager)
        let colleague = try #require(
            try await Account.query(on: world.app.db).filter(\.$email == "colleague@romashka.ru").first()?.id)
        return Fixtures(
            upload: upload, act: act, order: order, appeal: created.number, file: file, colleague: colleague)
    }

    @Test(arguments: Subject.allCases) func everyContractRouteFollowsTableThree(subject: Subject) async throws {
        try await withPortal { world in
            try await BillingSamples.load(world, token: try await world.billingToken())
            let ownerBrowser = try await ProfileTests().signedIn(world, email: "buh@romashka.ru")
            let owner = try #require(
                try await Account.query(on: world.app.db).filter(\.$email == "buh@romashka.ru").first()?.id)
            try await ContractTests().link(
                world, "buh@romashka.ru", subject.role ?? .manager,
                objects: subject == .limitedEngineer ? ["EO-OTHER"] : nil)
            let fixtures = try await fixtures(world, owner: owner)
            let matrix = Self.matrix(fixtures)

            // Every route with a parameter is in the matrix or said to be outside it.
            for route in world.app.routes.all {
                let key = Self.key(route)
                let path = "/" + route.path.map(\.description).joined(separator: "/")
                guard route.path.contains(where: { if case .parameter = $0 { true } else { false } }),
                    !Self.outsidePrefixes.contains(where: { path.hasPrefix($0) })
                else { continue }
                #expect(matrix[key] != nil || Self.outside[key] != nil, "\(key) is not in the access matrix")
            }

            let browser =
                subject == .stranger
                ? try await ProfileTests().signedIn(world, email: "chuzhoy@example.ru") : ownerBrowser
            let ordered =
                Self.queried(fixtures).map { ($0.0, $0.1) }
                + matrix.sorted { order($0.key) < order($1.key) }.map { ($0.key, $0.value) }
            for (name, entry) in ordered {
                var allowed = subject.role.map { AccessPolicy.allows($0, entry.action) } ?? false
                if entry.needsObject && subject == .limitedEngineer { allowed = false }
                if entry.ownOnly && subject == .stranger { allowed = false }
                let page: TestBrowser.Page
                if let fields = entry.fields {
                    try await browser.get("/profile")  // a fresh CSRF token
                    page = try await browser.post(entry.path, fields)
                } else {
                    page = try await browser.get(entry.path)
                }
                if allowed {
                    #expect(page.status != .notFound && page.status.code < 500, "\(subject) \(name): \(page.status)")
                } else {
                    #expect(page.status == .notFound, "\(subject) \(name): \(page.status), Table 3 says 404")
                }
            }
        }
    }

    /// Removing routes last, the contract's own removal at the very end.
    func order(_ key: String) -> Int {
        if key == "POST /contracts/:number/remove" { return 2 }
        if key.hasSuffix("/remove") && key.hasPrefix("POST") { return 1 }
        return 0
    }
}
