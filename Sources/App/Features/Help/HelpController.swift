import Markup
import Vapor

/// The start page, «Инструкция пользователя» and «Пользовательское соглашение».
struct HelpController {
    let auth: AuthController
    /// Where the manual's screenshots are (`Public/images/manual`).
    let publicDirectory: String

    func register(_ routes: any RoutesBuilder) {
        routes.get(use: home)
        routes.get(SitePath.manual.route, use: manual)
        routes.get(SitePath.manualPDF.route, use: manualPDF)
        routes.get(SitePath.agreement.route, use: agreement)
        routes.get(SitePath.agreementAccept.route, use: acceptPage)
        routes.post(SitePath.agreementAccept.route, use: accept)
    }

    /// The portal's address opens the sign-in page (manual §2.1); a signed-in person sees the start page.
    @Sendable func home(req: Request) async throws -> Response {
        guard let account = req.account else { return try await auth.loginPage(req: req) }
        let contracts = try await ContractsController.contracts(of: account.id!, on: req.db)
        return HomePage(context: req.shellContext, contracts: contracts).render().response()
    }

    @Sendable func manual(req: Request) async throws -> Response {
        ManualPage(context: req.shellContext, supplier: try await SiteTexts.body(.manual, on: req.db.sql)).render()
            .response()
    }

    /// The guide as a PDF, laid out on request from the same sections and screenshots.
    @Sendable func manualPDF(req: Request) async throws -> Response {
        let (directory, now) = (publicDirectory, req.now)
        let supplier = try await SiteTexts.body(.manual, on: req.db.sql)
        let data = try await req.application.threadPool.runIfActive {
            Manual.pdf(publicDirectory: directory, supplier: supplier, now: now)
        }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: Response.attachment(fileName: "Инструкция пользователя.pdf"))
        return response
    }

    @Sendable func agreement(req: Request) async throws -> Response {
        AgreementPage(context: req.shellContext, version: try await Agreement.current(on: req.db.sql), dates: req.dates)
            .render().response()
    }

    /// A version published since the account last accepted one: read and accept it to go on.
    @Sendable func acceptPage(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard account.agreementPending, let version = try await Agreement.current(on: req.db.sql) else {
            return req.redirect(to: SitePath.home.path)
        }
        return AgreementAcceptPage(context: req.shellContext, version: version, dates: req.dates).render().response()
    }

    @Sendable func accept(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let version = try await Agreement.current(on: req.db.sql) else {
            return req.redirect(to: SitePath.home.path)
        }
        let fields = try req.formFields()
        // The version read is the one accepted; a newer one published meanwhile is asked for again.
        guard fields["agree"] != nil, Int(fields["version"] ?? "") == version.version else {
            return AgreementAcceptPage(
                context: req.shellContext, version: version, dates: req.dates,
                error: "Чтобы продолжить, примите пользовательское соглашение"
            ).render().response(status: .unprocessableEntity)
        }
        try await Agreement.accept(
            account: account.id!, version: version.version, ipAddress: req.clientAddress, now: req.now, on: req.db)
        try await AuditLog.record("agreement.accepted", subject: String(version.version), request: req)
        let modals = try await Notifications.pendingModals(account: account.id!, now: req.now, on: req.db.sql)
        return req.redirect(to: modals.isEmpty ? SitePath.home.path : SitePath.notificationsModal.path)
    }
}

/// «Помощь» (manual §8; HLP-1, HLP-2): «Вопрос-ответ» and «Контакты».
struct HelpSectionController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.help.route, use: faq)
        routes.get(SitePath.helpContacts.route, use: contacts)
    }

    @Sendable func faq(req: Request) async throws -> Response {
        guard req.account != nil else { throw Abort.redirect(to: SitePath.login.path) }
        let sql = req.db.sql
        let phrase = String((req.queryValue("q") ?? "").prefix(200))
        let groups = try await FAQ.Group.all(publishedOnly: true, on: sql)
        let group = req.queryValue("group").flatMap(UUID.init(uuidString:)).flatMap { id in
            groups.contains { $0.id == id } ? id : nil
        }
        let questions = try await FAQ.Question.find(phrase: phrase, group: group, publishedOnly: true, on: sql)
        if questions.isEmpty && !FAQ.stems(phrase).isEmpty {
            try await FAQ.recordMiss(phrase, now: req.now, on: sql)
        }
        return HelpFAQPage(
            context: req.shellContext, groups: groups, questions: questions, phrase: phrase,
            group: group?.uuidString ?? ""
        ).render().response()
    }

    struct ContactRow: Decodable {
        let number: String
        let name: String
        let branchHead: String?
        let branchPhone: String?
        let branchAddress: String?
        let curatorName: String?
        let curatorPhone: String?
        let curatorEmail: String?
    }

    /// The chosen contracts' contacts; fields billing did not send are left out (manual §8.2).
    @Sendable func contacts(req: Request) async throws -> Response {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        let contracts = try await HistoryData.contracts(of: account.id!, allowing: .viewContract, on: req.db.sql)
        // Every `contract=` of the query (one per ticked box).
        let asked = Set(
            (req.url.query ?? "").split(separator: "&").compactMap {
                URLQuery.formValue(named: "contract", in: $0.utf8)
            })
        let chosen = asked.isEmpty ? Set(contracts.prefix(1).map(\.number)) : asked
        let ids = contracts.filter { chosen.contains($0.number) }.map(\.id)
        let rows =
            ids.isEmpty
            ? []
            : try await req.db.sql.raw(
                """
                SELECT number, name, branch_head, branch_phone, branch_address, curator_name, curator_phone, curator_email
                FROM contracts WHERE id IN (\(binds: ids)) ORDER BY number
                """
            ).all(decoding: ContactRow.self, with: .snakeCase)
        let contacts = rows.map { row in
            let fields: [(String, String?)] = [
                ("ФИО руководителя отделения", row.branchHead), ("Телефон отделения", row.branchPhone),
                ("Адрес отделения", row.branchAddress), ("ФИО куратора", row.curatorName),
                ("Телефон куратора", row.curatorPhone), ("E-mail куратора", row.curatorEmail),
            ]
            return HelpContactsPage.Contact(
                number: row.number, name: row.name,
                fields: fields.compactMap { field in
                    field.1.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : (field.0, $0) }
                })
        }
        return HelpContactsPage(
            context: req.shellContext, contracts: contracts.map { .init(number: $0.number, name: $0.name) },
            chosen: chosen, contacts: contacts, supplier: try await SiteTexts.body(.contacts, on: req.db.sql)
        ).render().response()
    }
}
