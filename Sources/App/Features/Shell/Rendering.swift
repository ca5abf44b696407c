import Markup
import PortalDomain
import Vapor

extension HTML {
    /// A `text/html` response with this markup.
    func response(status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: status, headers: headers, body: .init(buffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// Dates and times as the supplier's customers read them, in its time zone.
    var dates: RussianDateFormat { RussianDateFormat(timeZone: portal.config.timeZone) }

    /// The shell for this request.
    var shellContext: ShellContext {
        var context = ShellContext(
            currentPath: url.path,
            account: account.map {
                ShellContext.Account(
                    displayName: $0.shortName, unreadNotifications: sessions.unreadNotifications,
                    unreadAppeals: $0.unreadAppeals,
                    emailConfirmed: $0.emailConfirmed)
            },
            csrf: sessions.current?.csrfToken)
        context.banners = storage[NotificationBannersKey.self] ?? []
        let config = portal.config
        context.testPayments = config.mode == .production && config.sandboxPayments
        return context
    }
}

extension Response {
    /// An `.xlsx` download; `disposition` is the whole Content-Disposition value.
    static func xlsx(_ data: Data, disposition: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(
            name: .contentType, value: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.replaceOrAdd(name: .contentDisposition, value: disposition)
        return response
    }
}
