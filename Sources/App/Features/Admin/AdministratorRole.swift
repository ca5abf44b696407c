import Fluent
import Foundation
import Mail
import PortalDomain
import SQLKit
import Vapor

/// Staff give and withdraw «Администратор» (ADM-3; manual §11.2.1.3): at most one per contract; the one
/// before becomes «Руководитель» and is told; each person gets the letter of ROLE-5.
enum AdministratorRole {
    /// The letter a person gets when given a role (ROLE-5), word for word.
    static func letter(
        contractName: String, role: Role, link: String, to email: String, from: MailAddress, at: Date
    ) -> MailMessage {
        MailMessage(
            from: from, to: [MailAddress(email)], subject: "Роль на договоре: \(role.title)",
            text:
                "На договор \(contractName) Вам назначена роль \(role.title). Вы можете посмотреть изменения в личном кабинете \(link).",
            date: at)
    }

    struct Holder: Decodable {
        let accountId: UUID
        let email: String?
        let role: String
    }

    /// Makes `accountID` the contract's «Администратор» (adding the link if the account had none), the
    /// previous one «Руководитель»; letters to both, entries in the feed. Run in a transaction.
    static func grant(
        to accountID: UUID, contractID: String, contractName: String, now: Date, config: PortalConfig,
        on db: any Database
    ) async throws {
        let sql = db.sql
        let holders = try await sql.raw(
            "SELECT account_id, email, role FROM contract_links l JOIN accounts a ON a.id = l.account_id WHERE l.contract_id = \(bind: contractID)"
        ).all(decoding: Holder.self, with: .snakeCase)
        let link = config.publicOrigin + SitePath.profileContracts.path
        for previous in holders where previous.role == Role.administrator.rawValue && previous.accountId != accountID {
            try await sql.update("contract_links").set("role", to: Role.manager.rawValue)
                .where("account_id", .equal, previous.accountId).where("contract_id", .equal, contractID).run()
            try await changed(
                previous.accountId, previous.email, contractID, contractName, .manager, now, config, link, db)
        }
        if holders.contains(where: { $0.accountId == accountID }) {
            try await sql.update("contract_links").set("role", to: Role.administrator.rawValue)
                .set("energy_object_ids", to: SQLLiteral.null)
                .where("account_id", .equal, accountID).where("contract_id", .equal, contractID).run()
        } else {
            try await ContractLink(accountID: accountID, contractID: contractID, role: .administrator, now: now)
                .create(on: db)
        }
        let email = try await sql.raw("SELECT email FROM accounts WHERE id = \(bind: accountID)").first()?
            .decode(column: "email", as: String?.self)
        try await changed(accountID, email, contractID, contractName, .administrator, now, config, link, db)
    }

    /// «Администратор» of `accountID` becomes «Руководитель». Run in a transaction.
    static func withdraw(
        from accountID: UUID, contractID: String, contractName: String, now: Date, config: PortalConfig,
        on db: any Database
    ) async throws -> Bool {
        let sql = db.sql
        let changedRows = try await sql.raw(
            """
            UPDATE contract_links SET role = \(bind: Role.manager.rawValue)
            WHERE account_id = \(bind: accountID) AND contract_id = \(bind: contractID) AND role = \(bind: Role.administrator.rawValue)
            RETURNING account_id
            """
        ).all()
        guard !changedRows.isEmpty else { return false }
        let email = try await sql.raw("SELECT email FROM accounts WHERE id = \(bind: accountID)").first()?
            .decode(column: "email", as: String?.self)
        try await changed(
            accountID, email, contractID, contractName, .manager, now, config,
            config.publicOrigin + SitePath.profileContracts.path, db)
        return true
    }

    private static func changed(
        _ accountID: UUID, _ email: String?, _ contractID: String, _ contractName: String, _ role: Role, _ now: Date,
        _ config: PortalConfig, _ link: String, _ db: any Database
    ) async throws {
        try await BillingFeed.append(
            .contractLinked, entityID: contractID,
            data: [
                "contractId": .string(contractID), "accountId": .string(accountID.uuidString),
                "email": .string(email ?? ""), "role": .string(role.rawValue),
            ], now: now, on: db.sql)
        try await EventNotifications.role(role, contract: contractID, account: accountID, now: now, on: db)
        if let email {
            try await Outbox.enqueue(
                letter(contractName: contractName, role: role, link: link, to: email, from: config.mailFrom, at: now),
                now: now, on: db)
        }
    }
}
