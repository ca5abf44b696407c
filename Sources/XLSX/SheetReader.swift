import Foundation

/// Reads `<sheetData>` row by row and hands each finished row to `emit`.
struct SheetHandler: XMLEventHandler {
    let sharedStrings: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    let part: String
    let emit: (Row) throws -> Void

    private enum Kind { case number, shared, inline, string, bool, error, isoDate }

    private var rowIndex = 0
    private var cells: [Cell] = []
    private var inRow = false
    private var column = 0
    private var kind = Kind.number
    private var style = 0
    private var inCell = false
    private var inValue = false
    private var inInline = false
    private var inInlineText = false
    private var phoneticDepth = 0
    private var valueText = ""
    private var hasValue = false

    init(
        sharedStrings: [String], dateStyles: [Bool], date1904: Bool, part: String, emit: @escaping (Row) throws -> Void
    ) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.part = part
        self.emit = emit
    }

    var wantsText: Bool { inValue || (inInlineText && phoneticDepth == 0) }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("c") {
            inCell = true
            hasValue = false
            valueText = ""
            if let reference = try attributes.rawValue("r") {
                column = try Self.column(of: reference, part: part)
            } else {
                column += 1
                if column > 16_384 { throw XLSXError.invalidCellReference("column \(column)") }
            }
            style = try attributes.rawValue("s").map { Self.integer($0) ?? 0 } ?? 0
            kind = .number
            if let type = try attributes.rawValue("t") {
                if type.equals("s") {
                    kind = .shared
                } else if type.equals("inlineStr") {
                    kind = .inline
                } else if type.equals("str") {
                    kind = .string
                } else if type.equals("b") {
                    kind = .bool
                } else if type.equals("e") {
                    kind = .error
                } else if type.equals("d") {
                    kind = .isoDate
                }
            }
        } else if name.equals("v") && inCell {
            inValue = true
            hasValue = true
        } else if name.equals("is") && inCell {
            inInline = true
            hasValue = true
        } else if name.equals("t") && inInline {
            inInlineText = true
        } else if name.equals("rPh") {
            phoneticDepth += 1
        } else if name.equals("row") {
            inRow = true
            cells.removeAll(keepingCapacity: true)
            column = 0
            if let reference = try attributes.rawValue("r"), let number = Self.integer(reference), number > 0 {
                rowIndex = number
            } else {
                rowIndex += 1
            }
            if rowIndex > 1_048_576 { throw XLSXError.invalidCellReference("row \(rowIndex)") }
        }
    }

    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {
        if name.equals("v") {
            inValue = false
        } else if name.equals("t") {
            inInlineText = false
        } else if name.equals("is") {
            inInline = false
        } else if name.equals("rPh") {
            phoneticDepth -= 1
        } else if name.equals("c") {
            inCell = false
            if hasValue, let value = try cellValue() { cells.append(Cell(column: column, value: value)) }
        } else if name.equals("row") {
            inRow = false
            if !cells.isEmpty {
                let sorted = cells.isSorted ? cells : cells.sorted { $0.column < $1.column }
                try emit(Row(index: rowIndex, cells: sorted))
            }
        }
    }

    mutating func text(_ text: String) throws { valueText += text }

    private func cellValue() throws -> CellValue? {
        switch kind {
        case .shared:
            guard let index = Int(valueText.trimmingCharacters(in: .whitespaces)) else {
                throw XLSXError.malformedXML(part: part, detail: "shared string index «\(valueText)»")
            }
            guard index >= 0, index < sharedStrings.count else {
                throw XLSXError.sharedStringOutOfRange(index: index, count: sharedStrings.count)
            }
            return .string(sharedStrings[index])
        case .inline, .string:
            return .string(valueText)
        case .bool:
            return .bool(valueText == "1" || valueText == "true")
        case .error:
            return .error(valueText)
        case .isoDate:
            guard let date = Self.isoDate(valueText) else {
                throw XLSXError.malformedXML(part: part, detail: "date «\(valueText)»")
            }
            return .date(date)
        case .number:
            if valueText.isEmpty { return nil }
            guard let number = Double(valueText.trimmingCharacters(in: .whitespaces)), number.isFinite else {
                throw XLSXError.malformedXML(part: part, detail: "number «\(valueText)»")
            }
            if style > 0, style < dateStyles.count, dateStyles[style] {
                return .date(SerialDate.date(serial: number, date1904: date1904))
            }
            return .number(number)
        }
    }

    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The column of a reference like `AB12` (row part ignored; the row element gives the row).
    static func column(of reference: UnsafeBufferPointer<UInt8>, part: String) throws -> Int {
        var column = 0
        for byte in reference {
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                column = column * 26 + Int(byte - UInt8(ascii: "A") + 1)
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                break
            } else {
                throw XLSXError.invalidCellReference(String(decoding: reference, as: UTF8.self))
            }
            if column > 16_384 { throw XLSXError.invalidCellReference(String(decoding: reference, as: UTF8.self)) }
        }
        guard column > 0 else { throw XLSXError.invalidCellReference(String(decoding: reference, as: UTF8.self)) }
        return column
    }

    static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
            [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate], [.withFullDate],
        ] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

extension Array where Element == Cell {
    var isSorted: Bool {
        var previous = 0
        for cell in self {
            if cell.column <= previous { return false }
            previous = cell.column
        }
        return true
    }
}
