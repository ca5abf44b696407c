import Foundation
import PortalDomain
import XLSX

/// «Шаблон интегральных показаний» and reading it back (manual §5.2; RD-4): one row per channel with the
/// columns of the «Показания» page; only «Текущие показания» and «Переход через ноль» are editable. The last
/// column carries billing's channel id, so rows may be sorted or removed freely.
enum IntegralReadingsFile {
    /// A row whose channel is none of the contract's.
    static let notFoundMessage =
        "прибор учета не найден в выбранном договоре (изменен столбец «Идентификатор канала» или строка из другого договора)"
    /// The same, when no row of the file is one of the contract's.
    static let notThisTemplateMessage = "прибор учета не найден в договоре — это не шаблон этого договора?"

    static let headers = [
        "Код ЭО", "Наименование ЭО", "Статус ЭО", "Номер ПУ", "Наименование ИК", "Измеряемая величина", "Шкала",
        "Предыдущие показания", "Текущие показания", "Переход через ноль (да)", "Идентификатор канала",
    ]
    static let currentColumn = 9
    static let rolloverColumn = 10
    static let channelColumn = 11

    static func template(_ data: ReadingsData) throws -> Data {
        let writer = try WorkbookWriter()
        let sheet = try writer.addSheet(
            "Показания",
            columns: [
                .init(width: 10), .init(width: 30), .init(width: 14), .init(width: 14), .init(width: 30),
                .init(width: 12), .init(width: 14), .init(width: 16, numberFormat: "0.000"),
                .init(width: 16, numberFormat: "0.000", editable: true), .init(width: 14, editable: true),
                .init(width: 24),
            ], freezeHeader: true, protected: true)
        try writer.appendRow(headers.map { .string($0) }, to: sheet, bold: true)
        for object in data.objects {
            for meter in object.meters {
                for channel in meter.channels {
                    try writer.appendRow(
                        [
                            .string(object.code), .string(object.name), .string(object.status?.title ?? ""),
                            .string(meter.number), .string(meter.complexName), .string(channel.quantity?.title ?? ""),
                            .string(channel.zone?.title ?? ""), channel.previous.map { .number(Double($0) / 1000) },
                            channel.submitted.map { .number(Double($0) / 1000) }, nil, .string(channel.id),
                        ], to: sheet)
                }
            }
        }
        return try writer.finish()
    }

    struct Parsed: Sendable {
        var typed: [String: String] = [:]
        var rollover: Set<String> = []
        /// The row each channel was read from.
        var rows: [String: Int] = [:]
        /// Problems with rows that name no channel of the contract, by row.
        var rowProblems: [String] = []
    }

    /// Reads a filled template against the contract's data (only channels the person may see count).
    /// When no row is one of the contract's channels, the rows say so as `notThisTemplateMessage`.
    static func parse(_ workbook: Workbook, data: ReadingsData) throws -> Parsed {
        guard let name = workbook.sheetNames.first else { throw XLSXError.missingPart("xl/worksheets") }
        var meterOf: [String: String] = [:]
        for object in data.objects {
            for meter in object.meters { for channel in meter.channels { meterOf[channel.id] = meter.id } }
        }
        var parsed = Parsed()
        var unknownRows: [Int] = []
        try workbook.forEachRow(inSheet: name) { row in
            guard row.index > 1 else { return }
            let current = text(row[currentColumn])
            let rollover = text(row[rolloverColumn]).lowercased()
            let channel = text(row[channelColumn])
            guard let meter = meterOf[channel] else {
                if !current.isEmpty || !rollover.isEmpty { unknownRows.append(row.index) }
                return
            }
            if let earlier = parsed.rows[channel] {
                parsed.rowProblems.append("Строка \(row.index): повторяет строку \(earlier)")
                return
            }
            parsed.rows[channel] = row.index
            if !current.isEmpty { parsed.typed[channel] = current }
            if ["да", "yes", "1", "true", "истина"].contains(rollover) { parsed.rollover.insert(meter) }
        }
        // No row at all is the contract's: most likely another file than this contract's template.
        let message = parsed.rows.isEmpty ? notThisTemplateMessage : notFoundMessage
        parsed.rowProblems += unknownRows.map { "Строка \($0): \(message)" }
        return parsed
    }

    /// A cell as the text a person would have typed: numbers with at most three decimals.
    static func text(_ value: CellValue?) -> String {
        switch value {
        case .none: return ""
        case .string(let text): return text.trimmingCharacters(in: .whitespaces)
        case .number(let number):
            let thousandths = (number * 1000).rounded()
            guard thousandths.magnitude < 1e17 else { return String(number) }
            let milli = Int64(thousandths)
            // A value with more than three decimals is reported as such, not silently rounded.
            if (number * 1000 - thousandths).magnitude > 1e-6 { return String(number) }
            return milli < 0 ? "-" + ReadingValue.text(-milli) : ReadingValue.text(milli)
        case .bool(let flag): return flag ? "1" : "0"
        case .date, .error: return value?.text ?? ""
        }
    }
}

/// «Шаблон интервальных показаний» in the layout of the manual's Table 2 — one sheet per meter, named by the
/// meter's number (RD-5 for one meter, RD-6 for every hourly meter of a contract) — and reading sheets back
/// into `IntervalProfile`s.
enum IntervalReadingsFile {
    /// The template: one empty sheet per meter number, in the order given.
    static func template(period: BillingPeriod, meterNumbers: [String]) throws -> Data {
        let writer = try WorkbookWriter()
        for name in sheetNames(meterNumbers) {
            try appendSheet(to: writer, name: name, period: period, values: nil)
        }
        return try writer.finish()
    }

    /// One meter's profile as a filled sheet, days after `throughDay` left empty: what an act of a
    /// per-contract upload keeps and gives back.
    static func act(_ profile: IntervalProfile, meterNumber: String, throughDay: Int) throws -> Data {
        let writer = try WorkbookWriter()
        try appendSheet(
            to: writer, name: sheetName(meterNumber), period: profile.period,
            values: Array(profile.values.prefix(max(0, throughDay))))
        return try writer.finish()
    }

    private static func appendSheet(to writer: WorkbookWriter, name: String, period: BillingPeriod, values: [[Int64]]?)
        throws
    {
        let columns =
            [WorkbookWriter.Column(width: 10)]
            + Array(repeating: WorkbookWriter.Column(width: 11, editable: true), count: period.dayCount)
        let sheet = try writer.addSheet(name, columns: columns, freezeHeader: true, protected: true)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let dates: [CellValue?] = (1...period.dayCount).map { day in
            calendar.date(from: DateComponents(year: period.year, month: period.month, day: day)).map { .date($0) }
        }
        try writer.appendRow([.string("Время")] + dates, to: sheet, bold: true)
        for (hour, label) in IntervalProfile.hourLabels.enumerated() {
            let cells: [CellValue?] = values.map { days in days.map { .number(Double($0[hour]) / 1000) } } ?? []
            try writer.appendRow([.string(label)] + cells, to: sheet)
        }
    }

    /// A sheet name from a meter number (Excel forbids some characters and allows 31).
    static func sheetName(_ meterNumber: String) -> String {
        let cleaned = String(meterNumber.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
        return cleaned.isEmpty ? "ПУ" : cleaned
    }

    /// Sheet names for meter numbers, in order, unique even where two numbers clean up to the same name
    /// (Excel compares sheet names without regard to case).
    static func sheetNames(_ meterNumbers: [String]) -> [String] {
        var taken: Set<String> = []
        return meterNumbers.map { number in
            let base = sheetName(number)
            var name = base
            var counter = 2
            while taken.contains(name.lowercased()) {
                let suffix = " (\(counter))"
                name = String(base.prefix(31 - suffix.count)) + suffix
                counter += 1
            }
            taken.insert(name.lowercased())
            return name
        }
    }

    static func cells(_ workbook: Workbook, sheet: String) throws -> [[IntervalProfile.Cell]] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var grid: [[IntervalProfile.Cell]] = []
        try workbook.forEachRow(inSheet: sheet) { row in
            guard row.index <= 200 else { return }
            while grid.count < row.index - 1 { grid.append([]) }
            let width = min(64, (row.cells.last?.column ?? 0))
            var line = Array(repeating: IntervalProfile.Cell.empty, count: width)
            for cell in row.cells where cell.column <= width {
                line[cell.column - 1] = {
                    switch cell.value {
                    case .string(let text):
                        return text.trimmingCharacters(in: .whitespaces).isEmpty ? .empty : .text(text)
                    case .number(let number): return .number(number)
                    case .date(let date):
                        let parts = calendar.dateComponents([.year, .month, .day], from: date)
                        return .date(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
                    case .bool, .error: return .text(cell.value.text)
                    }
                }()
            }
            grid.append(line)
        }
        return grid
    }
}
