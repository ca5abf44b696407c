import Fluent
import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// The contract's «Администратор» gives colleagues access (manual §11.2.1; ROLE-5): who holds the contract,
/// «Добавить роль» («Выдача доступа к договору»: role, e-mail, energy objects), changing and removing roles.
struct ContractRolesController {
    let passwords: Passwords

    /// How long the temporary password of an account made for a new address works.
    static let temporaryPasswordLifetime: TimeInterval = 72 * 3600
    static let assignable: [Role] = [.manager, .powerEngineer, .accountant]

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.contractRoles("").route, use: list)
        routes.get(SitePath.contractRoleNew("").route, use: newPage)
        routes.post(SitePath.contractRoles("").route, use: give)
        routes.get(SitePath.contractRole("", "").route, use: editPage)
        routes.post(SitePath.contractRole("", "").route, use: change)
        routes.post(SitePath.contractRoleRemove("", "").route, use: remove)
    }

    struct Holder: Decodable, Sendable, Equatable {
        let accountId: UUID
        let email: String?
        let login: String?
        let lastName: String?
        let firstName: String?
        let middleName: String?
        let role: String
        let energyObjectIds: String?

        var name: String { [lastName, firstName, middleName].compactMap { $0 }.joined(separator: " ") }

        static func all(ofContract id: String, on sql: any SQLDatabase) async throws -> [Holder] {
            try await sql.raw(
                """
                SELECT l.account_id, a.email, a.login, a.last_name, a.first_name, a.middle_name, l.role, l.energy_object_ids
                FROM contract_links l JOIN accounts a ON a.id = l.account_id
                WHERE l.contract_id = \(bind: id) ORDER BY l.created_at
                """
            ).all(decoding: Holder.self, with: .snakeCase)
        }
    }

    struct Object: Decodable, Sendable, Equatable {
        let id: String
        let code: String
        let name: String
        let address: String
    }

    struct Context {
        let link: ContractLink
        let number: String
        let name: String
        let holders: [Holder]
        let objects: [Object]
    }

    /// The contract `number` if the account is its «Администратор»; 404 otherwise.
    private func context(_ req: Request) async throws -> Context {
        let number = req.parameters.get("number") ?? ""
        let link = try await ContractsController.link(req, number: number, action: .assignRoles)
        let sql = req.db.sql
        let name =
            try await sql.raw("SELECT name FROM contracts WHERE id = \(bind: link.contractID)").first()?
            .decode(column: "name", as: String.self) ?? number
        let objects = try await sql.raw(
            "SELECT id, code, name, address FROM energy_objects WHERE contract_id = \(bind: link.contractID) ORDER BY code"
        ).all(decoding: Object.self, with: .snakeCase)
        return Context(
            link: link, number: number, name: name, holders: try await Holder.all(ofContract: link.contractID, on: sql),
            objects: objects)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let context = try await context(req)
        var notice: String?
        if req.queryValue("given") != nil { notice = "Роль выдана, человеку отправлено письмо." }
        if req.queryValue("removed") != nil { notice = "Роль удалена: договор больше не виден этому человеку." }
        if req.queryValue("changed") != nil { notice = "Изменения сохранены." }
        return ContractRolesPage(
            context: req.shellContext, number: context.number, name: context.name, holders: context.holders,
            objects: context.objects, ownID: req.account?.id, notice: notice
        ).render().response()
    }

    @Sendable func newPage(req: Request) async throws -> Response {
        let context = try await context(req)
        return RoleFormPage(
            context: req.shellContext, number: context.number, name: context.name, objects: context.objects,
            form: .init()
        ).render().response()
    }

    /// The role, the energy objects (nil: all) and the problems of a submitted form.
    private func read(_ fields: [String: String], context: Context) -> (Role?, [String]?, [String: String]) {
        var errors: [String: String] = [:]
        let role = Role(rawValue: fields["role"] ?? "").flatMap { Self.assignable.contains($0) ? $0 : nil }
        if role == nil { errors["role"] = "Выберите роль" }
        let known = Set(context.objects.map(\.id))
        let chosen = context.objects.map(\.id).filter { fields["object-\($0)"] != nil && known.contains($0) }
        let objects: [String]? = fields["objects"] == "some" ? chosen : nil
        if fields["objects"] == "some" && chosen.isEmpty { errors["objects"] = "Отметьте хотя бы один энергообъект" }
        return (role, objects, errors)
    }

    @Sendable func give(req: Request) async throws -> Response {
        let context = try await context(req)
        let fields = try req.formFields()
        var (role, objects, errors) = read(fields, context: context)
        let typed = fields["email"] ?? ""
        let email = EmailAddress.normalize(typed)
        if email == nil { errors["email"] = typed.isEmpty ? "Заполните поле" : EmailAddress.invalidMessage }
        if let email, let holder = context.holders.first(where: { $0.email == email }),
            holder.role == Role.administrator.rawValue
        {
            errors["email"] = "Это администратор договора: его роль не меняется"
        }
        var page = RoleFormPage(
            context: req.shellContext, number: context.number, name: context.name, objects: context.objects,
            form: .init(role: fields["role"] ?? "", email: typed, objects: objects, errors: errors))
        guard errors.isEmpty, let role, let email else { return page.render().response(status: .unprocessableEntity) }
        if let wait = try await Throttle.check(req, [("role-give:\(req.account!.id!)", 30)], window: 3600) {
            page.form.errors["email"] = "Слишком много выдач доступа. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        // A new address gets an account with a login and a temporary password, made before the transaction.
        let existing = try await Account.query(on: req.db).filter(\.$email == email).first()
        var credentials: (login: String, password: String)?
        var hash: String?
        if existing == nil {
            let password = Self.temporaryPassword()
            credentials = (try await Self.newLogin(on: req.db), password)
            hash = try await passwords.hash(password, on: req.application.threadPool)
        }
        let (now, config, contractID) = (req.now, req.portal.config, context.link.contractID)
        let contractName = context.name
        let (madeLogin, madePassword, madeHash) = (credentials?.login, credentials?.password, hash)
        let limits = objects
        try await req.db.writeTransaction { tx in
            let accountID: UUID
            if let existing {
                accountID = existing.id!
            } else {
                let account = Account(email: email, passwordHash: madeHash ?? "", marketing: false, now: now)
                account.login = madeLogin
                account.passwordExpiresAt = now.addingTimeInterval(Self.temporaryPasswordLifetime)
                account.mustChangePassword = true
                // Nobody accepted the agreement for this address: its owner does at the first sign-in.
                account.agreementPending = true
                try await account.create(on: tx)
                accountID = account.id!
            }
            if let link = try await ContractLink.query(on: tx).filter(\.$accountID == accountID)
                .filter(\.$contractID == contractID).first()
            {
                link.roleName = role.rawValue
                link.energyObjectIDs = limits?.joined(separator: "\n")
                try await link.update(on: tx)
            } else {
                try await ContractLink(
                    accountID: accountID, contractID: contractID, role: role, energyObjects: limits, now: now
                ).create(on: tx)
            }
            try await BillingFeed.append(
                .contractLinked, entityID: contractID,
                data: [
                    "contractId": .string(contractID), "accountId": .string(accountID.uuidString),
                    "email": .string(email), "role": .string(role.rawValue),
                ], now: now, on: tx.sql)
            var letter = AdministratorRole.letter(
                contractName: contractName, role: role, link: config.publicOrigin + SitePath.login.path, to: email,
                from: config.mailFrom, at: now)
            if let madeLogin, let madePassword {
                letter.text +=
                    "\n\nДля входа в личный кабинет:\nЛогин: \(madeLogin)\nПароль: \(madePassword)\n\nПароль временный: он действует 72 часа, при первом входе личный кабинет попросит заполнить данные о себе и задать свой пароль."
            }
            try await Outbox.enqueue(letter, now: now, on: tx)
            try await EventNotifications.role(role, contract: contractID, account: accountID, now: now, on: tx)
        }
        try await AuditLog.record(
            "contract.role.given", subject: context.number,
            details: ["email": email, "role": role.rawValue, "newAccount": existing == nil ? "yes" : "no"], request: req
        )
        return req.redirect(to: SitePath.contractRoles(context.number).path + "?given=1")
    }

    /// The holder `account` of the contract, other than its «Администратор»; 404 otherwise.
    private func holder(_ req: Request, _ context: Context) throws -> Holder {
        guard let id = req.parameters.get("account").flatMap(UUID.init(uuidString:)),
            let holder = context.holders.first(where: { $0.accountId == id }),
            holder.role != Role.administrator.rawValue
        else { throw Abort(.notFound) }
        return holder
    }

    @Sendable func editPage(req: Request) async throws -> Response {
        let context = try await context(req)
        let holder = try holder(req, context)
        return RoleFormPage(
            context: req.shellContext, number: context.number, name: context.name, objects: context.objects,
            form: .init(
                role: holder.role, email: holder.email ?? holder.login ?? "",
                objects: ContractLink.energyObjects(in: holder.energyObjectIds).map { Array($0) }),
            editing: holder.accountId
        ).render().response()
    }

    @Sendable func change(req: Request) async throws -> Response {
        let context = try await context(req)
        let holder = try holder(req, context)
        let fields = try req.formFields()
        let (role, objects, errors) = read(fields, context: context)
        guard errors.isEmpty, let role else {
            return RoleFormPage(
                context: req.shellContext, number: context.number, name: context.name, objects: context.objects,
                form: .init(role: fields["role"] ?? "", email: holder.email ?? "", objects: objects, errors: errors),
                editing: holder.accountId
            ).render().response(status: .unprocessableEntity)
        }
        let (contractID, now) = (context.link.contractID, req.now)
        try await req.db.writeTransaction { tx in
            try await tx.sql.update("contract_links").set("role", to: role.rawValue)
                .set("energy_object_ids", to: SQLBind(objects?.joined(separator: "\n")))
                .where("account_id", .equal, holder.accountId).where("contract_id", .equal, contractID).run()
            try await BillingFeed.append(
                .contractLinked, entityID: contractID,
                data: [
                    "contractId": .string(contractID), "accountId": .string(holder.accountId.uuidString),
                    "email": .string(holder.email ?? ""), "role": .string(role.rawValue),
                ], now: now, on: tx.sql)
            try await EventNotifications.role(role, contract: contractID, account: holder.accountId, now: now, on: tx)
        }
        try await AuditLog.record(
            "contract.role.changed", subject: context.number,
            details: ["account": holder.accountId.uuidString, "role": role.rawValue], request: req)
        return req.redirect(to: SitePath.contractRoles(context.number).path + "?changed=1")
    }

    @Sendable func remove(req: Request) async throws -> Response {
        let context = try await context(req)
        let holder = try holder(req, context)
        let (contractID, now) = (context.link.contractID, req.now)
        try await req.db.writeTransaction { tx in
            try await tx.sql.delete(from: "contract_links").where("account_id", .equal, holder.accountId)
                .where("contract_id", .equal, contractID).run()
            try await BillingFeed.append(
                .contractUnlinked, entityID: contractID,
                data: ["contractId": .string(contractID), "accountId": .string(holder.accountId.uuidString)],
                now: now, on: tx.sql)
            try await EventNotifications.role(nil, contract: contractID, account: holder.accountId, now: now, on: tx)
        }
        try await AuditLog.record(
            "contract.role.removed", subject: context.number, details: ["account": holder.accountId.uuidString],
            request: req)
        return req.redirect(to: SitePath.contractRoles(context.number).path + "?removed=1")
    }

    /// A login no account has: «lkk» and eight digits.
    static func newLogin(on db: any Database) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let login = "lkk" + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator))
            if try await Account.query(on: db).filter(\.$login == login).count() == 0 { return login }
        }
    }

    /// Twelve characters without look-alikes (no 0/O, 1/l/I).
    static func temporaryPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

/// «Доступ к договору»: everyone holding the contract, with their role and energy objects.
struct ContractRolesPage {
    var context: ShellContext
    var number: String
    var name: String
    var holders: [ContractRolesController.Holder]
    var objects: [ContractRolesController.Object]
    var ownID: UUID?
    var notice: String?

    func render() -> HTML {
        Layout.page(
            title: "Доступ к договору", context: context,
            content: """
                <h1>Доступ к договору № \(number)</h1>
                <p>\(name)</p>
                \(Forms.alert(notice, kind: "success"))
                <p><a class="button" href="\(SitePath.contractRoleNew(number).path)">Добавить роль</a></p>
                <div class="table-scroll"><table class="table">
                <thead><tr><th scope="col">Пользователь</th><th scope="col">Роль</th><th scope="col">Энергообъекты</th><th scope="col">Действия</th></tr></thead>
                <tbody>\(each: holders, row)</tbody></table></div>
                """)
    }

    func row(_ holder: ContractRolesController.Holder) -> HTML {
        let who =
            holder.name.isEmpty
            ? (holder.email ?? holder.login ?? "—") : "\(holder.name), \(holder.email ?? holder.login ?? "")"
        let limited = ContractLink.energyObjects(in: holder.energyObjectIds)
        let shown =
            limited.map { ids in
                objects.filter { ids.contains($0.id) }.map { "\($0.code) \($0.name)" }.joined(separator: "; ")
            } ?? "Все"
        let actions: HTML =
            holder.role == Role.administrator.rawValue
            ? "<span class=\"muted\">\(holder.accountId == ownID ? "Это вы" : "")</span>"
            : """
            <a href="\(SitePath.contractRole(number, holder.accountId.uuidString).path)">Изменить</a>
            <form method="post" action="\(SitePath.contractRoleRemove(number, holder.accountId.uuidString).path)" class="inline-form">\(Forms.csrf(context.csrf ?? ""))<button class="link-button" type="submit">Удалить роль</button></form>
            """
        return
            "<tr><td>\(who)</td><td>\(Role(rawValue: holder.role)?.title ?? holder.role)</td><td>\(shown)</td><td>\(actions)</td></tr>"
    }
}

/// «Выдача доступа к договору»: role, «E-mail», energy objects (all or some); also the change of a role.
struct RoleFormPage {
    struct Form {
        var role = ""
        var email = ""
        /// nil: all energy objects.
        var objects: [String]?
        var errors: [String: String] = [:]
    }

    var context: ShellContext
    var number: String
    var name: String
    var objects: [ContractRolesController.Object]
    var form: Form
    var editing: UUID?

    func render() -> HTML {
        let roles = ContractRolesController.assignable.map { role -> HTML in
            "<option value=\"\(role.rawValue)\"\(flag: "selected", role.rawValue == form.role)>\(role.title)</option>"
        }
        let boxes = objects.map { object -> HTML in
            let checked = form.objects?.contains(object.id) ?? false
            return
                "<div class=\"field field-check\"><input id=\"o-\(object.id)\" name=\"object-\(object.id)\" type=\"checkbox\" value=\"on\"\(flag: "checked", checked)><label for=\"o-\(object.id)\">\(object.code) \(object.name), \(object.address)</label></div>"
        }
        let action =
            editing.map { SitePath.contractRole(number, $0.uuidString).path } ?? SitePath.contractRoles(number).path
        let email: HTML =
            editing == nil
            ? Forms.input(name: "email", label: "E-mail", type: "email", value: form.email, error: form.errors["email"])
            : "<p>Пользователь: \(form.email)</p>"
        return Layout.page(
            title: "Выдача доступа к договору", context: context,
            content: """
                <h1>Выдача доступа к договору</h1>
                <p>Договор № \(number) — \(name)</p>
                <form class="form narrow" method="post" action="\(action)" novalidate>
                \(Forms.csrf(context.csrf ?? ""))
                <div class="field\(form.errors["role"] == nil ? "" : " field-invalid")"><label for="f-role">Роль</label>
                <select id="f-role" name="role"><option value="">Выберите роль</option>\(HTML.join(roles, separator: ""))</select>\(form.errors["role"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
                \(email)
                <fieldset class="field\(form.errors["objects"] == nil ? "" : " field-invalid")"><legend>Энергообъекты</legend>
                <div class="field field-check"><input id="f-all" name="objects" type="radio" value="all"\(flag: "checked", form.objects == nil)><label for="f-all">Все энергообъекты договора</label></div>
                <div class="field field-check"><input id="f-some" name="objects" type="radio" value="some"\(flag: "checked", form.objects != nil)><label for="f-some">Только отмеченные</label></div>
                \(HTML.join(boxes, separator: ""))\(form.errors["objects"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })
                </fieldset>
                <div class="page-actions"><a class="button button-secondary" href="\(SitePath.contractRoles(number).path)">Отмена</a> <button class="button" type="submit">\(editing == nil ? "Выдать доступ" : "Сохранить")</button></div>
                </form>
                """)
    }
}
