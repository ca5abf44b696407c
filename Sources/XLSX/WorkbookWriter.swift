import Foundation
import ZIPFoundation

/// Builds a workbook: several sheets, shared strings, number formats, dates, a bold header row, column
/// widths, a frozen header, and sheet protection with editable columns.
///
/// Sheet XML is written to temporary files as rows arrive, so a large sheet is never held in memory.
///
/// ```swift
/// let writer = try WorkbookWriter()
/// let sheet = try writer.addSheet("Показания", columns: [.init(width: 14), .init(width: 12, numberFormat: "0.000", editable: true)],
///                                 freezeHeader: true, protected: true)
/// try writer.appendRow([.string("Номер ПУ"), .string("Текущие показания")], to: sheet, bold: true)
/// let data = try writer.finish()
/// ```
public final class WorkbookWriter {
    /// How a column looks and whether a person may edit it when the sheet is protected.
    public struct Column: Sendable {
        public var width: Double?
        public var numberFormat: String?
        /// Unlocked: editable even when the sheet is protected.
        public var editable: Bool

        public init(width: Double? = nil, numberFormat: String? = nil, editable: Bool = false) {
            self.width = width
            self.numberFormat = numberFormat
            self.editable = editable
        }
    }

    /// A sheet being written.
    public struct Sheet: Sendable, Hashable {
        let index: Int
    }

    private struct StyleKey: Hashable {
        var numberFormat: Int
        var bold: Bool
        var editable: Bool
    }

    private final class SheetState {
        let name: String
        let columns: [Column]
        let freezeHeader: Bool
        let protected: Bool
        let file: URL
        let handle: FileHandle
        var buffer: [UInt8] = []
        var rowCount = 0
        var maxColumn = 0

        init(name: String, columns: [Column], freezeHeader: Bool, protected: Bool, file: URL) throws {
            self.name = name
            self.columns = columns
            self.freezeHeader = freezeHeader
            self.protected = protected
            self.file = file
            // An empty file to write into; opening it throws if it could not be made.
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            handle = try FileHandle(forWritingTo: file)
            buffer.reserveCapacity(1 << 20)
        }

        func flushIfNeeded(force: Bool = false) throws {
            if buffer.count >= 1 << 20 || (force && !buffer.isEmpty) {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    private let folder: URL
    private var sheets: [SheetState] = []
    private var sharedStrings: [String: Int] = [:]
    private var sharedStringList: [String] = []
    private var sharedStringUses = 0
    private var customFormats: [String: Int] = [:]
    private var styles: [StyleKey: Int] = [StyleKey(numberFormat: 0, bold: false, editable: false): 0]
    private var styleList: [StyleKey] = [StyleKey(numberFormat: 0, bold: false, editable: false)]
    private var finished = false

    static let dateFormat = "dd.mm.yyyy"

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        for sheet in sheets { try? sheet.handle.close() }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Adds a sheet. Names are at most 31 characters, without `[]:*?/\`, unique ignoring case.
    public func addSheet(
        _ name: String, columns: [Column] = [], freezeHeader: Bool = false, protected: Bool = false
    ) throws -> Sheet {
        let forbidden = CharacterSet(charactersIn: "[]:*?/\\")
        guard !name.isEmpty, name.count <= 31, name.rangeOfCharacter(from: forbidden) == nil,
            !name.hasPrefix("'"), !name.hasSuffix("'"),
            !sheets.contains(where: { $0.name.lowercased() == name.lowercased() })
        else { throw XLSXError.invalidSheetName(name) }
        let state = try SheetState(
            name: name, columns: columns, freezeHeader: freezeHeader, protected: protected,
            file: folder.appendingPathComponent("sheet\(sheets.count + 1).xml"))
        sheets.append(state)
        for column in columns {
            _ = style(StyleKey(numberFormat: formatID(column.numberFormat), bold: false, editable: column.editable))
        }
        return Sheet(index: sheets.count - 1)
    }

    /// Appends a row; `nil` leaves a cell empty. A bold row is a header.
    public func appendRow(_ values: [CellValue?], to sheet: Sheet, bold: Bool = false) throws {
        let state = sheets[sheet.index]
        state.rowCount += 1
        let row = state.rowCount
        var out = state.buffer
        state.buffer = []
        out.append(contentsOf: "<row r=\"".utf8)
        Self.appendInt(row, to: &out)
        out.append(contentsOf: "\">".utf8)
        for (offset, value) in values.enumerated() {
            guard let value else { continue }
            let columnNumber = offset + 1
            let column = offset < state.columns.count ? state.columns[offset] : Column()
            var key = StyleKey(numberFormat: formatID(column.numberFormat), bold: bold, editable: column.editable)
            out.append(contentsOf: "<c r=\"".utf8)
            out.append(contentsOf: Self.columnLetters(columnNumber))
            Self.appendInt(row, to: &out)
            out.append(UInt8(ascii: "\""))
            switch value {
            case .string(let text):
                key.numberFormat = 0
                appendStyle(key, to: &out)
                out.append(contentsOf: " t=\"s\"><v>".utf8)
                Self.appendInt(sharedIndex(text), to: &out)
                out.append(contentsOf: "</v></c>".utf8)
            case .number(let number):
                appendStyle(key, to: &out)
                out.append(contentsOf: "><v>".utf8)
                out.append(contentsOf: Self.numberText(number).utf8)
                out.append(contentsOf: "</v></c>".utf8)
            case .date(let date):
                if column.numberFormat == nil { key.numberFormat = formatID(Self.dateFormat) }
                appendStyle(key, to: &out)
                out.append(contentsOf: "><v>".utf8)
                out.append(contentsOf: Self.numberText(SerialDate.serial(date)).utf8)
                out.append(contentsOf: "</v></c>".utf8)
            case .bool(let flag):
                appendStyle(key, to: &out)
                out.append(contentsOf: " t=\"b\"><v>".utf8)
                out.append(flag ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                out.append(contentsOf: "</v></c>".utf8)
            case .error(let code):
                appendStyle(key, to: &out)
                out.append(contentsOf: " t=\"e\"><v>".utf8)
                Self.appendEscaped(code, to: &out)
                out.append(contentsOf: "</v></c>".utf8)
            }
            state.maxColumn = max(state.maxColumn, columnNumber)
        }
        out.append(contentsOf: "</row>".utf8)
        state.buffer = out
        try state.flushIfNeeded()
    }

    /// Writes the workbook to `url`.
    public func write(to url: URL) throws {
        guard !finished else { throw XLSXError.damaged("the workbook was already written") }
        finished = true
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        let archive = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Self.fixedDate,
                compressionMethod: .deflate,
                provider: { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                })
        }
        try add("[Content_Types].xml", contentTypes())
        try add("_rels/.rels", Self.packageRels)
        try add("docProps/app.xml", Self.appProperties)
        try add("docProps/core.xml", Self.coreProperties)
        try add("xl/workbook.xml", workbookXML())
        try add("xl/_rels/workbook.xml.rels", workbookRels())
        try add("xl/styles.xml", stylesXML())
        try add("xl/sharedStrings.xml", sharedStringsXML())
        for (index, sheet) in sheets.enumerated() {
            try sheet.flushIfNeeded(force: true)
            try sheet.handle.close()
            let head = Data(sheetHead(sheet).utf8)
            let tail = Data(sheetTail(sheet).utf8)
            let bodySize = Int64(
                (try FileManager.default.attributesOfItem(atPath: sheet.file.path)[.size] as? NSNumber)?.int64Value ?? 0
            )
            let body = try FileHandle(forReadingFrom: sheet.file)
            defer { try? body.close() }
            let total = Int64(head.count) + bodySize + Int64(tail.count)
            try archive.addEntry(
                with: "xl/worksheets/sheet\(index + 1).xml", type: .file, uncompressedSize: total,
                modificationDate: Self.fixedDate, compressionMethod: .deflate, bufferSize: 1 << 18
            ) { position, size in
                // Reads are sequential: head, then the body file, then the tail.
                var chunk = Data()
                var position = position
                var wanted = size
                if position < Int64(head.count) {
                    let take = min(wanted, head.count - Int(position))
                    chunk.append(head.subdata(in: Int(position)..<Int(position) + take))
                    position += Int64(take)
                    wanted -= take
                }
                if wanted > 0, position < Int64(head.count) + bodySize {
                    let available = Int(Int64(head.count) + bodySize - position)
                    let data = try body.read(upToCount: min(wanted, available)) ?? Data()
                    chunk.append(data)
                    position += Int64(data.count)
                    wanted -= data.count
                }
                if wanted > 0 {
                    let offset = Int(position - Int64(head.count) - bodySize)
                    chunk.append(tail.subdata(in: offset..<min(tail.count, offset + wanted)))
                }
                return chunk
            }
        }
    }

    /// The workbook as bytes (for a download).
    public func finish() throws -> Data {
        let url = folder.appendingPathComponent("book.xlsx")
        try write(to: url)
        return try Data(contentsOf: url)
    }

    // MARK: - Shared strings and styles

    private func sharedIndex(_ text: String) -> Int {
        sharedStringUses += 1
        if let index = sharedStrings[text] { return index }
        let index = sharedStringList.count
        sharedStrings[text] = index
        sharedStringList.append(text)
        return index
    }

    private func formatID(_ code: String?) -> Int {
        guard let code else { return 0 }
        if let builtIn = Self.builtInFormats[code] { return builtIn }
        if let id = customFormats[code] { return id }
        let id = 164 + customFormats.count
        customFormats[code] = id
        return id
    }

    private func style(_ key: StyleKey) -> Int {
        if let index = styles[key] { return index }
        let index = styleList.count
        styles[key] = index
        styleList.append(key)
        return index
    }

    private func appendStyle(_ key: StyleKey, to out: inout [UInt8]) {
        let index = style(key)
        guard index != 0 else { return }
        out.append(contentsOf: " s=\"".utf8)
        Self.appendInt(index, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    static let builtInFormats: [String: Int] = ["General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4]

    // MARK: - Parts

    private func contentTypes() -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
            <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
            <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
            """
        for index in sheets.indices {
            out +=
                "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return out + "</Types>"
    }

    static let packageRels = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
        </Relationships>
        """

    static let appProperties = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>LKK</Application></Properties>
        """

    static let coreProperties = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>LKK</dc:creator></cp:coreProperties>
        """

    static let fixedDate = Date(timeIntervalSince1970: 1_577_836_800)

    private func workbookXML() -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView/></bookViews><sheets>
            """
        for (index, sheet) in sheets.enumerated() {
            out += "<sheet name=\"\(Self.escape(sheet.name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        return out + "</sheets></workbook>"
    }

    private func workbookRels() -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            """
        for index in sheets.indices {
            out +=
                "<Relationship Id=\"rId\(index + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }
        let next = sheets.count + 1
        out +=
            "<Relationship Id=\"rId\(next)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        out +=
            "<Relationship Id=\"rId\(next + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        return out + "</Relationships>"
    }

    private func stylesXML() -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
            """
        if !customFormats.isEmpty {
            out += "<numFmts count=\"\(customFormats.count)\">"
            for (code, id) in customFormats.sorted(by: { $0.value < $1.value }) {
                out += "<numFmt numFmtId=\"\(id)\" formatCode=\"\(Self.escape(code))\"/>"
            }
            out += "</numFmts>"
        }
        out += """
            <fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
            <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
            """
        out += "<cellXfs count=\"\(styleList.count)\">"
        for key in styleList {
            out +=
                "<xf numFmtId=\"\(key.numberFormat)\" fontId=\"\(key.bold ? 1 : 0)\" fillId=\"0\" borderId=\"0\" xfId=\"0\""
            if key.numberFormat != 0 { out += " applyNumberFormat=\"1\"" }
            if key.bold { out += " applyFont=\"1\"" }
            if key.editable {
                out += " applyProtection=\"1\"><protection locked=\"0\"/></xf>"
            } else {
                out += "/>"
            }
        }
        out += "</cellXfs>"
        out += "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        return out + "</styleSheet>"
    }

    private func sharedStringsXML() -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(sharedStringUses)" uniqueCount="\(sharedStringList.count)">
            """
        for text in sharedStringList {
            let preserve = text.first?.isWhitespace == true || text.last?.isWhitespace == true || text.contains("\n")
            out += preserve ? "<si><t xml:space=\"preserve\">" : "<si><t>"
            out += Self.escape(text)
            out += "</t></si>"
        }
        return out + "</sst>"
    }

    private func sheetHead(_ sheet: SheetState) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            """
        let lastColumn = max(1, sheet.maxColumn, sheet.columns.count)
        out += "<dimension ref=\"A1:\(CellReference.letters(lastColumn))\(max(1, sheet.rowCount))\"/>"
        out += "<sheetViews><sheetView workbookViewId=\"0\""
        if sheet.freezeHeader {
            out += "><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
            out += "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>"
        } else {
            out += "/></sheetViews>"
        }
        out += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        let described = sheet.columns.enumerated().filter {
            $0.element.width != nil || $0.element.numberFormat != nil || $0.element.editable
        }
        if !described.isEmpty {
            out += "<cols>"
            for (offset, column) in described {
                let key = StyleKey(
                    numberFormat: customFormatID(column.numberFormat), bold: false, editable: column.editable)
                let styleIndex = styles[key] ?? 0
                out += "<col min=\"\(offset + 1)\" max=\"\(offset + 1)\" width=\"\(column.width ?? 9.140625)\""
                if column.width != nil { out += " customWidth=\"1\"" }
                if styleIndex != 0 { out += " style=\"\(styleIndex)\"" }
                out += "/>"
            }
            out += "</cols>"
        }
        return out + "<sheetData>"
    }

    private func customFormatID(_ code: String?) -> Int {
        guard let code else { return 0 }
        return Self.builtInFormats[code] ?? customFormats[code] ?? 0
    }

    private func sheetTail(_ sheet: SheetState) -> String {
        var out = "</sheetData>"
        if sheet.protected {
            out += "<sheetProtection sheet=\"1\" objects=\"1\" scenarios=\"1\" formatColumns=\"0\"/>"
        }
        out += "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>"
        return out + "</worksheet>"
    }

    // MARK: - Text

    static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes markup characters and drops characters XML 1.0 cannot carry (control characters).
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(byte)
            case 0..<0x20: continue
            default: out.append(byte)
            }
        }
    }

    static func appendInt(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    private static let letterCache: [[UInt8]] = (0...702).map { Array(CellReference.letters($0).utf8) }

    static func columnLetters(_ column: Int) -> [UInt8] {
        column < letterCache.count ? letterCache[column] : Array(CellReference.letters(column).utf8)
    }

    /// The shortest text that reads back as the same `Double`.
    static func numberText(_ number: Double) -> String {
        guard number.isFinite else { return "0" }
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}
