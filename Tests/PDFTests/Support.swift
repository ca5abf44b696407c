import Foundation

/// Runs a command and returns its standard output and error; throws when it exits with a failure.
@discardableResult
func run(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: output, as: UTF8.self) + String(decoding: errors, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ToolError("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
    }
    return text
}

struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

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

/// A seeded generator, so a failing random case can be run again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
