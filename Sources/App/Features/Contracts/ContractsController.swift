import Fluent
import Foundation
import Mail
import PortalDomain
import SQLKit
import Vapor

/// Adding, viewing, downloading and removing contracts (manual §4.3–4.5, §11.2; CON-1, CON-2).
struct ContractsController {
    /// How long an e-mailed link to add a contract stays valid.
    static let linkLifetime: TimeInterval = 24 * 3600

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.profileContracts.route, use: list)
        routes.get(SitePath.contractAdd.route, use: addPage)
        routes.post(SitePath.contractAdd.route, use: add)
        routes.get(SitePath.contractConfirm.route, use: confirmPage)
        routes.post(SitePath.contractConfirm.route, use: confirm)
        routes.get(SitePath.contract("").route, use: show)
        routes.get(SitePath.contractDownload("").route, use: download)
        routes.get(SitePath.contractRemove("").route, use: removePage)
        routes.post(SitePath.contractRemove("").route, use: remove)
    }

    /// The account's link to contract `number` if its role allows `action`; anything else is a 404, so that
    /// contract numbers cannot be probed (ARCHITECTURE.md, authorization).
    static func link(_ req: Request, number: String, action: ContractAction) async throws -> ContractLink {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        guard ContractNumber(number)?.digits == number,
            let row = try await req.db.sql.select().column("id").from("contracts")
                .where("number", .equal, number).first(),
            let contractID = try? row.decode(column: "id", as: String.self),
            let link = try await ContractLink.query(on: req.db).filter(\.$accountID == account.id!)
                .filter(\.$contractID == contractID).first(),
            link.allows(action)
        else { throw Abort(.notFound) }
        return link
    }

    // MARK: - «Профиль» → «Договоры»

    /// The account's contracts with its role on each, by number; with `holders`, the users of each contract
    /// the account administers (only «Профиль» → «Договоры» shows them).
    static func contracts(of accountID: UUID, holders withHolders: Bool = false, on db: any Database) async throws
        -> [ContractsPage.Row]
    {
        struct Row: Decodable {
            let contractId: String
            let number: String
            let name: String
            let customerShortName: String
            let role: String
            let administrators: Int
        }
        let rows = try await db.sql.raw(
            """
            SELECT l.contract_id, c.number, c.name, c.customer_short_name, l.role,
                (SELECT COUNT(*) FROM contract_links x WHERE x.contract_id = l.contract_id
                    AND x.role = \(bind: Role.administrator.rawValue)) AS administrators
            FROM contract_links l JOIN contracts c ON c.id = l.contract_id
            WHERE l.account_id = \(bind: accountID)
            ORDER BY c.number
            """
        ).all(decoding: Row.self, with: .snakeCase)
        var result: [ContractsPage.Row] = []
        for row in rows {
            let role = Role(rawValue: row.role)
            var holders: [(who: String, role: String, objects: String)]?
            if withHolders && AccessPolicy.allows(role, .assignRoles) {
                holders = try await Self.holders(ofContract: row.contractId, on: db.sql)
            }
            result.append(
                .init(
                    number: row.number, name: row.name, customer: row.customerShortName, role: role?.title ?? row.role,
                    canRequestAccess: row.administrators == 0 && AccessPolicy.allows(role, .requestAdministratorRole),
                    holders: holders))
        }
        return result
    }

    /// Everyone holding a contract, as its administrator sees them.
    static func holders(ofContract id: String, on sql: any SQLDatabase) async throws -> [(
        who: String, role: String, objects: String
    )] {
        try await ContractRolesController.Holder.all(ofContract: id, on: sql).map {
            (
                $0.name.isEmpty ? ($0.email ?? $0.login ?? "—") : "\($0.name), \($0.email ?? $0.login ?? "")",
                Role(rawValue: $0.role)?.title ?? $0.role,
                $0.energyObjectIds == nil
                    ? "все" : "\(ContractLink.energyObjects(in: $0.energyObjectIds)?.count ?? 0) из договора"
            )
        }
    }

    @Sendable func list(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let rows = try await Self.contracts(of: account.id!, holders: true, on: req.db)
        let pending = try await ContractAddition.query(on: req.db).filter(\.$accountID == account.id!)
            .filter(\.$createdAt > req.now.addingTimeInterval(-Self.linkLifetime)).sort(\.$createdAt).all()
        let page = ContractsPage(
            context: req.shellContext,
            contracts: rows,
            pending: pending.map {
                .init(
                    number: $0.number, email: $0.email,
                    until: req.dates.dateTime(
                        $0.createdAt.addingTimeInterval(Self.linkLifetime)))
            },
            notice: req.queryValue("added") != nil ? ContractsPage.addedNotice : nil,
            accessSection: try await Appeals.Section.accessRequest(on: req.db.sql)?.id)
        return page.render().response()
    }

    // MARK: - «Добавить договор» (CON-1)

    struct AddForm: Content {
        var number: String?
        var email: String?
    }

    @Sendable func addPage(req: Request) async throws -> Response {
        _ = try req.signedIn()
        return AddContractPage(context: req.shellContext, csrf: req.sessions.csrfToken()).render().response()
    }

    @Sendable func add(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let form = try req.content.decode(AddForm.self)
        var page = AddContractPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), number: form.number ?? "",
            email: form.email ?? "")
        let number = ContractNumber(form.number ?? "")
        let email = EmailAddress.normalize(form.email ?? "")
        if number == nil {
            page.errors["number"] =
                (form.number ?? "").isEmpty ? "Заполните поле" : "Номер договора состоит из 14 цифр"
        }
        if email == nil {
            page.errors["email"] = (form.email ?? "").isEmpty ? "Заполните поле" : EmailAddress.invalidMessage
        }
        guard let number, let email else { return page.render().response(status: .unprocessableEntity) }
        if let wait = try await Throttle.check(
            req, [("contract-add:\(account.id!)", 10), ("contract-add-ip:\(req.clientAddress)", 30)], window: 3600)
        {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let sql = req.db.sql
        struct Found: Decodable {
            let id: String
            let emails: String
        }
        let contract = try await sql.select().columns("id", "emails").from("contracts")
            .where("number", .equal, number.digits).first(decoding: Found.self)
        if let contract,
            try await ContractLink.query(on: req.db).filter(\.$accountID == account.id!)
                .filter(\.$contractID == contract.id).first() != nil
        {
            page.errors["number"] = "Этот договор уже добавлен в ваш личный кабинет"
            return page.render().response(status: .unprocessableEntity)
        }
        // The answer is the same whether or not the e-mail is one of the contract's: only its owner learns more.
        let matches = contract.map { $0.emails.split(separator: "\n").contains(Substring(email)) } ?? false
        let now = req.now
        let base = req.portal.config.publicOrigin
        let from = req.portal.config.mailFrom
        try await req.db.writeTransaction { tx in
            let addition = ContractAddition(accountID: account.id!, number: number.digits, email: email, now: now)
            if matches, let contract {
                let token = ContractAddition.newToken()
                addition.contractID = contract.id
                addition.tokenHash = Sessions.hash(token)
                try await Outbox.enqueue(
                    ContractMails.confirmation(
                        number: number.digits, link: "\(base)\(SitePath.contractConfirm.path)?token=\(token)",
                        requester: account, to: email, from: from, now: now), now: now, on: tx)
            }
            try await addition.create(on: tx)
        }
        try await AuditLog.record(
            "contract.addition.requested", subject: number.digits, details: ["matched": matches ? "yes" : "no"],
            request: req)
        return req.redirect(to: SitePath.profileContracts.path + "?added=1")
    }

    // MARK: - The e-mailed link

    private func pendingAddition(_ req: Request, token: String?) async throws -> ContractAddition? {
        guard let token, !token.isEmpty, token.count < 200,
            let addition = try await ContractAddition.query(on: req.db)
                .filter(\.$tokenHash == Sessions.hash(token)).first(),
            addition.createdAt > req.now.addingTimeInterval(-Self.linkLifetime), addition.contractID != nil
        else { return nil }
        return addition
    }

    @Sendable func confirmPage(req: Request) async throws -> Response {
        let token = req.queryValue("token")
        guard let addition = try await pendingAddition(req, token: token) else {
            return ConfirmContractPage(context: req.shellContext, state: .invalid).render().response(status: .notFound)
        }
        return ConfirmContractPage(
            context: req.shellContext,
            state: .ask(number: addition.number, token: token ?? "", csrf: req.sessions.csrfToken())
        ).render().response()
    }

    struct ConfirmForm: Content { var token: String? }

    @Sendable func confirm(req: Request) async throws -> Response {
        let token = try req.content.decode(ConfirmForm.self).token
        guard let addition = try await pendingAddition(req, token: token), let contractID = addition.contractID,
            try await Account.find(addition.accountID, on: req.db) != nil
        else {
            return ConfirmContractPage(context: req.shellContext, state: .invalid).render().response(status: .notFound)
        }
        let now = req.now
        try await req.db.writeTransaction { tx in
            // Single use: the row goes whatever happens next.
            try await addition.delete(on: tx)
            let exists = try await ContractLink.query(on: tx).filter(\.$accountID == addition.accountID)
                .filter(\.$contractID == contractID).first()
            guard exists == nil else { return }
            try await ContractLink(
                accountID: addition.accountID, contractID: contractID, role: Role.onAddition, now: now
            )
            .create(on: tx)
            try await BillingFeed.append(
                .contractLinked, entityID: contractID,
                data: [
                    "contractId": .string(contractID), "accountId": .string(addition.accountID.uuidString),
                    "email": .string(addition.email), "role": .string(Role.onAddition.rawValue),
                ], now: now, on: tx.sql)
        }
        try await AuditLog.record(
            "contract.linked", actor: "link", accountID: addition.accountID, subject: addition.number,
            ipAddress: req.clientAddress, at: now, on: req.db)
        return ConfirmContractPage(
            context: req.shellContext,
            state: .done(number: addition.number, signedIn: req.account?.id == addition.accountID)
        ).render().response()
    }

    // MARK: - The contract page (CON-2)

    @Sendable func show(req: Request) async throws -> Response {
        let number = req.parameters.get("number") ?? ""
        let link = try await Self.link(req, number: number, action: .viewContract)
        let page = max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1))
        guard let card = try await ContractCard.load(number: number, link: link, meterPage: page, on: req.db.sql)
        else {
            throw Abort(.notFound)
        }
        var view = ContractPage(context: req.shellContext, card: card)
        if link.allows(.assignRoles) {
            view.holders = try await Self.holders(ofContract: link.contractID, on: req.db.sql)
        }
        return view.render().response()
    }

    @Sendable func download(req: Request) async throws -> Response {
        let number = req.parameters.get("number") ?? ""
        let link = try await Self.link(req, number: number, action: .viewContract)
        guard let card = try await ContractCard.load(number: number, link: link, on: req.db.sql) else {
            throw Abort(.notFound)
        }
        let data = try await req.application.threadPool.runIfActive { try card.workbook() }
        return .xlsx(
            data,
            disposition:
                "attachment; filename=\"contract-\(number).xlsx\"; filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80-\(number).xlsx"
        )
    }

    // MARK: - «Удалить договор» (§4.5)

    @Sendable func removePage(req: Request) async throws -> Response {
        let number = req.parameters.get("number") ?? ""
        _ = try await Self.link(req, number: number, action: .removeContract)
        return RemoveContractPage(context: req.shellContext, csrf: req.sessions.csrfToken(), number: number)
            .render().response()
    }

    @Sendable func remove(req: Request) async throws -> Response {
        let number = req.parameters.get("number") ?? ""
        let link = try await Self.link(req, number: number, action: .removeContract)
        let now = req.now
        try await req.db.writeTransaction { tx in
            try await link.delete(on: tx)
            try await BillingFeed.append(
                .contractUnlinked, entityID: link.contractID,
                data: ["contractId": .string(link.contractID), "accountId": .string(link.accountID.uuidString)],
                now: now, on: tx.sql)
        }
        try await AuditLog.record("contract.removed", subject: number, request: req)
        return req.redirect(to: SitePath.profileContracts.path)
    }
}

/// A «Добавить договор» waiting for its link (table `contract_additions`).
final class ContractAddition: Model, @unchecked Sendable {
    static let schema = "contract_additions"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "number") var number: String
    @Field(key: "email") var email: String
    @OptionalField(key: "contract_id") var contractID: String?
    @OptionalField(key: "token_hash") var tokenHash: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(accountID: UUID, number: String, email: String, now: Date) {
        self.accountID = accountID
        self.number = number
        self.email = email
        createdAt = now
    }

    /// 256 random bits as 64 hex digits (the link in the letter); stored as `Sessions.hash`.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(2) }
            .joined()
    }

    /// Removes additions nobody confirmed within 24 hours (run by the housekeeping job).
    static func sweep(on db: any Database, now: Date) async throws {
        try await ContractAddition.query(on: db)
            .filter(\.$createdAt <= now.addingTimeInterval(-ContractsController.linkLifetime)).delete()
    }
}

/// The letter with the link that adds a contract.
enum ContractMails {
    static func confirmation(
        number: String, link: String, requester: Account, to email: String, from: MailAddress, now: Date
    ) -> MailMessage {
        // Only what the portal has checked is quoted to the contract's address: the requester's confirmed e-mail
        // and the number. A name or an organisation is whatever the requester typed.
        let who = requester.emailConfirmed ? requester.email.map { " с адресом \($0)" } ?? "" : ""
        return MailMessage(
            from: from, to: [MailAddress(email)], subject: "Добавление договора \(number) в личный кабинет",
            text: """
                Здравствуйте!

                Пользователь личного кабинета клиента – юридического лица\(who) просит добавить договор энергоснабжения № \(number) в свою учетную запись. Этот адрес указан в договоре, поэтому подтверждение приходит сюда.

                Чтобы подтвердить, перейдите по ссылке (она действует 24 часа и только один раз):
                \(link)

                Если вы не знаете, кто это, не переходите по ссылке: без подтверждения договор не будет добавлен, а заявка удалится через 24 часа.
                """,
            date: now)
    }
}
