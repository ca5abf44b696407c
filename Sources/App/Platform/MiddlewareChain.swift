import Foundation
import Vapor

/// The portal's middlewares, run one after another inside the request's one task.
///
/// Vapor runs every `AsyncMiddleware` installed on its own in a new task and hands it the rest of the chain
/// as a future, which the middleware awaits again: a task, a promise and two hops through the event loop's
/// queue for each of them, and once more for the route's handler (a signed-in page went through
/// nine). Here the middlewares call each other directly, and the route's handler is awaited in place when it
/// is an async one, as every page's is; anything else (a route group's own middlewares) is awaited through
/// its future. Errors thrown anywhere reach the middlewares before them exactly as with Vapor's chaining.
struct MiddlewareChain: AsyncMiddleware {
    let middlewares: [any AsyncMiddleware]

    init(_ middlewares: [any AsyncMiddleware]) {
        self.middlewares = middlewares
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await Link(rest: middlewares[...], last: next).respond(to: request)
    }

    /// Vapor's entry into the chain: one task for the whole request.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let last: any AsyncResponder = (next as? any AsyncResponder) ?? AwaitedResponder(responder: next)
        let promise = request.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask { try await Link(rest: middlewares[...], last: last).respond(to: request) }
        return promise.futureResult
    }

    /// The rest of the chain from one middleware on.
    private struct Link: AsyncResponder {
        let rest: ArraySlice<any AsyncMiddleware>
        let last: any AsyncResponder

        func respond(to request: Request) async throws -> Response {
            guard let first = rest.first else { return try await last.respond(to: request) }
            return try await first.respond(to: request, chainingTo: Link(rest: rest.dropFirst(), last: last))
        }
    }

    /// A responder that only has Vapor's future-returning entry, awaited.
    private struct AwaitedResponder: AsyncResponder {
        let responder: any Responder

        func respond(to request: Request) async throws -> Response {
            try await responder.respond(to: request).get()
        }
    }
}

/// Vapor's `FileMiddleware` for the public folder, asked only about paths that can name one of its files.
///
/// `FileMiddleware` asks the file system about every path, pages included, and does so on NIO's thread pool:
/// a hop to another thread and back for each request. The public folder's top-level names (`css`,
/// `js`, `icons`) are read once here; a path starting with one of them, or with anything `FileMiddleware`
/// refuses by itself (a `%` escape it cannot decode, `..`), still goes to it, so files are served and bad
/// paths refused as before.
struct PublicFilesMiddleware: AsyncMiddleware {
    let files: FileMiddleware
    /// The names at the top of the public folder.
    let topLevel: Set<Substring>

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory + "/", defaultFile: nil)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: publicDirectory)) ?? []
        topLevel = Set(names.map { Substring($0) })
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard mayNameAFile(request.url.path) else { return try await next.respond(to: request) }
        return try await files.respond(to: request, chainingTo: next)
    }

    func mayNameAFile(_ path: String) -> Bool {
        if path.contains("%") || path.contains("..") { return true }
        let trimmed = path.drop { $0 == "/" }
        let first = trimmed.prefix { $0 != "/" }
        return topLevel.contains(first)
    }
}
