import Markup
import Vapor

extension Request {
    /// A query parameter, decoded (`+` as a space); the last of repeated ones wins, as with
    /// `query[String.self, at:]`. One pass over the query's bytes, where Vapor's decoder builds every field
    /// through `Codable` for each parameter asked for (4 % of a «Показания» page).
    func queryValue(_ name: String) -> String? {
        guard let query = url.query else { return nil }
        return URLQuery.formValue(named: name, in: query.utf8, occurrence: .last)
    }

    /// A url-encoded form's fields, decoded in one pass (the last of repeated fields wins, as in Vapor's
    /// decoder); other content types go through Vapor's decoder. A broken escape is a bad request.
    func formFields() throws -> [String: String] {
        guard headers.contentType == .urlEncodedForm, let body = body.data else {
            return try content.decode([String: String].self)
        }
        guard let fields = body.withUnsafeReadableBytes({ URLQuery.fields(in: $0) }) else {
            throw Abort(.badRequest)
        }
        return fields
    }
}
