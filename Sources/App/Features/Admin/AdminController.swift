import Fluent
import Foundation
import Markup
import PortalDomain
import QRCode
import SQLKit
import Vapor

/// The supplier's admin module at `/admin` (ADM-1, ADM-5): staff sign-in with a password and a TOTP code,
/// enrolment from a one-time link, staff management, customer lookup, the outbox and the audit log.
struct AdminController {
    let passwords: Passwords

    static let badCredentials = "Неверный e-mail или пароль"
    static let badCode = "Неверный код"

    func register(_ app: Application) {
        let admin = app.grouped("admin").grouped(StaffSessionMiddleware())
        admin.get(use: home)
        admin.get("login", use: loginPage)
        admin.post("login", use: login)
        admin.get("login", "code", use: codePage)
        admin.post("login", "code", use: code)
        admin.post("logout", use: logout)
        admin.get("setup", use: setupPage)
        admin.post("setup", use: setup)
        admin.get("staff", use: staffList)
        admin.post("staff", use: invite)
        admin.post("staff", ":id", ":change", use: changeStaff)
        admin.get("customers", use: customers)
        admin.post("roles", use: changeRole)
        admin.get("outbox", use: outbox)
        admin.get("audit", use: audit)
    }

    struct LoginTokenKey: StorageKey { typealias Value = (String, HTTPCookies.Value?) }

    /// The sign-in and setup forms' CSRF token: a cookie of its own on `/admin`, echoed in the form; made
    /// once per request when the browser has none.
    private func loginToken(_ req: Request) -> (String, HTTPCookies.Value?) {
        if let made = req.storage[LoginTokenKey.self] { return made }
        let name = StaffSession.loginCookieName(req.portal.config)
        if let existing = req.cookies[name]?.string, Sessions.isWellFormed(existing) { return (existing, nil) }
        let token = Sessions.randomToken()
        let made = (token, Optional(StaffSession.cookie(token, config: req.portal.config, maxAge: 3600)))
        req.storage[LoginTokenKey.self] = made
        return made
    }

    private func respond(_ html: Markup.HTML, _ req: Request, status: HTTPResponseStatus = .ok) -> Response {
        let response = html.response(status: status)
        let (_, cookie) = loginToken(req)
        if let cookie { response.cookies[StaffSession.loginCookieName(req.portal.config)] = cookie }
        return response
    }

    // MARK: - Sign-in

    @Sendable func loginPage(req: Request) async throws -> Response {
        if req.staff?.session.verified == true { return req.redirect(to: "/admin") }
        return respond(AdminLoginPage(csrf: loginToken(req).0).render(), req)
    }

    @Sendable func login(req: Request) async throws -> Response {
        let fields = try req.formFields()
        let email = (fields["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = fields["password"] ?? ""
        let (token, _) = loginToken(req)
        var page = AdminLoginPage(csrf: token, email: email)
        let buckets = [("staff-login:\(email)", 10), ("staff-login-ip:\(req.clientAddress)", 30)]
        if let wait = try await Throttle.peek(req, buckets, window: 900) {
            page.error = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let sql = req.db.sql
        let member = try await StaffMember.find(email: email, on: sql)
        var valid = false
        if let hash = member?.passwordHash {
            valid = try await passwords.verify(password, hash: hash, on: req.application.threadPool)
        } else {
            try await passwords.verifyDecoy(password, on: req.application.threadPool)
        }
        guard valid, let member, member.enrolled, !member.blocked else {
            try await Throttle.record(req, buckets.map(\.0), window: 900)
            page.error = valid && member?.blocked == true ? "Учетная запись заблокирована" : Self.badCredentials
            return page.render().response(status: .unprocessableEntity)
        }
        if let old = req.staff {
            try await sql.delete(from: "staff_sessions").where("id", .equal, old.session.id).run()
        }
        let session = try await StaffSession.start(staffID: member.id, now: req.now, on: sql)
        let response = req.redirect(to: "/admin/login/code")
        response.cookies[StaffSession.cookieName(req.portal.config)] = StaffSession.cookie(
            session, config: req.portal.config)
        return response
    }

    @Sendable func codePage(req: Request) async throws -> Response {
        guard let staff = req.staff else { return req.redirect(to: "/admin/login") }
        if staff.session.verified { return req.redirect(to: "/admin") }
        return AdminCodePage(csrf: staff.session.csrfToken, recovery: req.queryValue("recovery") == "1").render()
            .response()
    }

    @Sendable func code(req: Request) async throws -> Response {
        guard let staff = req.staff, !staff.session.verified else { return req.redirect(to: "/admin/login") }
        let fields = try req.formFields()
        let sql = req.db.sql
        let recovery = fields["recovery"]
        let accepted: Bool
        if let recovery {
            accepted = try await StaffAccounts.useRecoveryCode(recovery, of: staff.member.id, now: req.now, on: sql)
        } else {
            accepted = try await StaffAccounts.acceptCode(fields["code"] ?? "", of: staff.member, now: req.now, on: sql)
        }
        guard accepted else {
            let failed = staff.session.failedCodes + 1
            if failed >= StaffSession.codeAttempts {
                try await sql.delete(from: "staff_sessions").where("id", .equal, staff.session.id).run()
                try await req.recordStaff("staff.signin.code-refused", subject: staff.member.email)
                let response = req.redirect(to: "/admin/login")
                response.cookies[StaffSession.cookieName(req.portal.config)] = StaffSession.expired(
                    config: req.portal.config)
                return response
            }
            try await sql.update("staff_sessions").set("failed_codes", to: failed)
                .where("id", .equal, staff.session.id).run()
            return AdminCodePage(csrf: staff.session.csrfToken, error: Self.badCode, recovery: recovery != nil)
                .render().response(status: .unprocessableEntity)
        }
        // A new token once both factors are given: a token seen before this point is worth nothing.
        try await sql.delete(from: "staff_sessions").where("id", .equal, staff.session.id).run()
        let token = try await StaffSession.start(staffID: staff.member.id, now: req.now, on: sql)
        try await sql.update("staff_sessions").set("verified", to: true)
            .where("token_hash", .equal, Sessions.hash(token)).run()
        try await sql.update("staff_accounts").set("last_sign_in_at", to: req.now)
            .where("id", .equal, staff.member.id).run()
        req.storage[StaffSessionMiddleware.Key.self] = nil
        try await AuditLog.record(
            "staff.signin", actor: "staff:\(staff.member.id.uuidString)", subject: staff.member.email,
            ipAddress: req.clientAddress, details: ["factor": recovery == nil ? "totp" : "recovery"], at: req.now,
            on: req.db)
        let response = req.redirect(to: "/admin")
        response.cookies[StaffSession.cookieName(req.portal.config)] = StaffSession.cookie(
            token, config: req.portal.config)
        return response
    }

    @Sendable func logout(req: Request) async throws -> Response {
        if let staff = req.staff {
            try await req.db.sql.delete(from: "staff_sessions").where("id", .equal, staff.session.id).run()
            try await req.recordStaff("staff.signout", subject: staff.member.email)
        }
        let response = req.redirect(to: "/admin/login")
        response.cookies[StaffSession.cookieName(req.portal.config)] = StaffSession.expired(config: req.portal.config)
        return response
    }

    // MARK: - Enrolment

    private func setupForm(_ req: Request, token: String) async throws -> AdminSetupPage? {
        let sql = req.db.sql
        guard let member = try await StaffMember.find(setupToken: token, now: req.now, on: sql) else { return nil }
        let secret = try await StaffAccounts.enrolmentSecret(for: member, on: sql)
        let uri = TOTP.uri(secret: secret, account: member.email, issuer: StaffAccounts.issuer)
        let qr = try QRCode(text: uri).svg(title: "QR-код для приложения-аутентификатора", moduleSize: 5)
        return AdminSetupPage(
            token: token, csrf: loginToken(req).0, member: member, qr: qr, secret: Base32.encode(secret))
    }

    @Sendable func setupPage(req: Request) async throws -> Response {
        guard let page = try await setupForm(req, token: req.queryValue("token") ?? "") else {
            throw Abort(.notFound)
        }
        return respond(page.render(), req)
    }

    @Sendable func setup(req: Request) async throws -> Response {
        let fields = try req.formFields()
        let token = fields["token"] ?? ""
        guard var page = try await setupForm(req, token: token) else { throw Abort(.notFound) }
        let password = fields["password"] ?? ""
        if let problem = passwords.problem(password, repeated: fields["repeat"], email: page.member.email) {
            page.errors[problem == .mismatch ? "repeat" : "password"] = problem.message
        }
        let sql = req.db.sql
        let member = page.member
        if page.errors.isEmpty {
            let fresh = try await StaffMember.find(id: member.id, on: sql) ?? member
            if !(try await StaffAccounts.acceptCode(fields["code"] ?? "", of: fresh, now: req.now, on: sql)) {
                page.errors["code"] = Self.badCode
            }
        }
        guard page.errors.isEmpty else { return respond(page.render(), req, status: .unprocessableEntity) }
        let hash = try await passwords.hash(password, on: req.application.threadPool)
        let codes = try await req.db.writeTransaction { tx -> [String] in
            try await tx.sql.update("staff_accounts").set("password_hash", to: hash).set("enrolled", to: true)
                .set("setup_token_hash", to: SQLLiteral.null).set("setup_expires_at", to: SQLLiteral.null)
                .where("id", .equal, member.id).run()
            return try await StaffAccounts.newRecoveryCodes(for: member.id, on: tx.sql)
        }
        try await AuditLog.record(
            "staff.enrolled", actor: "staff:\(member.id.uuidString)", subject: member.email,
            ipAddress: req.clientAddress, at: req.now, on: req.db)
        return AdminRecoveryCodesPage(codes: codes).render().response()
    }

    // MARK: - Pages

    @Sendable func home(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let left = try await StaffAccounts.unusedRecoveryCodes(of: staff.member.id, on: req.db.sql)
        return AdminHomePage(staff: staff.member, csrf: staff.session.csrfToken, recoveryLeft: left).render()
            .response()
    }

    @Sendable func staffList(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        return AdminStaffPage(
            staff: staff.member, csrf: staff.session.csrfToken, members: try await StaffMember.all(on: req.db.sql),
            dates: req.dates
        ).render().response()
    }

    @Sendable func invite(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let fields = try req.formFields()
        var form = AdminStaffPage.Form(
            email: fields["email"] ?? "", name: fields["name"] ?? "", role: fields["role"] ?? "")
        let role = StaffMember.Role(rawValue: form.role)
        if EmailAddress.normalize(form.email) == nil {
            form.errors["email"] = form.email.isEmpty ? "Заполните поле" : EmailAddress.invalidMessage
        }
        if form.name.trimmingCharacters(in: .whitespaces).isEmpty { form.errors["name"] = "Заполните поле" }
        if role == nil { form.errors["role"] = "Выберите роль" }
        var page = AdminStaffPage(
            staff: staff.member, csrf: staff.session.csrfToken, members: [], form: form, dates: req.dates)
        if form.errors.isEmpty, let role {
            do {
                let token = try await StaffAccounts.invite(
                    email: form.email, name: form.name, role: role, now: req.now, on: req.db.sql)
                let email = EmailAddress.normalize(form.email) ?? form.email
                page.invited = (email, req.portal.config.publicOrigin + "/admin/setup?token=" + token)
                page.form = .init()
                try await req.recordStaff("staff.invited", subject: email, details: ["role": role.rawValue])
            } catch StaffAccounts.Failure.taken {
                page.form.errors["email"] = "Сотрудник с таким e-mail уже есть"
            }
        }
        page.members = try await StaffMember.all(on: req.db.sql)
        return page.render().response(status: page.form.errors.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable func changeStaff(req: Request) async throws -> Response {
        let staff = try req.systemAdministrator()
        let sql = req.db.sql
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), id != staff.member.id,
            let member = try await StaffMember.find(id: id, on: sql)
        else { throw Abort(.notFound) }
        var page = AdminStaffPage(staff: staff.member, csrf: staff.session.csrfToken, members: [], dates: req.dates)
        switch req.parameters.get("change") {
        case "block":
            try await sql.update("staff_accounts").set("blocked", to: true).where("id", .equal, id).run()
            try await sql.delete(from: "staff_sessions").where("staff_id", .equal, id).run()
            try await req.recordStaff("staff.blocked", subject: member.email)
        case "unblock":
            try await sql.update("staff_accounts").set("blocked", to: false).where("id", .equal, id).run()
            try await req.recordStaff("staff.unblocked", subject: member.email)
        case "reset":
            let token = try await StaffAccounts.invite(
                email: member.email, name: member.name, role: member.staffRole ?? .operator, now: req.now, on: sql,
                replacing: true)
            page.invited = (member.email, req.portal.config.publicOrigin + "/admin/setup?token=" + token)
            try await req.recordStaff("staff.reset", subject: member.email)
        default:
            throw Abort(.notFound)
        }
        page.members = try await StaffMember.all(on: sql)
        return page.render().response()
    }

    struct CustomerRow: Decodable {
        let id: UUID
        let email: String?
        let login: String?
        let lastName: String?
        let firstName: String?
        let middleName: String?
        let createdAt: Date
    }

    struct CustomerContractRow: Decodable {
        let accountId: UUID
        let number: String
        let name: String
        let inn: String
        let role: String
    }

    /// Accounts found by e-mail or login, or holding a contract with this number or ИНН; read-only.
    @Sendable func customers(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let query = (req.queryValue("q") ?? "").trimmingCharacters(in: .whitespaces)
        var found: [AdminCustomersPage.Account] = []
        if !query.isEmpty {
            let sql = req.db.sql
            let lowered = String(query.lowercased().prefix(254))
            let rows = try await sql.raw(
                """
                SELECT id, email, login, last_name, first_name, middle_name, created_at FROM accounts
                WHERE email = \(bind: lowered) OR login = \(bind: lowered)
                    OR id IN (SELECT l.account_id FROM contract_links l JOIN contracts c ON c.id = l.contract_id
                        WHERE c.number = \(bind: query) OR c.inn = \(bind: query))
                ORDER BY created_at LIMIT 50
                """
            ).all(decoding: CustomerRow.self, with: .snakeCase)
            let ids = rows.map(\.id)
            let contracts =
                ids.isEmpty
                ? []
                : try await sql.raw(
                    """
                    SELECT l.account_id, c.number, c.name, c.inn, l.role FROM contract_links l
                    JOIN contracts c ON c.id = l.contract_id WHERE l.account_id IN (\(binds: ids)) ORDER BY c.number
                    """
                ).all(decoding: CustomerContractRow.self, with: .snakeCase)
            let accepted = try await Agreement.acceptances(of: ids, on: sql)
            found = rows.map { row in
                AdminCustomersPage.Account(
                    id: row.id, email: row.email, login: row.login,
                    name: [row.lastName, row.firstName, row.middleName].compactMap { $0 }.joined(separator: " "),
                    createdAt: row.createdAt,
                    contracts: contracts.filter { $0.accountId == row.id }.map {
                        ($0.number, $0.name, $0.inn, $0.role)
                    },
                    agreements: accepted.filter { $0.accountId == row.id }.map { ($0.version, $0.acceptedAt) }
                )
            }
            try await req.recordStaff("staff.customers.search", subject: query, details: ["found": String(found.count)])
        }
        return AdminCustomersPage(
            staff: staff.member, csrf: staff.session.csrfToken, query: query, accounts: found, dates: req.dates
        ).render().response()
    }

    /// From the customer's profile: give or withdraw «Администратор» on one of the account's contracts.
    @Sendable func changeRole(req: Request) async throws -> Response {
        _ = try req.verifiedStaff()
        let fields = try req.formFields()
        let sql = req.db.sql
        struct Found: Decodable {
            let id: String
            let name: String
        }
        guard let accountID = fields["account"].flatMap(UUID.init(uuidString:)),
            let number = fields["contract"],
            let contract = try await sql.raw("SELECT id, name FROM contracts WHERE number = \(bind: number)")
                .first(decoding: Found.self),
            try await ContractLink.query(on: req.db).filter(\.$accountID == accountID)
                .filter(\.$contractID == contract.id).first() != nil
        else { throw Abort(.notFound) }
        let (now, config) = (req.now, req.portal.config)
        switch fields["change"] {
        case "grant":
            try await req.db.conflictRetryingTransaction { tx in
                try await AdministratorRole.grant(
                    to: accountID, contractID: contract.id, contractName: contract.name, now: now, config: config,
                    on: tx)
            }
            try await req.recordStaff(
                "staff.role.administrator.granted", subject: number, details: ["account": accountID.uuidString])
        case "withdraw":
            _ = try await req.db.writeTransaction { tx in
                try await AdministratorRole.withdraw(
                    from: accountID, contractID: contract.id, contractName: contract.name, now: now, config: config,
                    on: tx)
            }
            try await req.recordStaff(
                "staff.role.administrator.withdrawn", subject: number, details: ["account": accountID.uuidString])
        default:
            throw Abort(.badRequest)
        }
        return req.redirect(to: "/admin/customers?q=\(number)")
    }

    @Sendable func outbox(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let status = req.queryValue("status") ?? ""
        let filter: SQLQueryString =
            AdminOutboxPage.statuses.contains { $0.0 == status } && !status.isEmpty
            ? "WHERE status = \(bind: status)" : ""
        let letters = try await req.db.sql.raw(
            """
            SELECT recipients, subject, status, attempts, created_at, sent_at, last_error FROM outbox_messages
            \(filter) ORDER BY created_at DESC LIMIT 200
            """
        ).all(decoding: AdminOutboxPage.Letter.self, with: .snakeCase)
        return AdminOutboxPage(
            staff: staff.member, csrf: staff.session.csrfToken, status: status, letters: letters, dates: req.dates
        ).render().response()
    }

    @Sendable func audit(req: Request) async throws -> Response {
        let staff = try req.verifiedStaff()
        let action = req.queryValue("action") ?? ""
        let actor = req.queryValue("actor") ?? ""
        let entries = try await AuditLog.recent(limit: 200, action: action, actor: actor, on: req.db)
        return AdminAuditPage(
            staff: staff.member, csrf: staff.session.csrfToken, action: action, actor: actor, entries: entries,
            dates: req.dates
        ).render().response()
    }
}
