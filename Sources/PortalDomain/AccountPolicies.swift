import Foundation

/// One-time codes sent by e-mail (AUTH-6): 6 digits, 15 minutes, 5 tries, resent at most once a minute.
public enum OneTimeCodePolicy {
    public static let length = 6
    public static let lifetime: TimeInterval = 15 * 60
    public static let maxAttempts = 5
    public static let resendInterval: TimeInterval = 60

    /// Six random digits. `SystemRandomNumberGenerator` reads the kernel's secure generator.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// What is known about an issued code.
    public struct State: Sendable, Equatable {
        public var issuedAt: Date
        public var failedAttempts: Int
        public var used: Bool

        public init(issuedAt: Date, failedAttempts: Int = 0, used: Bool = false) {
            self.issuedAt = issuedAt
            self.failedAttempts = failedAttempts
            self.used = used
        }
    }

    public enum Verdict: Sendable, Equatable {
        case accepted
        /// Wrong; this many tries are left.
        case wrong(remaining: Int)
        case expired
        /// Too many wrong tries: the code no longer works.
        case burned
        case alreadyUsed

        /// The message next to the code field.
        public var message: String? {
            switch self {
            case .accepted: nil
            case .wrong(let remaining): "Неверный код. Осталось попыток: \(remaining)."
            case .expired: "Срок действия кода истек. Нажмите «Отправить повторно»."
            case .burned: "Код введен неверно слишком много раз. Нажмите «Отправить повторно»."
            case .alreadyUsed: "Этот код уже использован. Нажмите «Отправить повторно»."
            }
        }
    }

    /// Judges an entry. `matches` says whether the entered code equals the issued one; the caller then
    /// stores the returned state.
    public static func check(matches: Bool, state: State, now: Date) -> (Verdict, State) {
        var next = state
        if state.used { return (.alreadyUsed, state) }
        if state.failedAttempts >= maxAttempts { return (.burned, state) }
        if now.timeIntervalSince(state.issuedAt) > lifetime { return (.expired, state) }
        if matches {
            next.used = true
            return (.accepted, next)
        }
        next.failedAttempts += 1
        let remaining = maxAttempts - next.failedAttempts
        return (remaining > 0 ? .wrong(remaining: remaining) : .burned, next)
    }

    /// Whether a new code may be sent, and if not, in how many seconds.
    public static func resendWait(lastSentAt: Date?, now: Date) -> Int {
        guard let lastSentAt else { return 0 }
        let wait = resendInterval - now.timeIntervalSince(lastSentAt)
        return wait > 0 ? Int(wait.rounded(.up)) : 0
    }

    /// Only six digits; spaces a person may type between groups are ignored.
    public static func normalize(_ input: String) -> String? {
        let digits = input.filter { !$0.isWhitespace && $0 != "-" }
        guard digits.count == length, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }
}

/// Passwords (AUTH-6): 8 to 128 characters of any kind, not a common password, not the e-mail itself.
public enum PasswordPolicy {
    public static let minLength = 8
    public static let maxLength = 128

    public enum Problem: Sendable, Equatable {
        case tooShort, tooLong, common, sameAsEmail, mismatch

        public var message: String {
            switch self {
            case .tooShort: "Пароль должен содержать не менее 8 символов"
            case .tooLong: "Пароль должен содержать не более 128 символов"
            case .common: "Этот пароль слишком распространен и легко подбирается. Придумайте другой"
            case .sameAsEmail: "Пароль не должен совпадать с адресом электронной почты"
            case .mismatch: "Пароли не совпадают"
            }
        }
    }

    /// The first problem with `password`, or `nil` when it is acceptable.
    public static func problem(
        _ password: String, repeated: String? = nil, email: String? = nil, isCommon: (String) -> Bool
    ) -> Problem? {
        let length = password.count
        if length < minLength { return .tooShort }
        if length > maxLength { return .tooLong }
        if let email, !email.isEmpty {
            let lowered = password.lowercased()
            let address = email.lowercased()
            let local = address.split(separator: "@").first.map(String.init) ?? address
            if lowered == address || lowered == local { return .sameAsEmail }
        }
        if isCommon(password.lowercased()) { return .common }
        if let repeated, repeated != password { return .mismatch }
        return nil
    }
}
