import Testing

@testable import PortalDomain

@Suite struct AmountInWordsTests {
    @Test(
        arguments: [
            (0, "Ноль рублей 00 копеек"),
            (1, "Ноль рублей 01 копейка"),
            (100, "Один рубль 00 копеек"),
            (222, "Два рубля 22 копейки"),
            (1_105, "Одиннадцать рублей 05 копеек"),
            (2_111, "Двадцать один рубль 11 копеек"),
            (123_456, "Одна тысяча двести тридцать четыре рубля 56 копеек"),
            (200_000, "Две тысячи рублей 00 копеек"),
            (1_500_000, "Пятнадцать тысяч рублей 00 копеек"),
            (2_104_300_00, "Два миллиона сто четыре тысячи триста рублей 00 копеек"),
            (1_000_000_000_00, "Один миллиард рублей 00 копеек"),
            (-5_00, "Минус пять рублей 00 копеек"),
        ] as [(Int64, String)])
    func amountsReadAsDocumentsWriteThem(kopecks: Int64, words: String) {
        #expect(AmountInWords.roubles(Money(kopecks: kopecks)) == words)
    }

    @Test func theLargestAmountsDoNotTrap() {
        #expect(AmountInWords.roubles(Money(kopecks: .max)).hasPrefix("Девяносто два квадриллиона"))
        #expect(AmountInWords.roubles(Money(kopecks: .min)).hasPrefix("Минус девяносто два квадриллиона"))
    }

    @Test func nounsAgreeWithNumbers() {
        let forms = [1, 2, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1_000_001].map {
            AmountInWords.plural(UInt64($0), "рубль", "рубля", "рублей")
        }
        #expect(
            forms == [
                "рубль", "рубля", "рублей", "рублей", "рублей", "рублей", "рубль", "рубля", "рублей", "рубль", "рублей",
                "рубль",
            ])
    }
}
