import Foundation

/// `[Content_Types].xml`: which part is the workbook.
struct ContentTypesHandler: XMLEventHandler {
    var overrides: [String: String] = [:]
    var wantsText: Bool { false }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("Override"), let part = try attributes.value("PartName"),
            let type = try attributes.value("ContentType")
        {
            overrides[part] = type
        }
    }
    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {}
    mutating func text(_ text: String) throws {}
}

/// `_rels/.rels` and `xl/_rels/workbook.xml.rels`: relationship id → target.
struct RelationshipsHandler: XMLEventHandler {
    struct Relationship {
        let id: String
        let type: String
        let target: String
    }
    var relationships: [Relationship] = []
    var wantsText: Bool { false }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("Relationship"), let id = try attributes.value("Id"), let target = try attributes.value("Target")
        {
            relationships.append(Relationship(id: id, type: try attributes.value("Type") ?? "", target: target))
        }
    }
    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {}
    mutating func text(_ text: String) throws {}
}

/// `xl/workbook.xml`: sheet names and their relationship ids, and the date system.
struct WorkbookHandler: XMLEventHandler {
    var sheets: [(name: String, relationship: String)] = []
    var date1904 = false
    var wantsText: Bool { false }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("sheet") {
            guard let sheetName = try attributes.value("name"), let id = try attributes.value("id") else {
                throw XLSXError.malformedXML(part: "xl/workbook.xml", detail: "sheet without name or r:id")
            }
            sheets.append((sheetName, id))
        } else if name.equals("workbookPr") {
            let value = try attributes.value("date1904")
            date1904 = value == "1" || value == "true"
        }
    }
    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {}
    mutating func text(_ text: String) throws {}
}

/// `xl/sharedStrings.xml`: the table of strings, rich-text runs joined, phonetic runs left out.
struct SharedStringsHandler: XMLEventHandler {
    var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var phoneticDepth = 0
    var wantsText: Bool { inText && phoneticDepth == 0 }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("si") {
            inItem = true
            current = ""
        } else if name.equals("t") && inItem {
            inText = true
        } else if name.equals("rPh") {
            phoneticDepth += 1
        }
    }

    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {
        if name.equals("si") {
            strings.append(current)
            inItem = false
        } else if name.equals("t") {
            inText = false
        } else if name.equals("rPh") {
            phoneticDepth -= 1
        }
    }

    mutating func text(_ text: String) throws { current += text }
}

/// `xl/styles.xml`: which cell styles show numbers as dates.
struct StylesHandler: XMLEventHandler {
    var customFormats: [Int: String] = [:]
    var cellFormatIDs: [Int] = []
    private var inCellXfs = false
    var wantsText: Bool { false }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws {
        if name.equals("numFmt"), let id = try attributes.value("numFmtId").flatMap(Int.init),
            let code = try attributes.value("formatCode")
        {
            customFormats[id] = code
        } else if name.equals("cellXfs") {
            inCellXfs = true
        } else if name.equals("xf") && inCellXfs {
            cellFormatIDs.append(try attributes.value("numFmtId").flatMap(Int.init) ?? 0)
        }
    }

    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {
        if name.equals("cellXfs") { inCellXfs = false }
    }
    mutating func text(_ text: String) throws {}

    /// For each cell style index, whether it formats numbers as dates or times.
    func dateStyles() -> [Bool] {
        cellFormatIDs.map { id in
            if let code = customFormats[id] { return DateFormatDetector.isDate(code) }
            return DateFormatDetector.builtInDateIDs.contains(id)
        }
    }
}

enum DateFormatDetector {
    /// Built-in formats that show dates or times (ECMA-376 §18.8.30, plus the East Asian ones).
    static let builtInDateIDs: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// A custom format shows a date when, outside quoted text, escapes and `[...]` sections, it uses
    /// a day, month, year, hour or second code.
    static func isDate(_ code: String) -> Bool {
        var inQuote = false
        var inBracket = false
        var escaped = false
        // Only the first section (positive numbers) decides.
        for char in code.lowercased() {
            if escaped {
                escaped = false
                continue
            }
            switch char {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[" where !inQuote: inBracket = true
            case "]" where !inQuote: inBracket = false
            case ";" where !inQuote && !inBracket: return false
            default:
                if !inQuote && !inBracket && "dmyhs".contains(char) { return true }
            }
        }
        return false
    }
}
