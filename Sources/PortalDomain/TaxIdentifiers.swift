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

    /// Whether `bik` has the form of a БИК: 9 digits starting with 04.
    public static func isValidBIK(_ bik: String) -> Bool {
        guard let digits = digitsOf(bik) else { return false }
        return digits.count == 9 && digits[0] == 0 && digits[1] == 4
    }

    /// Whether a 20-digit settlement account (расчетный счет) matches its bank's БИК: the last three digits of
    /// the БИК followed by the account, weighted 7, 1, 3, repeated, sum to a multiple of 10.
    public static func isValidSettlementAccount(_ account: String, bik: String) -> Bool {
        guard isValidBIK(bik), let digits = digitsOf(account), digits.count == 20 else { return false }
        return accountKeySum(Array(bik.suffix(3)), digits) % 10 == 0
    }

    /// Whether a 20-digit correspondent account (корр. счет) matches the БИК: «0» and the 5th–6th digits of the
    /// БИК followed by the account, with the same weights.
    public static func isValidCorrespondentAccount(_ account: String, bik: String) -> Bool {
        guard isValidBIK(bik), let digits = digitsOf(account), digits.count == 20 else { return false }
        let chars = Array(bik)
        return accountKeySum(["0", chars[4], chars[5]], digits) % 10 == 0
    }

    /// The account with its control digit (the 9th) set so that it matches the БИК; `prefix` is "0" plus the
    /// БИК's 5th–6th digits for a correspondent account, or the БИК's last three digits for a settlement one.
    public static func withControlDigit(_ account: String, prefix: [Character]) -> String {
        var chars = Array(account)
        guard chars.count == 20 else { return account }
        chars[8] = "0"
        let sum = accountKeySum(prefix, digitsOf(String(chars)) ?? [])
        // The 9th digit of the account is the 12th of the 23, weight 3: find d with (sum + 3d) % 10 == 0.
        let digit = (0...9).first { (sum + 3 * $0) % 10 == 0 } ?? 0
        chars[8] = Character(String(digit))
        return String(chars)
    }

    private static func accountKeySum(_ prefix: [Character], _ digits: [Int]) -> Int {
        let all = prefix.compactMap(\.wholeNumberValue) + digits
        let weights = [7, 1, 3]
        return all.enumerated().reduce(0) { $0 + ($1.element * weights[$1.offset % 3]) % 10 }
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
