import Foundation
import TestTools
import Testing

@testable import QRCode

/// Each code is drawn as SVG, turned into PNG by rsvg-convert and read back by zbarimg.
@Suite struct QRCodeTests {
    func decode(_ code: QRCode) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("code.svg")
        let png = folder.appendingPathComponent("code.png")
        try Data(code.svg(title: "QR").utf8).write(to: svg)
        try runTool(["rsvg-convert", "-o", png.path, svg.path])
        let out = try runTool(["zbarimg", "--raw", "-q", "-Sbinary", png.path])
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    @Test func anAuthenticatorURIReadsBack() throws {
        let uri =
            "otpauth://totp/%D0%9B%D0%9A%D0%9A%20%D0%AE%D0%9B:operator%40energosbyt.ru?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=%D0%9B%D0%9A%D0%9A&algorithm=SHA1&digits=6&period=30"
        let code = try QRCode(text: uri)
        #expect(code.version >= 5 && code.version <= 10)
        #expect(try decode(code) == uri)
    }

    @Test(arguments: [1, 10, 14, 20, 26, 42, 60, 84, 106, 122, 152, 180, 213])
    func everyVersionReadsBack(length: Int) throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
        var random = SystemRandomNumberGenerator()
        let text = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
        let code = try QRCode(text: text)
        #expect(code.size == 17 + 4 * code.version)
        #expect(try decode(code) == text, "\(length) bytes, version \(code.version), mask \(code.mask)")
    }

    @Test func cyrillicIsUTF8Bytes() throws {
        let text = "ЛКК ЮЛ: оператор Иванова"
        #expect(try decode(try QRCode(text: text)) == text)
    }

    @Test func tooLongTextIsRefused() {
        #expect(throws: QRCode.Failure.tooLong(bytes: 214)) { try QRCode(text: String(repeating: "x", count: 214)) }
        #expect(throws: Never.self) { try QRCode(text: String(repeating: "x", count: 213)) }
    }

    @Test func reedSolomonMatchesTheStandardsExample() {
        // ISO/IEC 18004 Annex I: "01234567" in version 1-M; its data codewords and their 10 EC codewords.
        let data: [UInt8] = [16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17]
        let ec = ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: 10))
        #expect(ec == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85])
    }
}
