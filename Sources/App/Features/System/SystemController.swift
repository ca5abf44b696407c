import Crypto
import Fluent
import SQLKit
import Vapor

/// `/health` for load balancers, `/metrics` for Prometheus, and `/ping`: a constant answer through every
/// middleware and no database, the baseline of the load benchmark.
struct SystemController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.health.route, use: health)
        routes.get(SitePath.metrics.route, use: metrics)
        routes.get(SitePath.ping.route) { _ -> Response in
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
            headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return Response(status: .ok, headers: headers, body: .init(staticString: "pong"))
        }
        // Browsers ask for /favicon.ico on pages without a <link rel="icon">, such as a PDF in a tab.
        routes.get(SitePath.favicon.route) { req -> Response in
            req.redirect(to: "/icons/favicon.svg", redirectType: .permanent)
        }
    }

    struct Health: Content {
        var status: String
        var database: String
    }

    @Sendable func health(req: Request) async throws -> Response {
        var body = Health(status: "ok", database: "ok")
        var status = HTTPResponseStatus.ok
        do {
            _ = try await req.db.sql.raw("SELECT 1 AS one").first()
        } catch {
            req.logger.error("health: database unreachable: \(String(reflecting: error))")
            body = Health(status: "unavailable", database: "unreachable")
            status = .serviceUnavailable
        }
        let response = try await body.encodeResponse(status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// `/metrics` answers only this machine, or a request with the bearer token `PORTAL_METRICS_TOKEN`; to
    /// anyone else it does not exist.
    @Sendable func metrics(req: Request) async throws -> Response {
        guard Self.mayReadMetrics(req) else { throw Abort(.notFound) }
        let depth = try await JobQueue.depth(on: req.db)
        let backlog = try await Outbox.backlog(on: req.db)
        let text = req.portal.metrics.render(jobQueueDepth: depth, outboxBacklog: backlog)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    static func mayReadMetrics(_ req: Request) -> Bool {
        if PortalConfig.isLoopback(req.clientAddress) { return true }
        guard let token = req.portal.config.metricsToken, let sent = req.headers.bearerAuthorization?.token else {
            return false
        }
        return Data(SHA256.hash(data: Data(sent.utf8))) == Data(SHA256.hash(data: Data(token.utf8)))
    }
}
