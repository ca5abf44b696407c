import Foundation

/// Register readings as people type them, and the consumption they imply (manual §5.2; RD-2, RD-3).
public enum RegisterReading {
    /// Why a typed reading was refused; `message` is shown next to the field.
    public enum Problem: Error, Equatable, Sendable {
        case empty
        case notANumber
        case tooManyDecimals
        case negative
        case beyondRegister(digits: Int)
        case belowPrevious

        public var message: String {
            switch self {
            case .empty: "Заполните поле"
            case .notANumber: "Введите число, например 12345,67"
            case .tooManyDecimals: "Не более трех знаков после запятой"
            case .negative: "Показания не могут быть отрицательными"
            case .beyondRegister(let digits): "Счетчик показывает не более \(digits) цифр до запятой"
            case .belowPrevious:
                "Меньше предыдущих показаний. Если счетчик перешел через ноль, подтвердите переход"
            }
        }
    }

    /// Reads a value typed with a comma or a point, up to three decimals, that fits a register of `digits`
    /// digits before the decimal point; returns thousandths.
    public static func parse(_ input: String, digits: Int) -> Result<Int64, Problem> {
        let cleaned = input.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" }
        guard !cleaned.isEmpty else { return .failure(.empty) }
        if cleaned.first == "-" || cleaned.first == "−" { return .failure(.negative) }
        var whole = Substring(cleaned)
        var fraction: Substring = ""
        if let separator = cleaned.firstIndex(where: { $0 == "," || $0 == "." }) {
            whole = cleaned[..<separator]
            fraction = cleaned[cleaned.index(after: separator)...]
        }
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return .failure(.notANumber) }
        guard fraction.count <= 3 else { return .failure(.tooManyDecimals) }
        let significant = whole.drop { $0 == "0" }
        guard significant.count <= digits, significant.count <= 15 else {
            return .failure(.beyondRegister(digits: digits))
        }
        let units = Int64(significant.isEmpty ? "0" : String(significant)) ?? 0
        let thousandths = Int64(fraction + String(repeating: "0", count: 3 - fraction.count)) ?? 0
        return .success(units * 1000 + thousandths)
    }

    /// The register's capacity in thousandths: 10^digits units.
    public static func capacity(digits: Int) -> Int64 {
        var value: Int64 = 1000
        for _ in 0..<min(digits, 15) { value *= 10 }
        return value
    }

    /// Consumption in thousandths of a kWh (or kvarh): (current − previous) × ratio. A current value below the
    /// previous one is refused unless `rollover` is confirmed, when the register counted through its maximum.
    public static func consumption(
        previous: Int64, current: Int64, ratio: Int, digits: Int, rollover: Bool = false
    ) -> Result<Int64, Problem> {
        var delta = current - previous
        if delta < 0 {
            guard rollover else { return .failure(.belowPrevious) }
            delta += capacity(digits: digits)
        }
        return .success(delta * Int64(ratio))
    }

    /// `12345678` thousandths → «12 345,678» (trailing zeros of the fraction dropped, at least the units);
    /// «12345,678» when not `grouped`, as typed into a field.
    public static func formatted(_ thousandths: Int64, grouped: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        if thousandths < 0 { bytes += Money.minus }
        let magnitude = thousandths.magnitude
        Money.appendGrouped(magnitude / 1000, to: &bytes, separator: grouped)
        var fraction = magnitude % 1000
        if fraction > 0 {
            bytes.append(UInt8(ascii: ","))
            var place: UInt64 = 100
            while fraction > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / place))
                fraction %= place
                place /= 10
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The rule for a meter with several zones or kinds of energy: sent for all of its channels or for none
/// (RD-2). Returns the channels left empty when some were filled.
public enum MeterReadingSet {
    public static func missing<Key: Hashable>(typed: [Key: String]) -> [Key] {
        let filled = typed.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !filled.isEmpty, filled.count < typed.count else { return [] }
        return typed.keys.filter { filled[$0] == nil }
    }
}
