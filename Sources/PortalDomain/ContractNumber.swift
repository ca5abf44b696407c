/// The 14-digit number of a supply contract (manual §4.3).
public struct ContractNumber: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let digits: String

    /// Accepts exactly 14 digits; spaces a person may have typed between groups are ignored.
    public init?(_ input: String) {
        let compact = input.filter { !$0.isWhitespace }
        guard compact.count == 14, compact.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        digits = compact
    }

    public var description: String { digits }
    public static func < (a: ContractNumber, b: ContractNumber) -> Bool { a.digits < b.digits }
}
