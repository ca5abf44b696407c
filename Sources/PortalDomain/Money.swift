import Foundation

/// An amount of roubles held exactly, in kopecks.
public struct Money: Sendable, Hashable, Comparable, Codable {
    /// The amount in kopecks.
    public var kopecks: Int64

    public init(kopecks: Int64) { self.kopecks = kopecks }

    public static let zero = Money(kopecks: 0)

    public static func < (a: Money, b: Money) -> Bool { a.kopecks < b.kopecks }
    public static func + (a: Money, b: Money) -> Money { Money(kopecks: a.kopecks + b.kopecks) }
    public static func - (a: Money, b: Money) -> Money { Money(kopecks: a.kopecks - b.kopecks) }

    /// The amount as a person reads it: `12 345,67 ₽` (a narrow no-break space groups thousands).
    public var formatted: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        if kopecks < 0 { bytes += Self.minus }
        let absolute = kopecks.magnitude
        Self.appendGrouped(absolute / 100, to: &bytes)
        let cents = absolute % 100
        bytes += [UInt8(ascii: ","), UInt8(ascii: "0") + UInt8(cents / 10), UInt8(ascii: "0") + UInt8(cents % 10)]
        bytes += Self.roubleSign
        return String(decoding: bytes, as: UTF8.self)
    }

    static let minus = Array("−".utf8)
    static let roubleSign = Array("\u{00A0}₽".utf8)
    static let narrowSpace = Array("\u{202F}".utf8)

    /// The amount without grouping or sign of currency, as typed into a field or sent to an API:
    /// `1234,50` with a comma, `1234.50` with a point.
    public func plain(separator: String) -> String {
        String(kopecks / 100) + separator + BillingPeriod.padded(Int(kopecks.magnitude % 100), 2)
    }

    /// The decimal digits of `value`, thousands parted by a narrow no-break space (`separator`), if any.
    static func appendGrouped(_ value: UInt64, to bytes: inout [UInt8], separator: Bool = true) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for index in stride(from: digits.count - 1, through: 0, by: -1) {
            bytes.append(digits[index])
            if separator && index > 0 && index % 3 == 0 { bytes += narrowSpace }
        }
    }

    /// Why an amount typed by a person was refused.
    public enum ParseError: Error, Equatable, Sendable {
        case empty, notANumber, tooManyDecimals, notPositive, tooLarge

        /// The message shown next to the field.
        public var message: String {
            switch self {
            case .empty: "Введите сумму"
            case .notANumber: "Сумма должна быть числом, например 1500,50"
            case .tooManyDecimals: "Не более двух знаков после запятой"
            case .notPositive: "Сумма должна быть больше нуля"
            case .tooLarge: "Слишком большая сумма"
            }
        }
    }

    /// Reads an amount typed by a person: `1500`, `1 500,5`, `1500.50`. Comma or point; two decimals at most.
    public static func parse(_ input: String) -> Result<Money, ParseError> {
        let cleaned = input.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "₽" }
        guard !cleaned.isEmpty else { return .failure(.empty) }
        var whole = Substring(cleaned)
        var fraction: Substring = ""
        if let separator = cleaned.firstIndex(where: { $0 == "," || $0 == "." }) {
            whole = cleaned[..<separator]
            fraction = cleaned[cleaned.index(after: separator)...]
        }
        if whole.first == "-" || whole.first == "−" { return .failure(.notPositive) }
        guard !(whole.isEmpty && fraction.isEmpty),
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return .failure(.notANumber) }
        guard fraction.count <= 2 else { return .failure(.tooManyDecimals) }
        guard whole.count <= 13 else { return .failure(.tooLarge) }
        let roubles = Int64(whole.isEmpty ? "0" : String(whole)) ?? 0
        let cents = Int64((fraction + String(repeating: "0", count: 2 - fraction.count))) ?? 0
        let total = roubles * 100 + cents
        guard total > 0 else { return .failure(.notPositive) }
        return .success(Money(kopecks: total))
    }
}
