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
        let sign = kopecks < 0 ? "−" : ""
        let absolute = kopecks.magnitude
        let roubles = absolute / 100
        let cents = absolute % 100
        return sign + Self.group(roubles) + "," + (cents < 10 ? "0" : "") + String(cents) + "\u{00A0}₽"
    }

    /// The amount without grouping or sign of currency, as typed into a field or sent to an API:
    /// `1234,50` with a comma, `1234.50` with a point.
    public func plain(separator: String) -> String {
        String(kopecks / 100) + separator + BillingPeriod.padded(Int(kopecks.magnitude % 100), 2)
    }

    static func group(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "\u{202F}" }
            out.append(digit)
        }
        return out
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
