import Foundation

/// An hourly consumption profile of one meter for one month (manual §5.3.1, Table 2): column A holds the
/// hours «00-01» … «23-24», row 1 the dates of the month, and the cell where they cross the consumption in
/// that hour. Russia keeps no daylight saving time, so every day has 24 hours.
public struct IntervalProfile: Sendable, Equatable {
    public let period: BillingPeriod
    /// Thousandths of a kWh, `[day - 1][hour]`.
    public let values: [[Int64]]

    public var total: Int64 { values.reduce(0) { $0 + $1.reduce(0, +) } }

    /// «00-01» … «23-24».
    public static let hourLabels: [String] = (0..<24).map {
        BillingPeriod.padded($0, 2) + "-" + BillingPeriod.padded($0 + 1, 2)
    }

    /// One cell of the uploaded sheet, as the workbook reader gives it.
    public enum Cell: Sendable, Equatable {
        case empty
        case number(Double)
        case text(String)
        case date(year: Int, month: Int, day: Int)
    }

    /// What is wrong, by cell reference («D7»).
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let cell: String
        public let message: String
        public var description: String { "\(cell): \(message)" }

        public init(cell: String, message: String) {
            self.cell = cell
            self.message = message
        }
    }

    /// Every problem of one sheet.
    public struct Problems: Error, Sendable, Equatable {
        public let list: [Problem]
    }

    struct CellError: Error, Equatable {
        let message: String
    }

    /// Reads the sheet (`rows[0]` is row 1) for `period`; days after `today` (year, month, day) may not carry
    /// values. Returns the profile or every problem found.
    public static func parse(
        _ rows: [[Cell]], period: BillingPeriod, today: (year: Int, month: Int, day: Int)
    ) -> Result<IntervalProfile, Problems> {
        var problems: [Problem] = []
        func cell(_ row: Int, _ column: Int) -> Cell {
            guard row < rows.count, column < rows[row].count else { return .empty }
            return rows[row][column]
        }
        func reference(_ row: Int, _ column: Int) -> String { columnLetters(column) + String(row + 1) }
        let days = period.dayCount
        let todayKey = today.year * 10_000 + today.month * 100 + today.day

        // Row 1: the dates of the month, in order, from column B.
        for day in 1...days {
            let expected = (period.year, period.month, day)
            let found = date(cell(0, day))
            if let found {
                if found != expected {
                    problems.append(
                        Problem(
                            cell: reference(0, day),
                            message:
                                "дата \(dateText(found)) не совпадает с ожидаемой \(dateText(expected)) (\(period.russianName))"
                        ))
                }
            } else {
                problems.append(Problem(cell: reference(0, day), message: "нет даты \(dateText(expected))"))
            }
        }
        // Dates beyond the month's last day.
        if let header = rows.first, header.count > days + 1 {
            for column in (days + 1)..<header.count where header[column] != .empty {
                problems.append(Problem(cell: reference(0, column), message: "лишний столбец: в месяце \(days) дней"))
            }
        }
        // Column A: the hours.
        var values = Array(repeating: Array(repeating: Int64(0), count: 24), count: days)
        for hour in 0..<24 {
            let row = hour + 1
            let label = text(cell(row, 0))
            guard label == hourLabels[hour] else {
                problems.append(Problem(cell: reference(row, 0), message: "нет строки «\(hourLabels[hour])»"))
                continue
            }
            for day in 1...days {
                let future = period.year * 10_000 + period.month * 100 + day > todayKey
                let value = cell(row, day)
                if future {
                    if value != .empty {
                        problems.append(Problem(cell: reference(row, day), message: "день еще не наступил"))
                    }
                    continue
                }
                switch reading(value) {
                case .success(let thousandths): values[day - 1][hour] = thousandths
                case .failure(let error): problems.append(Problem(cell: reference(row, day), message: error.message))
                }
            }
        }
        return problems.isEmpty
            ? .success(IntervalProfile(period: period, values: values)) : .failure(Problems(list: problems))
    }

    /// Whether anything was entered below the dates and right of the hours: a sheet of a per-contract file
    /// that nobody filled in is skipped, not reported cell by cell.
    public static func hasValues(_ rows: [[Cell]]) -> Bool {
        rows.dropFirst().prefix(24).contains { row in row.dropFirst().contains { $0 != .empty } }
    }

    static func reading(_ cell: Cell) -> Result<Int64, CellError> {
        switch cell {
        case .empty: return .failure(CellError(message: "пустая ячейка"))
        case .date: return .failure(CellError(message: "не число"))
        case .number(let number):
            guard number.isFinite else { return .failure(CellError(message: "не число")) }
            guard number >= 0 else { return .failure(CellError(message: "отрицательное значение")) }
            let thousandths = (number * 1000).rounded()
            guard (number * 1000 - thousandths).magnitude < 1e-6 else {
                return .failure(CellError(message: "не более трех знаков после запятой"))
            }
            guard thousandths < 1e15 else { return .failure(CellError(message: "слишком большое значение")) }
            return .success(Int64(thousandths))
        case .text(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return .failure(CellError(message: "пустая ячейка")) }
            if trimmed.hasPrefix("-") || trimmed.hasPrefix("−") {
                return .failure(CellError(message: "отрицательное значение"))
            }
            switch RegisterReading.parse(trimmed, digits: 12) {
            case .success(let value): return .success(value)
            case .failure(.tooManyDecimals): return .failure(CellError(message: "не более трех знаков после запятой"))
            case .failure: return .failure(CellError(message: "не число"))
            }
        }
    }

    static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let text): text.trimmingCharacters(in: .whitespaces)
        default: ""
        }
    }

    /// A date cell, or text `dd.MM.yyyy`.
    static func date(_ cell: Cell) -> (Int, Int, Int)? {
        switch cell {
        case .date(let year, let month, let day): return (year, month, day)
        case .text(let text):
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".")
            guard parts.count == 3, let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2])
            else { return nil }
            return (year, month, day)
        default: return nil
        }
    }

    static func dateText(_ date: (Int, Int, Int)) -> String {
        BillingPeriod.padded(date.2, 2) + "." + BillingPeriod.padded(date.1, 2) + "." + BillingPeriod.padded(date.0, 4)
    }

    /// 0 → «A», 25 → «Z», 26 → «AA».
    public static func columnLetters(_ index: Int) -> String {
        var index = index
        var letters = ""
        repeat {
            letters = String(UnicodeScalar(UInt8(65 + index % 26))) + letters
            index = index / 26 - 1
        } while index >= 0
        return letters
    }
}
