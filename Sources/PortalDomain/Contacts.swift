import Foundation

/// E-mail addresses as the portal stores them: trimmed and lower-cased.
public enum EmailAddress {
    /// `nil` when `input` does not look like an address (one `@`, a dot in the domain, no spaces).
    public static func normalize(_ input: String) -> String? {
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, trimmed.count <= 254 else { return nil }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            return nil
        }
        guard
            !trimmed.unicodeScalars.contains(where: { $0.value <= 0x20 || "<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else { return nil }
        return trimmed
    }

    public static let invalidMessage = "Введите адрес электронной почты, например buh@company.ru"
}

/// Russian phone numbers, stored as `+7XXXXXXXXXX`.
public enum PhoneNumber {
    /// Accepts `8 (343) 123-45-67`, `+7 343 1234567`, `3431234567`.
    public static func normalize(_ input: String) -> String? {
        let digits = input.filter { $0.isASCII && $0.isNumber }
        let allowed = input.allSatisfy { ($0.isASCII && $0.isNumber) || " +-()".contains($0) }
        guard allowed else { return nil }
        switch digits.count {
        case 10: return "+7" + digits
        case 11 where digits.hasPrefix("7") || digits.hasPrefix("8"): return "+7" + digits.dropFirst()
        default: return nil
        }
    }

    /// `+7 (343) 123-45-67`
    public static func formatted(_ stored: String) -> String {
        let digits = Array(stored.filter(\.isNumber))
        guard digits.count == 11 else { return stored }
        let s = digits.map(String.init)
        return "+7 (\(s[1...3].joined())) \(s[4...6].joined())-\(s[7...8].joined())-\(s[9...10].joined())"
    }

    public static let invalidMessage = "Введите номер телефона из 10 цифр, например +7 (343) 123-45-67"
}
