import PortalDomain
import Testing

@Suite struct ReadingTests {
    @Test func typedValuesWithCommaOrPoint() {
        #expect(RegisterReading.parse("12345,678", digits: 6) == .success(12_345_678))
        #expect(RegisterReading.parse("12345.6", digits: 6) == .success(12_345_600))
        #expect(RegisterReading.parse(" 12 345 ", digits: 6) == .success(12_345_000))
        #expect(RegisterReading.parse("0", digits: 6) == .success(0))
        #expect(RegisterReading.parse(",5", digits: 6) == .success(500))
        #expect(RegisterReading.parse("000123", digits: 3) == .success(123_000), "leading zeros are not digits")
    }

    @Test func refusedValues() {
        #expect(RegisterReading.parse("", digits: 6) == .failure(.empty))
        #expect(RegisterReading.parse("abc", digits: 6) == .failure(.notANumber))
        #expect(RegisterReading.parse("1,2,3", digits: 6) == .failure(.notANumber))
        #expect(RegisterReading.parse("1.2345", digits: 6) == .failure(.tooManyDecimals))
        #expect(RegisterReading.parse("-5", digits: 6) == .failure(.negative))
        #expect(RegisterReading.parse("1000000", digits: 6) == .failure(.beyondRegister(digits: 6)))
        #expect(RegisterReading.parse("999999,999", digits: 6) == .success(999_999_999))
        #expect(RegisterReading.Problem.empty.message == "Заполните поле")
    }

    @Test func consumptionWithRatioAndRollover() {
        // (12 445,678 − 12 345,678) × 40 = 4 000 kWh
        #expect(
            RegisterReading.consumption(previous: 12_345_678, current: 12_445_678, ratio: 40, digits: 6)
                == .success(4_000_000))
        #expect(
            RegisterReading.consumption(previous: 999_990_000, current: 10_000, ratio: 40, digits: 6)
                == .failure(.belowPrevious))
        // Through the maximum: 999 990 → 1 000 000 ≡ 0 → 10 is 20 units, × 40 = 800 kWh.
        #expect(
            RegisterReading.consumption(previous: 999_990_000, current: 10_000, ratio: 40, digits: 6, rollover: true)
                == .success(800_000))
        #expect(RegisterReading.consumption(previous: 5_000, current: 5_000, ratio: 1, digits: 6) == .success(0))
    }

    @Test func formatting() {
        #expect(RegisterReading.formatted(12_345_678) == "12\u{202F}345,678")
        #expect(RegisterReading.formatted(4_000_000) == "4\u{202F}000")
        #expect(RegisterReading.formatted(500) == "0,5")
        #expect(RegisterReading.formatted(1_050) == "1,05")
        #expect(RegisterReading.formatted(1_007) == "1,007")
        #expect(RegisterReading.formatted(0) == "0")
        #expect(RegisterReading.formatted(-2_500) == "−2,5")
        #expect(RegisterReading.formatted(123_456_789_010, grouped: false) == "123456789,01", "as typed into a field")
    }

    @Test func aMeterIsSentForAllItsChannelsOrNone() {
        #expect(MeterReadingSet.missing(typed: ["day": "", "night": ""]).isEmpty)
        #expect(MeterReadingSet.missing(typed: ["day": "1", "night": "2"]).isEmpty)
        #expect(MeterReadingSet.missing(typed: ["day": "1", "night": " "]) == ["night"])
        #expect(
            Set(MeterReadingSet.missing(typed: ["peak": "1", "halfPeak": "", "night": ""])) == ["halfPeak", "night"])
    }
}
