import Crypto
import Foundation
import Markup
import Vapor

/// Refuses an unsafe request (POST, PUT, PATCH, DELETE) unless it comes from the portal's own pages:
/// the browser's `Sec-Fetch-Site` / `Origin` must name this origin, and the form's `_csrf` field (or the
/// `X-CSRF-Token` header) must equal the session's token (for an unsaved session, the token derived from its
/// cookie's).
///
/// Paths under `exemptPrefixes` are machine APIs authenticated by bearer tokens or signatures, never by cookies.
struct CSRFMiddleware: AsyncMiddleware {
    static let fieldName = "_csrf"
    static let headerName = "X-CSRF-Token"
    /// The key of a route's `userInfo` that holds its own body limit in bytes (an upload's); every other
    /// route's body is limited to the routes' default (`configure`), before anything reads it.
    static let bodyLimitKey = "lkk.bodyLimit"

    /// How much of `request`'s body may be read: its route's own limit, else the routes' default.
    static func bodyLimit(_ request: Request) -> Int {
        (request.route?.userInfo[bodyLimitKey] as? Int) ?? request.application.routes.defaultMaxBodySize.value
    }
    /// The sandbox acquirer's pages stand for another site: its forms carry no portal token (the payment id
    /// in the address is their key).
    /// `/admin/` has sessions of its own: `StaffSessionMiddleware` runs the same check with its token.
    var exemptPrefixes: [String] = ["/api/", "/sandbox-acquirer/", "/admin/"]

    enum Failure: String {
        case foreignOrigin, missingSession, badToken
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard Self.isUnsafe(request.method), !exemptPrefixes.contains(where: { request.url.path.hasPrefix($0) }) else {
            return try await next.respond(to: request)
        }
        if let failure = try await Self.check(request, expected: request.sessions.expectedCSRFToken) {
            request.logger.notice("CSRF refused: \(failure.rawValue) \(request.method) \(request.url.path)")
            return try await ErrorPages.render(status: .forbidden, for: request)
        }
        return try await next.respond(to: request)
    }

    static func isUnsafe(_ method: HTTPMethod) -> Bool {
        !(method == .GET || method == .HEAD || method == .OPTIONS)
    }

    /// Checks the request's origin and that its form (or header) carries `expected`.
    static func check(_ request: Request, expected: String?) async throws -> Failure? {
        if let site = request.headers.first(name: "Sec-Fetch-Site"), site != "same-origin" && site != "none" {
            return .foreignOrigin
        }
        if let origin = request.headers.first(name: .origin), origin != Self.expectedOrigin(request) {
            return .foreignOrigin
        }
        guard let expected else { return .missingSession }
        var sent = request.headers.first(name: Self.headerName)
        if sent == nil {
            if request.body.data == nil {
                _ = try await request.body.collect(max: Self.bodyLimit(request)).get()
            }
            if request.headers.contentType == .urlEncodedForm, let body = request.body.data {
                // Only the token is read here; the route decodes the form itself.
                sent = body.withUnsafeReadableBytes { URLQuery.formValue(named: Self.fieldName, in: $0) }
            } else {
                sent = try? request.content.get(String.self, at: Self.fieldName)
            }
        }
        guard let sent, Self.constantTimeEquals(sent, expected) else { return .badToken }
        return nil
    }

    /// The configured base URL's origin, or this request's own when none is configured.
    static func expectedOrigin(_ request: Request) -> String {
        if let origin = request.portal.config.baseOrigin { return origin }
        let scheme = request.portal.config.secureCookies ? "https" : "http"
        return "\(scheme)://\(request.headers.first(name: .host) ?? "")"
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
