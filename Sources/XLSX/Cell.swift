import Foundation

/// The value of one cell as read or to be written.
public enum CellValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    /// A date and time without a time zone, carried as the same wall-clock time in UTC.
    case date(Date)
    /// An error value such as `#DIV/0!`.
    case error(String)

    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let number): XLSXNumber.format(number)
        case .bool(let value): value ? "TRUE" : "FALSE"
        case .date(let date): ISO8601DateFormatter().string(from: date)
        case .error(let code): code
        }
    }

    /// The text a person would type for this value: numbers without a trailing `.0`.
    public var text: String { description }
}

/// One non-empty cell of a row.
public struct Cell: Sendable, Equatable {
    /// 1-based column.
    public let column: Int
    public let value: CellValue

    public init(column: Int, value: CellValue) {
        self.column = column
        self.value = value
    }
}

/// One row as it appears in the sheet; empty cells are absent.
public struct Row: Sendable, Equatable {
    /// 1-based row number.
    public let index: Int
    public let cells: [Cell]

    /// The value in `column` (1-based), if the cell is not empty.
    public subscript(column: Int) -> CellValue? {
        cells.first { $0.column == column }?.value
    }
}

enum XLSXNumber {
    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

/// Excel's serial dates: days since 1899-12-30 (1900 system, with its phantom 29 February 1900) or
/// since 1904-01-01 (1904 system).
enum SerialDate {
    static let base1900 = Date(timeIntervalSince1970: -2_209_161_600)  // 1899-12-30T00:00:00Z
    static let base1904 = Date(timeIntervalSince1970: -2_082_844_800)  // 1904-01-01T00:00:00Z

    static func date(serial: Double, date1904: Bool) -> Date {
        if date1904 { return base1904.addingTimeInterval(round(serial * 86400 * 1000) / 1000) }
        // Serials below 61 count from 1899-12-31 because Excel believes 1900 was a leap year.
        let days = serial < 61 ? serial + 1 : serial
        return base1900.addingTimeInterval(round(days * 86400 * 1000) / 1000)
    }

    static func serial(_ date: Date) -> Double {
        let days = date.timeIntervalSince(base1900) / 86400
        return days < 61 ? days - 1 : days
    }
}
