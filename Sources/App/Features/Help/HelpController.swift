import Vapor

/// The start page, «Инструкция пользователя» and «Пользовательское соглашение».
struct HelpController {
    let auth: AuthController

    func register(_ routes: any RoutesBuilder) {
        routes.get(use: home)
        routes.get(SitePath.manual.route, use: manual)
        routes.get(SitePath.agreement.route, use: agreement)
    }

    /// The portal's address opens the sign-in page (manual §2.1); a signed-in person sees the start page.
    @Sendable func home(req: Request) async throws -> Response {
        guard let account = req.account else { return try await auth.loginPage(req: req) }
        let contracts = try await ContractsController.contracts(of: account.id!, on: req.db)
        return HomePage(context: req.shellContext, contracts: contracts).render().response()
    }

    @Sendable func manual(req: Request) async throws -> Response {
        ManualPage(context: req.shellContext).render().response()
    }

    @Sendable func agreement(req: Request) async throws -> Response {
        AgreementPage(context: req.shellContext).render().response()
    }
}
