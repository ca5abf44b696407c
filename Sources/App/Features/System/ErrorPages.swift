import Markup
import Vapor

/// The Russian pages shown for errors, and the middleware that picks them.
enum ErrorPages {
    struct Texts {
        let title: String
        let message: String
    }

    static func texts(_ status: HTTPResponseStatus) -> Texts {
        switch status.code {
        case 404:
            Texts(
                title: "Страница не найдена",
                message: "Такой страницы нет. Возможно, адрес набран с ошибкой или страница была удалена.")
        case 403:
            Texts(
                title: "Действие не выполнено",
                message:
                    "Форма устарела или была отправлена не со страницы личного кабинета. Обновите страницу и повторите действие."
            )
        case 429:
            Texts(
                title: "Слишком много запросов",
                message: "Вы отправили слишком много запросов подряд. Подождите минуту и повторите.")
        case 413: Texts(title: "Слишком большой файл", message: "Размер отправленных данных превышает допустимый.")
        case 400..<500:
            Texts(
                title: "Запрос не выполнен",
                message: "Запрос содержит ошибку. Вернитесь на предыдущую страницу и попробуйте еще раз.")
        default:
            Texts(
                title: "Что-то пошло не так",
                message:
                    "На сервере произошла ошибка. Мы уже знаем о ней. Попробуйте повторить действие через несколько минут."
            )
        }
    }

    static func page(status: HTTPResponseStatus, context: ShellContext) -> HTML {
        let texts = texts(status)
        return Layout.page(
            title: texts.title, context: context,
            content: """
                <section class="error-page">
                <p class="error-code">\(Int(status.code))</p>
                <h1>\(texts.title)</h1>
                <p>\(texts.message)</p>
                <p><a class="button" href="\(SitePath.home.path)">На главную</a></p>
                </section>
                """)
    }

    static func render(status: HTTPResponseStatus, for request: Request) async throws -> Response {
        let context = ShellContext(currentPath: request.url.path, account: nil)
        let response = Response(status: status)
        if request.url.path.hasPrefix("/api/") {
            try response.content.encode(["error": texts(status).title])
        } else {
            response.headers.contentType = .html
            response.body = .init(buffer: ByteBuffer(bytes: page(status: status, context: context).bytes))
        }
        return response
    }
}

/// Turns every error into a page: 404 and the like with their own text, anything unexpected into a 500
/// that shows nothing of the error to the visitor (it goes to the log).
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let abort as AbortError where Self.isRedirect(abort) {
            return Self.redirect(abort)
        } catch let abort as AbortError {
            if abort.status.code >= 500 {
                request.logger.error("\(request.method) \(request.url.path): \(String(reflecting: abort))")
            }
            return try await ErrorPages.render(status: abort.status, for: request)
        } catch {
            request.logger.error("\(request.method) \(request.url.path): \(String(reflecting: error))")
            return try await ErrorPages.render(status: .internalServerError, for: request)
        }
    }

    /// A route sends the browser elsewhere (to sign-in, say) by throwing `Abort.redirect`.
    static func isRedirect(_ abort: any AbortError) -> Bool { (300..<400).contains(abort.status.code) }

    /// The response of a redirect thrown by a route: its status and headers, no page.
    static func redirect(_ abort: any AbortError) -> Response { Response(status: abort.status, headers: abort.headers) }
}
