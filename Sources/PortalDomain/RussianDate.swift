import Foundation

/// Dates as the portal shows them: `dd.MM.yyyy` in the supplier's time zone.
public struct RussianDateFormat: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `29.11.2026`
    public func date(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        return Self.day(p)
    }

    /// `29.11.2026 14:05`
    public func dateTime(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return Self.day(p) + " " + BillingPeriod.padded(p.hour!, 2) + ":" + BillingPeriod.padded(p.minute!, 2)
    }

    /// `2026-11-29`, the day as billing's dates are written.
    public func isoDay(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        return BillingPeriod.padded(p.year!, 4) + "-" + BillingPeriod.padded(p.month!, 2) + "-"
            + BillingPeriod.padded(p.day!, 2)
    }

    /// Reads `29.11.2026 14:05` (or `29.11.2026`, midnight), as `dateTime` writes it; nil for anything else.
    public func parseDateTime(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { " .:".contains($0) })
            .map { Int($0) }
        guard parts.count == 3 || parts.count == 5, parts.allSatisfy({ $0 != nil }) else { return nil }
        let n = parts.map { $0! }
        let components = DateComponents(
            year: n[2], month: n[1], day: n[0], hour: n.count == 5 ? n[3] : 0, minute: n.count == 5 ? n[4] : 0)
        guard (2000...2100).contains(n[2]), components.isValidDate(in: calendar),
            (0...23).contains(components.hour!), (0...59).contains(components.minute!)
        else { return nil }
        return calendar.date(from: components)
    }

    private static func day(_ p: DateComponents) -> String {
        BillingPeriod.padded(p.day!, 2) + "." + BillingPeriod.padded(p.month!, 2) + "."
            + BillingPeriod.padded(p.year!, 4)
    }
}
