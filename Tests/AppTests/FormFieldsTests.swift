import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

/// `Request.formFields()` and `Request.queryValue(_:)` read forms and queries in one pass; they must
/// read them as Vapor's decoder did.
@Suite struct FormFieldsTests {
    func post(_ world: TestWorld, _ body: String, contentType: HTTPMediaType = .urlEncodedForm) async throws
        -> (HTTPStatus, String)
    {
        let (cookie, token) = try await world.openForm()
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cookie, value: "lkk_session=\(cookie)")
        headers.replaceOrAdd(name: "X-CSRF-Token", value: token)
        headers.contentType = contentType
        var result = (HTTPStatus.ok, "")
        try await world.app.testing().test(.POST, "test/fields", headers: headers, body: ByteBuffer(string: body)) {
            res async in result = (res.status, res.body.string)
        }
        return result
    }

    @Test func aFormIsReadAsVaporsDecoderReadsIt() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            for body in [
                "contract=74070100000001&v_6131=12%2C5&q=%D0%A2%D0%9F+14",
                "a=1&a=2&b=", "%5Fcsrf=x&x%20y=%2B",
            ] {
                let (status, text) = try await post(world, body)
                #expect(status == .ok, "\(body)")
                #expect(text.hasPrefix("same"), "\(body): \(text.prefix(60))")
            }
            let (_, repeated) = try await post(world, "a=1&b=2&b=3")
            #expect(repeated == "same 2")
            // No body at all is refused as Vapor's decoder refuses it.
            let (empty, _) = try await post(world, "")
            #expect(empty == .unprocessableEntity)
            // Another content type goes to Vapor's decoder.
            let (status, text) = try await post(world, #"{"a":"1"}"#, contentType: .json)
            #expect(status == .ok && text == "same 1")
        }
    }

    @Test func aBrokenEscapeOrAFieldWithoutAValueIsABadRequest() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            for body in ["a=%zz", "a=1&b=%2", "a=%FF", "a=1&flag"] {
                let (status, _) = try await post(world, body)
                #expect(status == .badRequest, "\(body)")
            }
        }
    }

    @Test func aQueryParameterIsReadAsVaporsDecoderReadsIt() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            for query in [
                "contract=74070100000001&page=2", "q=%D0%A2%D0%9F+14&q=%D0%A0%D0%9F", "page=1&page=3&contract=",
                "contract", "", "none=%2B%26",
            ] {
                try await world.app.testing().test(.GET, "test/query?\(query)") { res async in
                    #expect(res.status == .ok)
                    #expect(res.body.string == "same", "\(query): \(res.body.string)")
                }
            }
        }
    }
}
