import PortalDomain
import Testing

@Suite struct MoneyTests {
    @Test func formatsWithGroupsAndComma() {
        #expect(Money(kopecks: 1_234_567).formatted == "12\u{202F}345,67\u{00A0}₽")
        #expect(Money(kopecks: 5).formatted == "0,05\u{00A0}₽")
        #expect(Money(kopecks: 100_000_000).formatted == "1\u{202F}000\u{202F}000,00\u{00A0}₽")
        #expect(Money(kopecks: -150).formatted == "−1,50\u{00A0}₽")
        #expect(Money(kopecks: 0).formatted == "0,00\u{00A0}₽")
        #expect(Money(kopecks: 99_999).formatted == "999,99\u{00A0}₽")
        #expect(Money(kopecks: 100_000).formatted == "1\u{202F}000,00\u{00A0}₽")
        #expect(Money(kopecks: -123_456_789).formatted == "−1\u{202F}234\u{202F}567,89\u{00A0}₽")
        #expect(
            Money(kopecks: .min).formatted == "−92\u{202F}233\u{202F}720\u{202F}368\u{202F}547\u{202F}758,08\u{00A0}₽")
    }

    @Test(
        arguments: [
            ("1500", 150_000), ("1500,5", 150_050), ("1500.50", 150_050), ("1 500,05", 150_005), (",5", 50),
            ("0,01", 1), ("1 234,50", 123_450), ("1234.5", 123_450), ("1\u{00A0}234,50 ₽", 123_450),
        ] as [(String, Int64)])
    func parsesTypedAmounts(input: String, kopecks: Int64) throws {
        #expect(try Money.parse(input).get() == Money(kopecks: kopecks))
    }

    @Test(
        arguments: [
            ("", Money.ParseError.empty), ("abc", .notANumber), ("1,234", .tooManyDecimals), ("0", .notPositive),
            ("-5", .notPositive), ("-1", .notPositive), ("10,505", .tooManyDecimals), ("1.2.3", .notANumber),
            ("99999999999999", .tooLarge), ("1e5", .notANumber),
        ] as [(String, Money.ParseError)])
    func refusesBadAmounts(input: String, error: Money.ParseError) {
        #expect(Money.parse(input) == .failure(error))
        #expect(!error.message.isEmpty)
    }

    @Test func arithmeticIsExact() {
        var total = Money.zero
        for _ in 0..<10 { total = total + Money(kopecks: 10) }
        #expect(total == Money(kopecks: 100))
        #expect(Money(kopecks: 30) - Money(kopecks: 10) == Money(kopecks: 20))
    }
}
