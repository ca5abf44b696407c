import Fluent
import SQLKit
import Vapor

/// `/health` for load balancers and `/metrics` for Prometheus.
struct SystemController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.health.route, use: health)
        routes.get(SitePath.metrics.route, use: metrics)
    }

    struct Health: Content {
        var status: String
        var database: String
    }

    @Sendable func health(req: Request) async throws -> Response {
        var body = Health(status: "ok", database: "ok")
        var status = HTTPResponseStatus.ok
        do {
            _ = try await (req.db as! SQLDatabase).raw("SELECT 1 AS one").first()
        } catch {
            req.logger.error("health: database unreachable: \(String(reflecting: error))")
            body = Health(status: "unavailable", database: "unreachable")
            status = .serviceUnavailable
        }
        let response = try await body.encodeResponse(status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func metrics(req: Request) async throws -> Response {
        let depth = try await JobQueue.depth(on: req.db)
        let backlog = try await Outbox.backlog(on: req.db)
        let text = req.portal.metrics.render(jobQueueDepth: depth, outboxBacklog: backlog)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}
