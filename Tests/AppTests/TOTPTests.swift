import Foundation
import Testing

@testable import App

/// TOTP against RFC 6238's test vectors (Appendix B, SHA-1), the window of one step, replays, base32.
@Suite struct TOTPTests {
    let secret = Array("12345678901234567890".utf8)

    @Test(
        arguments: [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ] as [(Int64, String)])
    func rfc6238Vectors(time: Int64, expected: String) {
        let counter = TOTP.counter(at: Date(timeIntervalSince1970: TimeInterval(time)))
        #expect(TOTP.code(secret: secret, counter: counter, digits: 8) == expected)
        #expect(TOTP.code(secret: secret, counter: counter) == String(expected.suffix(6)))
    }

    @Test func oneStepEitherSideIsAcceptedAndAUsedCodeIsNot() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TOTP.counter(at: now)
        let current = TOTP.code(secret: secret, counter: step)
        #expect(TOTP.acceptedStep(current, secret: secret, at: now, lastUsed: nil) == step)
        #expect(TOTP.acceptedStep(current, secret: secret, at: now, lastUsed: step) == nil, "replayed")
        let previous = TOTP.code(secret: secret, counter: step - 1)
        #expect(TOTP.acceptedStep(previous, secret: secret, at: now, lastUsed: nil) == step - 1)
        #expect(TOTP.acceptedStep(previous, secret: secret, at: now, lastUsed: step) == nil, "older than the last used")
        let next = TOTP.code(secret: secret, counter: step + 1)
        #expect(TOTP.acceptedStep(next, secret: secret, at: now, lastUsed: nil) == step + 1)
        let late = TOTP.code(secret: secret, counter: step - 2)
        #expect(TOTP.acceptedStep(late, secret: secret, at: now, lastUsed: nil) == nil, "two steps old")
        #expect(
            TOTP.acceptedStep(" \(current.prefix(3)) \(current.suffix(3)) ", secret: secret, at: now, lastUsed: nil)
                == step)
        for junk in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            #expect(TOTP.acceptedStep(junk, secret: secret, at: now, lastUsed: nil) == nil, "\(junk)")
        }
    }

    @Test func base32RoundTripsAndKnowsRFC4648() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW 6YTB OI======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
        for _ in 0..<50 {
            let bytes = TOTP.newSecret()
            #expect(bytes.count == 20)
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
    }

    @Test func theURIIsWhatAuthenticatorsRead() {
        let uri = TOTP.uri(
            secret: Array("12345678901234567890".utf8), account: "ivanova@energosbyt.ru", issuer: "ЛКК ЮЛ")
        #expect(uri.hasPrefix("otpauth://totp/%D0%9B%D0%9A%D0%9A%20%D0%AE%D0%9B%3Aivanova@energosbyt.ru?secret="))
        #expect(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"))
        #expect(uri.hasSuffix("&algorithm=SHA1&digits=6&period=30"))
    }
}
