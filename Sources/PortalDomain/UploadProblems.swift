/// The problems of an uploaded file, grouped for the page: each message once, with where it happens, so that
/// a file with thousands of bad rows or cells answers in a few lines. Each problem is «where: what»
/// («Строка 5: …», «Лист «12345», D7: …», «D7: …»); the full list stays downloadable.
public enum UploadProblems {
    /// At most this many lines on the page.
    public static let shownLines = 20
    /// At most this many places named in one line before «и еще N».
    static let placesPerLine = 5

    /// The grouped lines, in the order their messages first appear, and whether any problem is left out of
    /// them (then the full list is worth downloading).
    public static func group(_ problems: [String]) -> (lines: [String], abridged: Bool) {
        var order: [String] = []
        var places: [String: [String]] = [:]
        for problem in problems {
            let (place, message) = split(problem)
            if places[message] == nil { order.append(message) }
            places[message, default: []].append(place)
        }
        var abridged = order.count > shownLines
        let lines = order.prefix(shownLines).map { message -> String in
            let (where_, cut) = describe(places[message] ?? [])
            abridged = abridged || cut
            return where_.isEmpty ? message : "\(where_): \(message)"
        }
        return (lines, abridged)
    }

    /// «Строка 5, ПУ 1 (A+ День)» and «отсутствует …» from «Строка 5, ПУ 1 (A+ День): отсутствует …».
    public static func split(_ problem: String) -> (place: String, message: String) {
        guard let colon = problem.range(of: ": ") else { return ("", problem) }
        return (String(problem[..<colon.lowerBound]), String(problem[colon.upperBound...]))
    }

    /// The places of one message: rows as ranges («Строки 2–100 001»), anything else listed up to
    /// `placesPerLine` with how many more; and whether some were left unnamed.
    static func describe(_ places: [String]) -> (text: String, cut: Bool) {
        let named = places.filter { !$0.isEmpty }
        guard !named.isEmpty else { return ("", false) }
        let rows = named.compactMap { place -> Int? in
            guard place.hasPrefix("Строка ") else { return nil }
            return Int(place.dropFirst("Строка ".count))
        }
        if rows.count == named.count {
            let ranges = collapse(rows)
            if ranges.count == 1, ranges[0].lowerBound == ranges[0].upperBound {
                return ("Строка \(number(ranges[0].lowerBound))", false)
            }
            let shown = ranges.prefix(placesPerLine).map { range in
                range.lowerBound == range.upperBound
                    ? number(range.lowerBound) : "\(number(range.lowerBound))–\(number(range.upperBound))"
            }
            let more = ranges.count - shown.count
            return ("Строки " + shown.joined(separator: ", ") + (more > 0 ? " и еще \(more)" : ""), more > 0)
        }
        let shown = named.prefix(placesPerLine)
        let more = named.count - shown.count
        return (shown.joined(separator: "; ") + (more > 0 ? " и еще \(more)" : ""), more > 0)
    }

    /// Sorted, distinct numbers as closed ranges of consecutive ones.
    static func collapse(_ numbers: [Int]) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        for value in Set(numbers).sorted() {
            if let last = ranges.last, last.upperBound + 1 == value {
                ranges[ranges.count - 1] = last.lowerBound...value
            } else {
                ranges.append(value...value)
            }
        }
        return ranges
    }

    /// `100001` → «100 001».
    static func number(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append("\u{00A0}") }
            out.append(digit)
        }
        return out
    }
}
