import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor

/// `lkk demo-accounts`: accounts for load tests and benchmarks over demo data — `bench-0001@lkk.example` …,
/// one password, e-mail confirmed and personal data filled in, each linked to its own run of contracts in
/// number order (account i gets contracts i·K+1 … i·K+K) and to every contract named with `--also`.
/// Accounts that exist already keep their links; new links are added. Refused in production.
struct LoadTestAccountsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", help: "How many accounts (default 1).")
        var count: Int?
        @Option(name: "contracts", help: "Contracts of its own per account, in number order (default 0).")
        var contracts: Int?
        @Option(name: "also", help: "Contract numbers, comma-separated, linked to every account.")
        var also: String?
        @Option(name: "role", help: "administrator, manager, powerEngineer or accountant (default manager).")
        var role: String?
        @Option(name: "password", help: "The accounts' password (default \(LoadTestAccounts.password)).")
        var password: String?
    }

    let passwords: Passwords
    var help: String { "Makes load-test accounts linked to demo contracts (not in production)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard app.environment != .production else {
            throw DemoLoader.DemoError(message: "demo-accounts is refused in production")
        }
        guard let role = Role(rawValue: signature.role ?? Role.manager.rawValue) else {
            throw DemoLoader.DemoError(message: "unknown role \(signature.role ?? "")")
        }
        let made = try await LoadTestAccounts.make(
            count: max(1, min(100_000, signature.count ?? 1)),
            contractsEach: max(0, min(1_000, signature.contracts ?? 0)),
            also: (signature.also ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            role: role, password: signature.password ?? LoadTestAccounts.password, passwords: passwords, app: app)
        context.console.info(
            "\(made.accounts) accounts (\(LoadTestAccounts.email(1)) …), \(made.links) new contract links")
    }
}

enum LoadTestAccounts {
    static let password = "bench-lkk-2026"

    static func email(_ index: Int) -> String { "bench-\(BillingPeriod.padded(index, 4))@lkk.example" }

    static func make(
        count: Int, contractsEach: Int, also: [String], role: Role, password: String, passwords: Passwords,
        app: Application
    ) async throws -> (accounts: Int, links: Int) {
        let db = app.db
        let sql = db.sql
        let now = app.portal.clock.now()
        // One hash for all: bcrypt at the configured cost per account would make 200 accounts take minutes.
        let hash = try await passwords.hash(password, on: app.threadPool)
        var extra: [String] = []
        for number in also where !number.isEmpty {
            guard
                let id = try await sql.select().column("id").from("contracts").where("number", .equal, number)
                    .first()?.decode(column: "id", as: String.self)
            else { throw Abort(.notFound, reason: "no contract \(number)") }
            extra.append(id)
        }
        var links = 0
        for index in 1...count {
            let email = email(index)
            let account: Account
            if let existing = try await Account.query(on: db).filter(\.$email == email).first() {
                account = existing
            } else {
                account = Account(email: email, passwordHash: hash, marketing: false, now: now)
                account.lastName = "Нагрузочный"
                account.firstName = "Тест"
                account.organization = "ООО «Проверка»"
                account.position = "Инженер"
                account.address = "620014, г. Екатеринбург, ул. Малышева, д. 1"
                account.phone = "+79120000000"
                try await account.create(on: db)
            }
            var ids = extra
            if contractsEach > 0 {
                ids += try await sql.select().column("id").from("contracts").orderBy("number")
                    .limit(contractsEach).offset((index - 1) * contractsEach).all()
                    .map { try $0.decode(column: "id", as: String.self) }
            }
            let linked = Set(
                try await ContractLink.query(on: db).filter(\.$accountID == account.id!).all().map(\.contractID))
            for id in Set(ids).subtracting(linked).sorted() {
                try await ContractLink(accountID: account.id!, contractID: id, role: role, now: now).create(on: db)
                links += 1
            }
        }
        return (count, links)
    }
}
