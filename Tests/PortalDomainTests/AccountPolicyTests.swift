import Foundation
import PortalDomain
import Testing

@Suite struct OneTimeCodeTests {
    let issued = Date(timeIntervalSince1970: 1_795_900_000)

    @Test func codesAreSixDigitsAndVary() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let code = OneTimeCodePolicy.generate()
            #expect(code.count == 6)
            #expect(code.allSatisfy { $0.isASCII && $0.isNumber })
            seen.insert(code)
        }
        #expect(seen.count > 190)
    }

    @Test func rightCodeIsAcceptedOnce() {
        let (verdict, state) = OneTimeCodePolicy.check(matches: true, state: .init(issuedAt: issued), now: issued + 60)
        #expect(verdict == .accepted)
        #expect(OneTimeCodePolicy.check(matches: true, state: state, now: issued + 61).0 == .alreadyUsed)
    }

    @Test func fiveWrongTriesBurnTheCode() {
        var state = OneTimeCodePolicy.State(issuedAt: issued)
        var verdicts: [OneTimeCodePolicy.Verdict] = []
        for _ in 0..<5 {
            let result = OneTimeCodePolicy.check(matches: false, state: state, now: issued + 10)
            verdicts.append(result.0)
            state = result.1
        }
        #expect(
            verdicts == [
                .wrong(remaining: 4), .wrong(remaining: 3), .wrong(remaining: 2), .wrong(remaining: 1), .burned,
            ])
        #expect(OneTimeCodePolicy.check(matches: true, state: state, now: issued + 11).0 == .burned)
        #expect(OneTimeCodePolicy.Verdict.wrong(remaining: 2).message == "Неверный код. Осталось попыток: 2.")
    }

    @Test func codeExpiresAfterFifteenMinutes() {
        #expect(
            OneTimeCodePolicy.check(matches: true, state: .init(issuedAt: issued), now: issued + 900).0 == .accepted)
        #expect(OneTimeCodePolicy.check(matches: true, state: .init(issuedAt: issued), now: issued + 901).0 == .expired)
    }

    @Test func resendOnceAMinute() {
        #expect(OneTimeCodePolicy.resendWait(lastSentAt: nil, now: issued) == 0)
        #expect(OneTimeCodePolicy.resendWait(lastSentAt: issued, now: issued + 20) == 40)
        #expect(OneTimeCodePolicy.resendWait(lastSentAt: issued, now: issued + 59.5) == 1)
        #expect(OneTimeCodePolicy.resendWait(lastSentAt: issued, now: issued + 60) == 0)
    }

    @Test func typedCodesAreNormalized() {
        #expect(OneTimeCodePolicy.normalize(" 123 456 ") == "123456")
        #expect(OneTimeCodePolicy.normalize("123-456") == "123456")
        #expect(OneTimeCodePolicy.normalize("12345") == nil)
        #expect(OneTimeCodePolicy.normalize("12345a") == nil)
        #expect(OneTimeCodePolicy.normalize("١٢٣٤٥٦") == nil)
    }
}

@Suite struct PasswordPolicyTests {
    let common: Set<String> = ["password", "qwerty123", "12345678"]

    func problem(_ password: String, repeated: String? = nil, email: String? = nil) -> PasswordPolicy.Problem? {
        PasswordPolicy.problem(password, repeated: repeated, email: email) { common.contains($0) }
    }

    @Test func rules() {
        #expect(problem("Короткий") == nil, "8 Cyrillic characters are enough")
        #expect(problem("Коротко") == .tooShort)
        #expect(problem(String(repeating: "ж", count: 128)) == nil)
        #expect(problem(String(repeating: "ж", count: 129)) == .tooLong)
        #expect(problem("PassWord") == .common, "common passwords are compared without case")
        #expect(problem("12345678") == .common)
        #expect(problem("buhgalter", email: "Buhgalter@romashka.ru") == .sameAsEmail)
        #expect(problem("buhgalter@romashka.ru", email: "buhgalter@romashka.ru") == .sameAsEmail)
        #expect(problem("верный-пароль-1", repeated: "верный-пароль-2") == .mismatch)
        #expect(problem("верный-пароль-1", repeated: "верный-пароль-1") == nil)
        #expect(problem("  пробелы тоже  ") == nil, "any characters are allowed")
        #expect(PasswordPolicy.Problem.tooShort.message == "Пароль должен содержать не менее 8 символов")
    }
}

@Suite struct ContactTests {
    @Test func emails() {
        #expect(EmailAddress.normalize("  Buh@Romashka.RU ") == "buh@romashka.ru")
        #expect(EmailAddress.normalize("бухгалтер@ромашка.рф") == "бухгалтер@ромашка.рф")
        for bad in [
            "", "buh", "buh@", "@romashka.ru", "buh@romashka", "b uh@romashka.ru", "buh@@romashka.ru",
            "buh@romashka..ru",
            "<buh@romashka.ru>",
        ] {
            #expect(EmailAddress.normalize(bad) == nil, "\(bad)")
        }
    }

    @Test func phones() {
        #expect(PhoneNumber.normalize("8 (343) 123-45-67") == "+73431234567")
        #expect(PhoneNumber.normalize("+7 343 1234567") == "+73431234567")
        #expect(PhoneNumber.normalize("3431234567") == "+73431234567")
        #expect(PhoneNumber.normalize("123") == nil)
        #expect(PhoneNumber.normalize("9431234567x") == nil)
        #expect(PhoneNumber.normalize("+1 343 123 45 67 8") == nil)
        #expect(PhoneNumber.formatted("+73431234567") == "+7 (343) 123-45-67")
    }
}
