import Vapor

/// Headers every response carries (ARCHITECTURE.md, security defaults).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    let hsts: Bool

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
        "base-uri 'none'", "object-src 'none'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = [
            ("Content-Security-Policy", Self.contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers where !response.headers.contains(name: name) {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        if hsts {
            response.headers.replaceOrAdd(
                name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        if Self.isHTML(response.headers), !response.headers.contains(name: .cacheControl) {
            // Pages carry personal data: never kept by shared caches or the back button.
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }

    /// Whether `Content-Type` is `text/html` (with or without parameters), read from the header's bytes: Vapor's
    /// `contentType` parses the whole value, parameters included, into a new media type on every call, which
    /// was 2.5 % of the portal's CPU on «Оплата».
    static func isHTML(_ headers: HTTPHeaders) -> Bool {
        guard let value = headers.first(name: .contentType) else { return false }
        let html = "text/html".utf8
        var bytes = value.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard bytes.count >= html.count,
            zip(bytes.prefix(html.count), html).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return false }
        bytes = bytes.dropFirst(html.count)
        return bytes.first.map { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            ?? true
    }
}
