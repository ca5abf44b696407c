import Fluent
import Foundation
import PortalDomain
import Vapor

/// «Профиль» and «Сессии» (manual §11.1, §11.3; PRF-1…6).
struct ProfileController {
    let passwords: Passwords

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.profile.route, use: show)
        routes.get(SitePath.profileEdit.route, use: editPage)
        routes.post(SitePath.profileEdit.route, use: edit)
        routes.post(SitePath.profilePhone.route, use: phone)
        routes.post(SitePath.profileEmail.route, use: email)
        routes.get(SitePath.profileEmailConfirm.route, use: confirmPage)
        routes.post(SitePath.profileEmailConfirm.route, use: confirm)
        routes.post(SitePath.profileEmailResend.route, use: resend)
        routes.post(SitePath.profileEmailSend.route, use: send)
        routes.post(SitePath.profilePassword.route, use: password)
        routes.post(SitePath.profileSettings.route, use: settings)
        routes.get(SitePath.profileDelete.route, use: deletePage)
        routes.post(SitePath.profileDelete.route, use: delete)
        routes.get(SitePath.profileSessions.route, use: sessions)
        routes.post(SitePath.profileSessionEnd("").route, use: endSession)
        routes.post(SitePath.profileCardRemove("").route, use: removeCard)
    }

    /// The signed-in account, or a redirect to the sign-in page.
    private func page(_ req: Request, _ account: Account) async throws -> ProfilePage {
        let name = [account.lastName, account.firstName, account.middleName].compactMap { $0 }.joined(separator: " ")
        var page = ProfilePage(
            context: req.shellContext, csrf: req.sessions.csrfToken(),
            person: .init(
                fullName: name, organization: account.organization ?? "", position: account.position ?? "",
                address: account.address ?? "", phone: account.phone.map(PhoneNumber.formatted) ?? "",
                email: account.email ?? "", emailConfirmed: account.emailConfirmed,
                notifyByEmail: account.notifyByEmail, marketing: account.marketing))
        page.savedCards = try await PaymentsData.savedCards(
            of: account.id!, acquirer: req.application.acquirer.name, on: req.db.sql)
        if account.mustChangePassword {
            page.notice = Self.newPasswordNeeded
        }
        return page
    }

    static let newPasswordNeeded =
        "Вы вошли с временным паролем из письма. Задайте свой пароль в блоке «Изменить пароль»: временный после этого перестанет действовать."

    /// Removes one of the account's saved cards; another account's card is not found.
    @Sendable func removeCard(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let removed = try await req.db.sql.delete(from: "saved_cards").where("id", .equal, id)
            .where("account_id", .equal, account.id!).returning("id").all()
        guard !removed.isEmpty else { throw Abort(.notFound) }
        try await AuditLog.record("payments.card.removed", subject: id.uuidString, request: req)
        return req.redirect(to: SitePath.profile.path)
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await page(req, try req.signedIn()).render().response()
    }

    // MARK: - Personal data, phone, settings

    @Sendable func editPage(req: Request) async throws -> Response {
        let account = try req.signedIn()
        return ProfileEditPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(),
            values: AuthController.values(of: account)
        ).render().response()
    }

    @Sendable func edit(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let (values, errors) = AuthController.personalData(try req.content.decode(AuthController.WelcomeForm.self))
        guard errors.isEmpty else {
            return ProfileEditPage(
                context: req.shellContext, csrf: req.sessions.csrfToken(), values: values, errors: errors
            ).render().response(status: .unprocessableEntity)
        }
        AuthController.apply(values, to: account)
        try await account.update(on: req.db)
        try await AuditLog.record("profile.updated", request: req)
        return req.redirect(to: SitePath.profile.path)
    }

    @Sendable func phone(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let typed = try req.content.decode(AuthController.PhoneForm.self).phone ?? ""
        guard let phone = PhoneNumber.normalize(typed) else {
            var page = try await page(req, account)
            page.errors["phone"] = typed.isEmpty ? "Заполните поле" : PhoneNumber.invalidMessage
            page.typed["phone"] = typed
            return page.render().response(status: .unprocessableEntity)
        }
        account.phone = phone
        try await account.update(on: req.db)
        return req.redirect(to: SitePath.profile.path)
    }

    struct SettingsForm: Content {
        var notifyByEmail: String?
        var marketing: String?
    }

    @Sendable func settings(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let form = try req.content.decode(SettingsForm.self)
        account.notifyByEmail = form.notifyByEmail != nil
        account.marketing = form.marketing != nil
        try await account.update(on: req.db)
        return req.redirect(to: SitePath.profile.path)
    }

    // MARK: - E-mail

    struct EmailForm: Content {
        var email: String?
        /// The current password: an e-mail decides where recovery codes go.
        var emailPassword: String?
    }

    /// A new address is checked by a code sent to it; until the code is typed in, the account keeps its old
    /// address for sign-in and recovery. «Адрес занят» is said only within the rate limit, after the
    /// password, so that a signed-in person cannot test addresses one after another.
    @Sendable func email(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let form = try req.content.decode(EmailForm.self)
        let typed = form.email ?? ""
        var page = try await page(req, account)
        page.typed["email"] = typed
        guard let email = EmailAddress.normalize(typed) else {
            page.errors["email"] = EmailAddress.invalidMessage
            return page.render().response(status: .unprocessableEntity)
        }
        if email == account.email && account.emailConfirmed { return req.redirect(to: SitePath.profile.path) }
        if let wait = try await Throttle.check(req, [("email-change:\(account.id!)", 10)], window: 3600) {
            page.errors["email"] = "Слишком много изменений адреса. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        guard
            try await passwords.verify(
                form.emailPassword ?? "", hash: account.passwordHash, on: req.application.threadPool)
        else {
            page.errors["emailPassword"] = (form.emailPassword ?? "").isEmpty ? "Введите пароль" : "Неверный пароль"
            return page.render().response(status: .unprocessableEntity)
        }
        if try await Self.isTaken(email, by: account, on: req.db) {
            page.errors["email"] = Self.takenMessage
            return page.render().response(status: .unprocessableEntity)
        }
        if let refusal = try await sendCode(req, account: account, to: email) {
            page.errors["email"] = refusal
            return page.render().response(status: .tooManyRequests)
        }
        try await AuditLog.record("email.change.requested", subject: email, request: req)
        return req.redirect(to: SitePath.profileEmailConfirm.path)
    }

    static let takenMessage = "Этот адрес уже указан в другой учетной записи"

    /// Whether another account has `email`.
    static func isTaken(_ email: String, by account: Account, on db: any Database) async throws -> Bool {
        try await Account.query(on: db).filter(\.$email == email).filter(\.$id != account.id!).count() > 0
    }

    /// A code for `email` (the account's new address, or its current one not yet confirmed), sent there.
    private func sendCode(_ req: Request, account: Account, to email: String) async throws -> String? {
        if let refusal = try await CodeLimits.refusal(sending: email, req) { return refusal }
        let session = try await req.sessions.ensure()
        let now = req.now
        let from = req.portal.config.mailFrom
        try await req.db.writeTransaction { tx in
            let (_, code) = try await PendingCodes.issue(
                .emailChange, session: session.id!, email: email, accountID: account.id, passwordHash: nil,
                marketing: false, decoy: false, now: now, on: tx)
            if let code {
                try await Outbox.enqueue(
                    AuthMails.emailChangeCode(code, to: email, from: from, now: now), now: now, on: tx)
            }
        }
        return nil
    }

    /// «Подтвердить» beside an unconfirmed address: a code to it.
    @Sendable func send(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard !account.emailConfirmed, let email = account.email else { return req.redirect(to: SitePath.profile.path) }
        if let wait = try await Throttle.check(req, [("email-change:\(account.id!)", 10)], window: 3600) {
            var page = try await page(req, account)
            page.errors["email"] = "Слишком много писем с кодом. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        if let refusal = try await sendCode(req, account: account, to: email) {
            var page = try await page(req, account)
            page.errors["email"] = refusal
            return page.render().response(status: .tooManyRequests)
        }
        return req.redirect(to: SitePath.profileEmailConfirm.path)
    }

    /// This session's pending e-mail code for `account`, if any.
    private func pendingChange(_ req: Request, _ account: Account) async throws -> (PortalSession, PendingCode)? {
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(.emailChange, session: session.id!, on: req.db),
            row.accountID == account.id
        else { return nil }
        return (session, row)
    }

    /// The code's form for the address the code went to; nothing is sent from here.
    @Sendable func confirmPage(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let (session, row) = try await pendingChange(req, account) else {
            return req.redirect(to: SitePath.profile.path)
        }
        return EmailConfirmPage(context: req.shellContext, csrf: session.csrfToken, email: row.email).render()
            .response()
    }

    struct CodeForm: Content { var code: String? }

    @Sendable func confirm(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let (session, row) = try await pendingChange(req, account) else {
            return req.redirect(to: SitePath.profile.path)
        }
        let email = row.email
        var page = EmailConfirmPage(context: req.shellContext, csrf: session.csrfToken, email: email)
        if let wait = try await Throttle.check(req, [("code-ip:\(req.clientAddress)", 60)], window: 900) {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let (verdict, refusal) = try await CodeLimits.verify(
            try req.content.decode(CodeForm.self).code ?? "", row: row, req)
        if let refusal {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        guard verdict == .accepted else {
            page.errors["code"] = verdict.message
            return page.render().response(status: .unprocessableEntity)
        }
        // Taken meanwhile by a registration or another change: the old address stays.
        if try await Self.isTaken(email, by: account, on: req.db) {
            try await row.delete(on: req.db)
            var profile = try await self.page(req, account)
            profile.errors["email"] = Self.takenMessage
            return profile.render().response(status: .unprocessableEntity)
        }
        let previous = account.email
        account.email = email
        account.emailConfirmed = true
        do {
            try await account.update(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            var profile = try await self.page(req, try req.signedIn())
            profile.errors["email"] = Self.takenMessage
            return profile.render().response(status: .unprocessableEntity)
        }
        try await row.delete(on: req.db)
        try await AuditLog.record(
            previous == email ? "email.confirmed" : "email.changed", subject: email,
            details: previous == email ? [:] : ["previous": previous ?? ""], request: req)
        return req.redirect(to: SitePath.profile.path)
    }

    @Sendable func resend(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let (session, row) = try await pendingChange(req, account) else {
            return req.redirect(to: SitePath.profile.path)
        }
        var page = EmailConfirmPage(context: req.shellContext, csrf: session.csrfToken, email: row.email)
        let (wait, refusal) = try await CodeLimits.resend(row, req)
        if let refusal {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        if wait > 0 {
            page.errors.form = PendingCodes.waitMessage(wait)
            return page.render().response(status: .tooManyRequests)
        }
        page.notice = PendingCodes.resentNotice
        return page.render().response()
    }

    // MARK: - Password

    struct PasswordForm: Content {
        var current: String?
        var password: String?
        var `repeat`: String?
    }

    @Sendable func password(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let form = try req.content.decode(PasswordForm.self)
        var page = try await page(req, account)
        let pool = req.application.threadPool
        if let wait = try await Throttle.check(req, [("password-change:\(account.id!)", 10)], window: 900) {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        guard try await passwords.verify(form.current ?? "", hash: account.passwordHash, on: pool) else {
            page.errors["current"] = "Неверный текущий пароль"
            return page.render().response(status: .unprocessableEntity)
        }
        if let problem = passwords.problem(form.password ?? "", repeated: form.repeat ?? "", email: account.email) {
            page.errors[problem == .mismatch ? "repeat" : "password"] = problem.message
            return page.render().response(status: .unprocessableEntity)
        }
        account.passwordHash = try await passwords.hash(form.password ?? "", on: pool)
        account.passwordChangedAt = req.now
        account.passwordExpiresAt = nil
        account.mustChangePassword = false
        let id = account.id!
        try await req.db.writeTransaction { tx in
            try await account.update(on: tx)
            // Every other session ends; this one gets a new token.
            try await PortalSession.query(on: tx).filter(\.$accountID == id).delete()
        }
        try await req.sessions.signIn(accountID: id)
        try await AuditLog.record("password.changed", request: req)
        var done = try await self.page(req, account)
        done.notice = "Пароль изменен. Сеансы на других устройствах завершены."
        return done.render().response()
    }

    // MARK: - Deleting the account

    @Sendable func deletePage(req: Request) async throws -> Response {
        _ = try req.signedIn()
        return DeleteAccountPage(context: req.shellContext, csrf: req.sessions.csrfToken()).render()
            .response()
    }

    struct DeleteForm: Content { var password: String? }

    @Sendable func delete(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let password = try req.content.decode(DeleteForm.self).password ?? ""
        var page = DeleteAccountPage(context: req.shellContext, csrf: req.sessions.csrfToken())
        if let wait = try await Throttle.check(req, [("password-change:\(account.id!)", 10)], window: 900) {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        guard try await passwords.verify(password, hash: account.passwordHash, on: req.application.threadPool) else {
            page.errors["password"] = password.isEmpty ? "Введите пароль" : "Неверный пароль"
            return page.render().response(status: .unprocessableEntity)
        }
        let (id, now) = (account.id!, req.now)
        try await AuditLog.record("account.deleted", subject: account.email, request: req)
        try await req.db.writeTransaction { tx in
            try await PendingCode.query(on: tx).filter(\.$accountID == id).delete()
            try await PortalSession.query(on: tx).filter(\.$accountID == id).delete()
            try await tx.sql.delete(from: "notification_recipients").where("account_id", .equal, id).run()
            // Its roles go with it: a contract whose «Администратор» left can be given a new one, and billing
            // hears of each contract the account no longer holds.
            for link in try await ContractLink.query(on: tx).filter(\.$accountID == id).all() {
                try await link.delete(on: tx)
                try await BillingFeed.append(
                    .contractUnlinked, entityID: link.contractID,
                    data: ["contractId": .string(link.contractID), "accountId": .string(id.uuidString)], now: now,
                    on: tx.sql)
            }
            try await account.delete(on: tx)
        }
        try await req.sessions.signOut()
        return LoginPage(
            context: ShellContext(currentPath: SitePath.login.path, account: nil),
            csrf: req.sessions.csrfToken(),
            notice: "Аккаунт удален."
        ).render().response()
    }

    // MARK: - Sessions

    @Sendable func sessions(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let current = req.sessions.current?.id
        let format = req.dates
        let rows = try await PortalSession.query(on: req.db).filter(\.$accountID == account.id!)
            .sort(\.$lastSeenAt, .descending).all()
            .filter { Sessions.isAlive($0, now: req.now, config: req.portal.config) }
            .map { row in
                let agent = UserAgent(parsing: row.userAgent)
                return SessionsPage.Row(
                    id: row.id!.uuidString, browser: agent.browser, system: agent.operatingSystem,
                    lastSeen: format.dateTime(row.lastSeenAt), current: row.id == current)
            }
        return SessionsPage(context: req.shellContext, csrf: req.sessions.csrfToken(), rows: rows)
            .render().response()
    }

    /// «Завершить»: this session is a sign-out; another one is removed and its browser signed out.
    @Sendable func endSession(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        if id == req.sessions.current?.id {
            try await AuditLog.record("signout", request: req)
            try await req.sessions.signOut()
            return req.redirect(to: SitePath.login.path)
        }
        // Only the account's own sessions: another's is «not found», like any unknown id.
        let deleted = try await PortalSession.query(on: req.db).filter(\.$id == id).filter(\.$accountID == account.id!)
            .count()
        guard deleted == 1 else { throw Abort(.notFound) }
        try await PortalSession.query(on: req.db).filter(\.$id == id).filter(\.$accountID == account.id!).delete()
        try await AuditLog.record("session.ended", subject: id.uuidString, request: req)
        return req.redirect(to: SitePath.profileSessions.path)
    }
}
