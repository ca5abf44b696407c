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
        return String(format: "%02d.%02d.%04d", p.day!, p.month!, p.year!)
    }

    /// `29.11.2026 14:05`
    public func dateTime(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%02d.%02d.%04d %02d:%02d", p.day!, p.month!, p.year!, p.hour!, p.minute!)
    }
}
