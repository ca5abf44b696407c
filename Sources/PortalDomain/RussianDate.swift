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

    private static func day(_ p: DateComponents) -> String {
        BillingPeriod.padded(p.day!, 2) + "." + BillingPeriod.padded(p.month!, 2) + "."
            + BillingPeriod.padded(p.year!, 4)
    }
}
