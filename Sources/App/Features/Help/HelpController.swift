import Vapor

/// The start page, «Инструкция пользователя» and «Пользовательское соглашение».
struct HelpController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(use: home)
        routes.get(SitePath.manual.components.map(PathComponent.init(stringLiteral:)), use: manual)
        routes.get(SitePath.agreement.components.map(PathComponent.init(stringLiteral:)), use: agreement)
    }

    @Sendable func home(req: Request) async throws -> Response {
        HomePage(context: req.shellContext).render().response()
    }

    @Sendable func manual(req: Request) async throws -> Response {
        ManualPage(context: req.shellContext).render().response()
    }

    @Sendable func agreement(req: Request) async throws -> Response {
        AgreementPage(context: req.shellContext).render().response()
    }
}
