import Vapor

/// Registered only in development with the file mailer: it does not exist in production, and it answers
/// only requests from this machine (its letters hold every code and link the portal sends).
struct DevMailController {
    let mailbox: DevMailbox

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.devMail.route, use: list)
        routes.get(SitePath.devMailMessage("").route, use: show)
    }

    @Sendable func list(req: Request) async throws -> Response {
        guard PortalConfig.isLoopback(req.clientAddress) else { throw Abort(.notFound) }
        return DevMailPage(context: req.shellContext, messages: mailbox.list(), opened: nil).render().response()
    }

    @Sendable func show(req: Request) async throws -> Response {
        guard PortalConfig.isLoopback(req.clientAddress), let name = req.parameters.get("name"),
            let message = mailbox.read(name)
        else { throw Abort(.notFound) }
        return DevMailPage(context: req.shellContext, messages: mailbox.list(), opened: message).render().response()
    }
}
