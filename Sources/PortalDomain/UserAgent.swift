/// A browser and operating system read from a `User-Agent` header, for the «Сессии» tab (PRF-6).
public struct UserAgent: Sendable, Equatable {
    /// «Google Chrome 120», or «Неизвестный браузер».
    public let browser: String
    /// «Windows 10», «macOS», «Android 14», or «Неизвестная ОС».
    public let operatingSystem: String

    public static let unknownBrowser = "Неизвестный браузер"
    public static let unknownSystem = "Неизвестная ОС"

    public init(browser: String, operatingSystem: String) {
        self.browser = browser
        self.operatingSystem = operatingSystem
    }

    /// Reads the header. Never fails: what it does not recognise is reported as unknown.
    public init(parsing header: String?) {
        let text = String((header ?? "").prefix(1000))
        browser = Self.browser(text)
        operatingSystem = Self.system(text)
    }

    /// The major version that follows `token` (`Chrome/120.0.1` → `120`).
    static func version(after token: String, in text: String) -> String? {
        guard let range = text.range(of: token) else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        let major = digits.split(separator: ".").first.map(String.init)
        return major?.isEmpty == false ? major : nil
    }

    /// Browsers of the manual's Table 1 first; the order matters, as each claims to be the ones before it.
    static func browser(_ text: String) -> String {
        let rules: [(token: String, name: String)] = [
            ("YaBrowser/", "Яндекс Браузер"), ("YaSearchBrowser/", "Яндекс Браузер"),
            ("EdgA/", "Microsoft Edge"), ("EdgiOS/", "Microsoft Edge"), ("Edg/", "Microsoft Edge"),
            ("Edge/", "Microsoft Edge"), ("OPR/", "Opera"), ("OPT/", "Opera"), ("Opera/", "Opera"),
            ("FxiOS/", "Mozilla Firefox"), ("Firefox/", "Mozilla Firefox"), ("CriOS/", "Google Chrome"),
        ]
        // Old Presto Opera reports 9.80 and puts the real version after Version/.
        if text.hasPrefix("Opera/"), let major = version(after: "Version/", in: text) { return "Opera \(major)" }
        for rule in rules {
            if let major = version(after: rule.token, in: text) { return "\(rule.name) \(major)" }
        }
        if text.contains("SamsungBrowser/") || text.contains("UCBrowser/") { return unknownBrowser }
        if let major = version(after: "Chrome/", in: text) { return "Google Chrome \(major)" }
        if text.contains("Safari/"), let major = version(after: "Version/", in: text) { return "Safari \(major)" }
        return unknownBrowser
    }

    static func system(_ text: String) -> String {
        if let range = text.range(of: "Windows NT ") {
            let version = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            switch version {
            case "10.0": return "Windows 10/11"
            case "6.3": return "Windows 8.1"
            case "6.2": return "Windows 8"
            case "6.1": return "Windows 7"
            default: return "Windows"
            }
        }
        if text.contains("iPhone") || text.contains("iPad") {
            let name = text.contains("iPad") ? "iPadOS" : "iOS"
            if let range = text.range(of: " OS ") {
                let major = text[range.upperBound...].prefix { $0.isNumber }
                if !major.isEmpty { return "\(name) \(major)" }
            }
            return name
        }
        if let major = version(after: "Android ", in: text) { return "Android \(major)" }
        if text.contains("Android") { return "Android" }
        if text.contains("CrOS") { return "ChromeOS" }
        if text.contains("Mac OS X") || text.contains("Macintosh") { return "macOS" }
        if text.contains("Linux") || text.contains("X11") { return "Linux" }
        return unknownSystem
    }
}
