import Fluent
import Foundation
import Mail
import PortalDomain
import Vapor

/// Sign-in, registration with its code, «Давайте познакомимся», the phone, password recovery, sign-out
/// (manual §2).
struct AuthController {
    let passwords: Passwords

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.login.route, use: loginPage)
        routes.post(SitePath.login.route, use: login)
        routes.post(SitePath.logout.route, use: logout)
        routes.get(SitePath.register.route, use: registerPage)
        routes.post(SitePath.register.route, use: registerSubmit)
        routes.get(SitePath.registerCode.route, use: registerCodePage)
        routes.post(SitePath.registerCode.route, use: registerCode)
        routes.post(SitePath.registerResend.route, use: registerResend)
        routes.get(SitePath.welcome.route, use: welcomePage)
        routes.post(SitePath.welcome.route, use: welcome)
        routes.get(SitePath.welcomePhone.route, use: phonePage)
        routes.post(SitePath.welcomePhone.route, use: phone)
        routes.get(SitePath.recover.route, use: recoverPage)
        routes.post(SitePath.recover.route, use: recoverSubmit)
        routes.get(SitePath.recoverCode.route, use: recoverCodePage)
        routes.post(SitePath.recoverCode.route, use: recoverCode)
        routes.post(SitePath.recoverResend.route, use: recoverResend)
    }

    // MARK: - Sign-in

    struct LoginForm: Content {
        var email: String?
        var password: String?
    }

    static let badCredentials = "Неверный e-mail (логин) или пароль"
    static let expiredPassword =
        "Срок действия временного пароля истек. Попросите администратора договора выдать доступ заново"

    @Sendable func loginPage(req: Request) async throws -> Response {
        if req.account != nil { return req.redirect(to: SitePath.home.path) }
        return LoginPage(context: req.shellContext, csrf: req.sessions.csrfToken()).render().response()
    }

    @Sendable func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let identifier = (form.email ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form.password ?? ""
        var page = LoginPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), email: form.email ?? "")
        if identifier.isEmpty { page.errors["email"] = "Введите e-mail или логин" }
        if password.isEmpty { page.errors["password"] = "Введите пароль" }
        guard page.errors.isEmpty else { return page.render().response(status: .unprocessableEntity) }

        // Failed sign-ins are counted per address and per identifier from that address: a stranger's
        // failures slow the stranger, not the owner signing in from elsewhere.
        let failures = [
            ("signin-ip:\(req.clientAddress)", 30), ("signin-id:\(identifier)|\(req.clientAddress)", 10),
        ]
        if let wait = try await Throttle.peek(req, failures, window: 900) {
            page.errors.form = "Слишком много попыток входа. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let candidates = try await Account.query(on: req.db)
            .group(.or) { $0.filter(\.$email == identifier).filter(\.$login == identifier) }
            .limit(5).all()
        var matched: Account?
        for candidate in candidates
        where try await passwords.verify(password, hash: candidate.passwordHash, on: req.application.threadPool) {
            matched = candidate
            break
        }
        if candidates.isEmpty {
            try await passwords.verifyDecoy(password, on: req.application.threadPool)
        }
        guard let account = matched else {
            try await Throttle.record(req, failures.map(\.0), window: 900)
            try await AuditLog.record("signin.failed", subject: identifier, request: req)
            page.errors.form = Self.badCredentials
            return page.render().response(status: .unprocessableEntity)
        }
        if let expires = account.passwordExpiresAt, expires < req.now {
            try await AuditLog.record("signin.expired", subject: identifier, request: req)
            page.errors.form = Self.expiredPassword
            return page.render().response(status: .unprocessableEntity)
        }
        try await req.sessions.signIn(accountID: account.id!)
        try await AuditLog.record("signin", request: req)
        // «Модальное окно» (manual §10.2) is shown after sign-in.
        let modals = try await Notifications.pendingModals(account: account.id!, now: req.now, on: req.db.sql)
        return req.redirect(to: modals.isEmpty ? SitePath.home.path : SitePath.notificationsModal.path)
    }

    @Sendable func logout(req: Request) async throws -> Response {
        if req.sessions.accountID != nil { try await AuditLog.record("signout", request: req) }
        try await req.sessions.signOut()
        return req.redirect(to: SitePath.login.path)
    }

    // MARK: - Registration

    struct RegisterForm: Content {
        var email: String?
        var password: String?
        var agree: String?
        var marketing: String?
    }

    @Sendable func registerPage(req: Request) async throws -> Response {
        if req.account != nil { return req.redirect(to: SitePath.home.path) }
        return RegisterPage(context: req.shellContext, csrf: req.sessions.csrfToken()).render().response()
    }

    @Sendable func registerSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(RegisterForm.self)
        var page = RegisterPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), email: form.email ?? "",
            agreed: form.agree != nil, marketing: form.marketing != nil)
        let email = EmailAddress.normalize(form.email ?? "")
        if email == nil { page.errors["email"] = EmailAddress.invalidMessage }
        if let problem = passwords.problem(form.password ?? "", repeated: nil, email: email) {
            page.errors["password"] = problem.message
        }
        if form.agree == nil { page.errors["agree"] = "Для регистрации необходимо принять пользовательское соглашение" }
        guard let email, page.errors.isEmpty else { return page.render().response(status: .unprocessableEntity) }
        if let wait = try await Throttle.check(
            req, [("register-ip:\(req.clientAddress)", 20), ("register-email:\(email)", 5)], window: 3600)
        {
            page.errors.form = "Слишком много попыток регистрации. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }

        if let refusal = try await CodeLimits.refusal(sending: email, req) {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        let session = try await req.sessions.ensure()
        let exists = try await Account.query(on: req.db).filter(\.$email == email).count() > 0
        // Hashed whether or not the address has an account, so the answer takes as long either way.
        let computed = try await passwords.hash(form.password ?? "", on: req.application.threadPool)
        let hash = exists ? nil : computed
        let now = req.now
        let from = req.portal.config.mailFrom
        try await req.db.writeTransaction { tx in
            let (_, code) = try await PendingCodes.issue(
                .registration, session: session.id!, email: email, accountID: nil, passwordHash: hash,
                marketing: form.marketing != nil, decoy: exists, now: now, on: tx)
            // The page looks the same either way; only the owner of the address learns of the attempt.
            let letter =
                code.map { AuthMails.registrationCode($0, to: email, from: from, now: now) }
                ?? AuthMails.alreadyRegistered(to: email, from: from, now: now)
            try await Outbox.enqueue(letter, now: now, on: tx)
        }
        return req.redirect(to: SitePath.registerCode.path)
    }

    struct CodeForm: Content {
        var code: String?
        var password: String?
        var `repeat`: String?
    }

    @Sendable func registerCodePage(req: Request) async throws -> Response {
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(.registration, session: session.id!, on: req.db)
        else { return req.redirect(to: SitePath.register.path) }
        return CodePage(context: req.shellContext, csrf: session.csrfToken, purpose: .registration, email: row.email)
            .render().response()
    }

    @Sendable func registerCode(req: Request) async throws -> Response {
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(.registration, session: session.id!, on: req.db)
        else { return req.redirect(to: SitePath.register.path) }
        let form = try req.content.decode(CodeForm.self)
        var page = CodePage(
            context: req.shellContext, csrf: session.csrfToken, purpose: .registration, email: row.email)
        if let wait = try await Throttle.check(req, [("code-ip:\(req.clientAddress)", 60)], window: 900) {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let (verdict, refusal) = try await CodeLimits.verify(form.code ?? "", row: row, req)
        if let refusal {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        guard verdict == .accepted, let hash = row.passwordHash else {
            page.errors["code"] = verdict.message ?? OneTimeCodePolicy.Verdict.wrong(remaining: 0).message
            return page.render().response(status: .unprocessableEntity)
        }
        let now = req.now
        let email = row.email
        let marketing = row.marketing
        let address = req.clientAddress
        let account: Account?
        do {
            account = try await req.db.writeTransaction { tx -> Account? in
                // Someone may have registered the same address meanwhile.
                guard try await Account.query(on: tx).filter(\.$email == email).count() == 0 else { return nil }
                let account = Account(email: email, passwordHash: hash, marketing: marketing, now: now)
                try await account.create(on: tx)
                try await row.delete(on: tx)
                // The registration form's «Я принимаю пользовательское соглашение» accepted the version in force.
                if let version = try await Agreement.current(on: tx.sql) {
                    try await Agreement.accept(
                        account: account.id!, version: version.version, ipAddress: address, now: now, on: tx)
                }
                return account
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The same address, registered by another request between the check and the insert.
            account = nil
        }
        guard let account else {
            page.errors["code"] = OneTimeCodePolicy.Verdict.alreadyUsed.message
            return page.render().response(status: .unprocessableEntity)
        }
        try await req.sessions.signIn(accountID: account.id!)
        try await AuditLog.record("account.registered", subject: email, request: req)
        return req.redirect(to: SitePath.welcome.path)
    }

    @Sendable func registerResend(req: Request) async throws -> Response {
        try await resend(req, purpose: .registration)
    }

    private func resend(_ req: Request, purpose: PendingCode.Purpose) async throws -> Response {
        let back = purpose == .registration ? SitePath.register : SitePath.recover
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(purpose, session: session.id!, on: req.db)
        else { return req.redirect(to: back.path) }
        var page = CodePage(
            context: req.shellContext, csrf: session.csrfToken,
            purpose: purpose == .registration ? .registration : .recovery,
            email: row.email)
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

    // MARK: - «Давайте познакомимся» and the phone

    struct WelcomeForm: Content {
        var lastName: String?
        var firstName: String?
        var middleName: String?
        var organization: String?
        var position: String?
        var address: String?
    }

    @Sendable func welcomePage(req: Request) async throws -> Response {
        guard let account = req.account else { return req.redirect(to: SitePath.login.path) }
        return WelcomePage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), values: Self.values(of: account)
        )
        .render().response()
    }

    @Sendable func welcome(req: Request) async throws -> Response {
        guard let account = req.account else { return req.redirect(to: SitePath.login.path) }
        let (values, errors) = Self.personalData(try req.content.decode(WelcomeForm.self))
        guard errors.isEmpty else {
            return WelcomePage(
                context: req.shellContext, csrf: req.sessions.csrfToken(), values: values, errors: errors
            )
            .render().response(status: .unprocessableEntity)
        }
        Self.apply(values, to: account)
        try await account.update(on: req.db)
        return req.redirect(to: account.phone == nil ? SitePath.welcomePhone.path : SitePath.home.path)
    }

    /// Checks «Давайте познакомимся» (also «Редактирование профиля»): all but the patronymic required.
    static func personalData(_ form: WelcomeForm) -> (WelcomePage.Values, FormErrors) {
        func clean(_ text: String?) -> String { (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var values = WelcomePage.Values()
        values.lastName = clean(form.lastName)
        values.firstName = clean(form.firstName)
        values.middleName = clean(form.middleName)
        values.organization = clean(form.organization)
        values.position = clean(form.position)
        values.address = clean(form.address)
        var errors = FormErrors()
        let required: [(String, String, Int)] = [
            ("lastName", values.lastName, 100), ("firstName", values.firstName, 100),
            ("organization", values.organization, 300), ("position", values.position, 200),
            ("address", values.address, 500),
        ]
        for (name, value, limit) in required {
            if value.isEmpty {
                errors[name] = "Заполните поле"
            } else if value.count > limit {
                errors[name] = "Не более \(limit) символов"
            }
        }
        if values.middleName.count > 100 { errors["middleName"] = "Не более 100 символов" }
        return (values, errors)
    }

    static func apply(_ values: WelcomePage.Values, to account: Account) {
        account.lastName = values.lastName
        account.firstName = values.firstName
        account.middleName = values.middleName.isEmpty ? nil : values.middleName
        account.organization = values.organization
        account.position = values.position
        account.address = values.address
    }

    static func values(of account: Account) -> WelcomePage.Values {
        var values = WelcomePage.Values()
        values.lastName = account.lastName ?? ""
        values.firstName = account.firstName ?? ""
        values.middleName = account.middleName ?? ""
        values.organization = account.organization ?? ""
        values.position = account.position ?? ""
        values.address = account.address ?? ""
        return values
    }

    struct PhoneForm: Content { var phone: String? }

    @Sendable func phonePage(req: Request) async throws -> Response {
        guard let account = req.account else { return req.redirect(to: SitePath.login.path) }
        return PhonePage(
            context: req.shellContext, csrf: req.sessions.csrfToken(),
            phone: account.phone.map(PhoneNumber.formatted) ?? ""
        ).render().response()
    }

    @Sendable func phone(req: Request) async throws -> Response {
        guard let account = req.account else { return req.redirect(to: SitePath.login.path) }
        let form = try req.content.decode(PhoneForm.self)
        guard let phone = PhoneNumber.normalize(form.phone ?? "") else {
            var page = PhonePage(
                context: req.shellContext, csrf: req.sessions.csrfToken(), phone: form.phone ?? "")
            page.errors["phone"] = (form.phone ?? "").isEmpty ? "Заполните поле" : PhoneNumber.invalidMessage
            return page.render().response(status: .unprocessableEntity)
        }
        account.phone = phone
        try await account.update(on: req.db)
        return req.redirect(to: account.hasPersonalData ? SitePath.home.path : SitePath.welcome.path)
    }

    // MARK: - Recovery

    struct RecoverForm: Content { var email: String? }

    @Sendable func recoverPage(req: Request) async throws -> Response {
        RecoverPage(context: req.shellContext, csrf: req.sessions.csrfToken()).render().response()
    }

    @Sendable func recoverSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(RecoverForm.self)
        var page = RecoverPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), email: form.email ?? "")
        guard let email = EmailAddress.normalize(form.email ?? "") else {
            page.errors["email"] = EmailAddress.invalidMessage
            return page.render().response(status: .unprocessableEntity)
        }
        if let wait = try await Throttle.check(
            req, [("recover-ip:\(req.clientAddress)", 20), ("recover-email:\(email)", 5)], window: 3600)
        {
            page.errors.form = "Слишком много запросов. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        if let refusal = try await CodeLimits.refusal(sending: email, req) {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        // An address several accounts shared was taken off them (`CreateUniqueAccountEmails`).
        let shared = try await req.db.sql.raw("SELECT 1 AS n FROM shared_emails WHERE email = \(bind: email)").first()
        if shared != nil {
            page.shared = true
            return page.render().response()
        }
        let owners = try await Account.query(on: req.db).filter(\.$email == email).limit(1).all()
        let session = try await req.sessions.ensure()
        let now = req.now
        let from = req.portal.config.mailFrom
        try await req.db.writeTransaction { tx in
            // An unknown address gets the same page and a code that cannot match: nothing tells
            // whether the address has an account.
            let (_, code) = try await PendingCodes.issue(
                .recovery, session: session.id!, email: email, accountID: owners.first?.id, passwordHash: nil,
                marketing: false, decoy: owners.isEmpty, now: now, on: tx)
            if let code {
                try await Outbox.enqueue(
                    AuthMails.recoveryCode(code, to: email, from: from, now: now), now: now, on: tx)
            }
        }
        return req.redirect(to: SitePath.recoverCode.path)
    }

    @Sendable func recoverCodePage(req: Request) async throws -> Response {
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(.recovery, session: session.id!, on: req.db)
        else { return req.redirect(to: SitePath.recover.path) }
        return CodePage(context: req.shellContext, csrf: session.csrfToken, purpose: .recovery, email: row.email)
            .render().response()
    }

    @Sendable func recoverCode(req: Request) async throws -> Response {
        guard let session = req.sessions.current,
            let row = try await PendingCodes.current(.recovery, session: session.id!, on: req.db)
        else { return req.redirect(to: SitePath.recover.path) }
        let form = try req.content.decode(CodeForm.self)
        var page = CodePage(context: req.shellContext, csrf: session.csrfToken, purpose: .recovery, email: row.email)
        if let problem = passwords.problem(form.password ?? "", repeated: form.repeat ?? "", email: row.email) {
            page.errors[problem == .mismatch ? "repeat" : "password"] = problem.message
            return page.render().response(status: .unprocessableEntity)
        }
        if let wait = try await Throttle.check(req, [("code-ip:\(req.clientAddress)", 60)], window: 900) {
            page.errors.form = "Слишком много попыток. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let (verdict, refusal) = try await CodeLimits.verify(form.code ?? "", row: row, req)
        if let refusal {
            page.errors.form = refusal
            return page.render().response(status: .tooManyRequests)
        }
        guard verdict == .accepted, let accountID = row.accountID,
            let account = try await Account.find(accountID, on: req.db)
        else {
            page.errors["code"] = verdict.message ?? OneTimeCodePolicy.Verdict.alreadyUsed.message
            return page.render().response(status: .unprocessableEntity)
        }
        account.passwordHash = try await passwords.hash(form.password ?? "", on: req.application.threadPool)
        account.passwordChangedAt = req.now
        try await req.db.writeTransaction { tx in
            try await account.update(on: tx)
            try await row.delete(on: tx)
            // A new password ends every session of the account, wherever it was signed in.
            try await PortalSession.query(on: tx).filter(\.$accountID == accountID).delete()
        }
        try await req.sessions.signIn(accountID: accountID)
        try await AuditLog.record("password.recovered", request: req)
        return req.redirect(to: SitePath.home.path)
    }

    @Sendable func recoverResend(req: Request) async throws -> Response {
        try await resend(req, purpose: .recovery)
    }
}

/// Several rate limits at once; the longest wait wins.
enum Throttle {
    /// Counts a hit on each bucket; the seconds to wait when one is past its limit, else nil.
    static func check(_ req: Request, _ buckets: [(String, Int)], window: TimeInterval) async throws -> Int? {
        try await longestWait(buckets) {
            try await req.portal.rateLimiter.hit($0, limit: $1, window: window, now: req.now, on: req.db)
        }
    }

    /// The seconds to wait when one of the buckets already has its limit of hits, else nil; counts nothing
    /// (the hits are counted with `record` when the attempt fails).
    static func peek(_ req: Request, _ buckets: [(String, Int)], window: TimeInterval) async throws -> Int? {
        try await longestWait(buckets) {
            try await req.portal.rateLimiter.peek($0, limit: $1, window: window, now: req.now, on: req.db)
        }
    }

    /// The longest wait among the buckets' decisions, or nil when every one allows.
    private static func longestWait(
        _ buckets: [(String, Int)], _ decide: (String, Int) async throws -> RateLimiter.Decision
    ) async throws -> Int? {
        var wait: Int?
        for (bucket, limit) in buckets {
            let decision = try await decide(bucket, limit)
            if !decision.allowed { wait = max(wait ?? 0, decision.retryAfter) }
        }
        return wait
    }

    /// Counts a failed attempt on each bucket.
    static func record(_ req: Request, _ buckets: [String], window: TimeInterval) async throws {
        for bucket in buckets {
            _ = try await req.portal.rateLimiter.hit(bucket, limit: .max, window: window, now: req.now, on: req.db)
        }
    }

    /// «12 мин.» or, for a day's limit, «5 ч.».
    static func duration(_ seconds: Int) -> String {
        seconds < 3600 ? minutes(seconds) : "\((seconds + 3599) / 3600) ч."
    }

    static func minutes(_ seconds: Int) -> String {
        let minutes = max(1, (seconds + 59) / 60)
        return "\(minutes) мин."
    }
}
