import AsyncKit
import Foundation
import SQLKit
import SQLiteNIO
import Vapor

/// The billing exchange API (BIL-1): billing writes what it owns in batches and reads what the portal
/// collected from a feed. Described by `docs/billing-api.openapi.json`, served at `…/openapi.json`.
struct BillingAPIController {
    static let prefix: [PathComponent] = ["api", "billing", "v1"]
    static let basePath = "/api/billing/v1"
    static let maxBody: ByteCount = "64mb"

    func register(_ app: Application) {
        let api = app.grouped(Self.prefix).grouped(BillingAPIErrorMiddleware())
        api.get("openapi.json") { _ in
            Response(
                status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"],
                body: .init(data: BillingOpenAPI.documentData))
        }
        let authorized = api.grouped(BillingTokenMiddleware())
        for entity in BillingEntity.all {
            authorized.on(.PUT, [PathComponent(stringLiteral: entity.path)], body: .collect(maxSize: Self.maxBody)) {
                req in try await upsert(req, entity)
            }
        }
        authorized.get("feed", use: feed)
    }

    func upsert(_ req: Request, _ entity: BillingEntity) async throws -> Response {
        guard let buffer = req.body.data, let body = JSONValue.parse(Data(buffer: buffer)) else {
            throw BillingAPIError(status: .badRequest, message: "the body must be JSON")
        }
        let rows: [[String: SQLValue]]
        switch BillingIntake.validate(body, as: entity) {
        case .success(let valid): rows = valid
        case .failure(let rejected): throw BillingAPIError(rejected.problems)
        }
        let now = req.now
        let outcome = try await req.db.writeTransaction { tx in
            let outcome = try await BillingIntake.write(rows, as: entity, on: tx.sql)
            // New payments, accepted readings and documents reach the people they concern, by a job: the
            // batch's transaction stays as short as it was (batches arrive in parallel).
            try await EventNotifications.enqueue(outcome.createdIDs, of: entity, now: now, on: tx)
            return outcome
        }
        req.logger.info("billing api: \(entity.path) received \(outcome.received), created \(outcome.created)")
        return try Self.json([
            "received": .number(Double(outcome.received)), "created": .number(Double(outcome.created)),
        ])
    }

    @Sendable func feed(req: Request) async throws -> Response {
        var problems: [BillingProblem] = []
        func number(_ name: String, default value: Int64, _ range: ClosedRange<Int64>) -> Int64 {
            guard let text = req.queryValue(name) else { return value }
            guard let parsed = Int64(text), range.contains(parsed) else {
                problems.append(
                    .init(path: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                )
                return value
            }
            return parsed
        }
        let after = number("after", default: 0, 0...Int64(Int32.max) * 1000)
        let limit = number("limit", default: 100, 1...1000)
        guard problems.isEmpty else { throw BillingAPIError(problems) }
        let items = try await BillingFeed.read(after: after, limit: Int(limit), on: req.db.sql)
        let formatter = ISO8601DateFormatter()
        let list: [JSONValue] = items.map {
            [
                "cursor": .number(Double($0.cursor)), "kind": .string($0.kind), "entityId": .string($0.entityID),
                "createdAt": .string(formatter.string(from: $0.createdAt)), "data": $0.data,
            ]
        }
        return try Self.json(["items": .array(list), "next": .number(Double(items.last?.cursor ?? after))])
    }

    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) throws -> Response {
        Response(
            status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: .init(data: value.json))
    }
}

/// An API refusal, rendered as `{"error": …, "problems": [{path, message}]}`.
struct BillingAPIError: Error {
    let status: HTTPResponseStatus
    let message: String
    var problems: [BillingProblem] = []

    init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    init(_ problems: [BillingProblem]) {
        status = .unprocessableEntity
        message = "the request has invalid data; nothing was changed"
        self.problems = problems
    }
}

/// Checks the bearer token of every API call.
struct BillingTokenMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization,
            try await BillingTokens.isValid(bearer.token, on: request.db.sql)
        else {
            throw BillingAPIError(status: .unauthorized, message: "a valid bearer token is required")
        }
        return try await next.respond(to: request)
    }
}

/// Turns every failure under the API into JSON, never an HTML page; a 5xx is logged and says nothing more.
struct BillingAPIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let error as BillingAPIError {
            return try render(error)
        } catch let error as BillingIntake.Rejected {
            return try render(BillingAPIError(error.problems))
        } catch let error where Self.isBusy(error) {
            // The database did not get to this request in time (every connection taken, or SQLite's write
            // lock held past its busy timeout); its transaction, if any, was rolled back.
            request.logger.warning("billing api: busy: \(String(reflecting: error))")
            let response = try render(
                BillingAPIError(status: .serviceUnavailable, message: "the portal is busy; nothing was changed"))
            response.headers.replaceOrAdd(name: .retryAfter, value: String(Self.retryAfter))
            return response
        } catch let error as any AbortError {
            let message = error.status == .payloadTooLarge ? "the body is larger than 64 MB" : error.reason
            return try render(BillingAPIError(status: error.status, message: message))
        } catch {
            request.logger.error("billing api: \(String(reflecting: error))")
            return try render(BillingAPIError(status: .internalServerError, message: "internal error"))
        }
    }

    /// Seconds a client waits before sending a request the portal was too busy for.
    static let retryAfter = 5

    static func isBusy(_ error: any Error) -> Bool {
        if error is ConnectionPoolTimeoutError { return true }
        return (error as? SQLiteError)?.reason == .busy
    }

    private func render(_ error: BillingAPIError) throws -> Response {
        var body: [String: JSONValue] = ["error": .string(error.message)]
        if !error.problems.isEmpty {
            body["problems"] = .array(
                error.problems.map { ["path": .string($0.path), "message": .string($0.message)] })
        }
        let response = try BillingAPIController.json(.object(body), status: error.status)
        if error.status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        return response
    }
}
