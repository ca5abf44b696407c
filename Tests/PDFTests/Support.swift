import Foundation
import TestTools

/// The text a tool printed (standard output).
@discardableResult
func run(_ arguments: [String]) throws -> String { try runToolText(arguments) }

/// A PDF written to a temporary file, to be read by poppler's and qpdf's tools.
struct WrittenPDF {
    let url: URL

    init(_ data: Data) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pdf-test-\(UUID().uuidString).pdf")
        try data.write(to: url)
    }

    var path: String { url.path }

    /// `qpdf --check`, which exits non-zero on an error and prints warnings.
    func check() throws -> String { try run(["qpdf", "--check", path]) }

    /// The text of the pages `first...last` (all by default) as `pdftotext -layout` reads it back.
    func text(first: Int? = nil, last: Int? = nil, layout: Bool = false) throws -> String {
        var arguments = ["pdftotext", "-enc", "UTF-8"]
        if layout { arguments.append("-layout") }
        if let first { arguments += ["-f", String(first)] }
        if let last { arguments += ["-l", String(last)] }
        return try run(arguments + [path, "-"])
    }

    func info() throws -> String { try run(["pdfinfo", path]) }
    func fonts() throws -> String { try run(["pdffonts", path]) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
