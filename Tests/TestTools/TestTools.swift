import Foundation

/// Runs a command-line tool (qpdf, poppler's tools, zbarimg, rsvg-convert, LibreOffice, Python) for the
/// libraries' tests, in `cwd` if given, and returns its standard output; throws with its standard error when
/// it fails.
@discardableResult
public func runTool(_ arguments: [String], cwd: URL? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = cwd }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolError(
            "\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))"
        )
    }
    return output
}

/// The text a tool printed.
@discardableResult
public func runToolText(_ arguments: [String], cwd: URL? = nil) throws -> String {
    String(decoding: try runTool(arguments, cwd: cwd), as: UTF8.self)
}

public struct ToolError: Error, CustomStringConvertible {
    public let description: String
    public init(_ text: String) { description = text }
}

/// A seeded generator (SplitMix64), so a failing random case can be run again.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
