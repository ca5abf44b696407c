/// Checksums of Russian company identifiers (public rules, see GLOSSARY.md).
public enum TaxIdentifiers {
    /// Whether `inn` is a valid ИНН: 10 digits for a company, 12 for an individual entrepreneur.
    public static func isValidINN(_ inn: String) -> Bool {
        guard let digits = digitsOf(inn) else { return false }
        func check(_ weights: [Int], count: Int) -> Int {
            zip(weights, digits.prefix(count)).reduce(0) { $0 + $1.0 * $1.1 } % 11 % 10
        }
        switch digits.count {
        case 10:
            return check([2, 4, 10, 3, 5, 9, 4, 6, 8], count: 9) == digits[9]
        case 12:
            return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], count: 10) == digits[10]
                && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], count: 11) == digits[11]
        default:
            return false
        }
    }

    /// Whether `ogrn` is a valid ОГРН (13 digits) or ОГРНИП (15 digits).
    public static func isValidOGRN(_ ogrn: String) -> Bool {
        guard let digits = digitsOf(ogrn), digits.count == 13 || digits.count == 15 else { return false }
        let modulus = digits.count == 13 ? 11 : 13
        var remainder = 0
        for digit in digits.dropLast() { remainder = (remainder * 10 + digit) % modulus }
        return remainder % 10 == digits.last
    }

    /// Whether `kpp` has the form of a КПП: 9 characters, digits except positions 5–6 which may be letters.
    public static func isValidKPP(_ kpp: String) -> Bool {
        let chars = Array(kpp)
        guard chars.count == 9 else { return false }
        for (index, char) in chars.enumerated() {
            let allowed =
                (index == 4 || index == 5)
                ? (char.isASCII && (char.isNumber || char.isUppercase)) : (char.isASCII && char.isNumber)
            if !allowed { return false }
        }
        return true
    }

    private static func digitsOf(_ text: String) -> [Int]? {
        var out: [Int] = []
        for char in text {
            guard char.isASCII, let value = char.wholeNumberValue else { return nil }
            out.append(value)
        }
        return out
    }
}
