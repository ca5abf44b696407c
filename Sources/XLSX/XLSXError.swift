/// Why a workbook could not be read or written. Every case has a message a person can read
/// (``russianMessage``), which the portal shows next to the upload field.
public enum XLSXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a ZIP archive at all (random bytes, a CSV renamed to `.xlsx`).
    case notAWorkbook
    /// An Excel 97–2003 `.xls` file (OLE compound document).
    case legacyXLS
    /// The archive ends early or its data is damaged.
    case damaged(String)
    case tooManyEntries(count: Int, limit: Int)
    case entryTooLarge(path: String, limit: Int64)
    case totalTooLarge(limit: Int64)
    /// A part the format requires is missing.
    case missingPart(String)
    /// The package is a ZIP but not a spreadsheet (a `.docx`, say).
    case wrongContentType(String)
    case malformedXML(part: String, detail: String)
    /// A DTD or an entity other than the five predefined ones: refused, never expanded.
    case forbiddenDTD(part: String)
    case sharedStringOutOfRange(index: Int, count: Int)
    case sheetNotFound(String)
    case invalidCellReference(String)
    case invalidSheetName(String)

    public var description: String {
        switch self {
        case .notAWorkbook: "not an .xlsx workbook (no ZIP signature)"
        case .legacyXLS: "an Excel 97-2003 .xls file, not .xlsx"
        case .damaged(let detail): "damaged archive: \(detail)"
        case .tooManyEntries(let count, let limit): "\(count) entries in the archive, limit \(limit)"
        case .entryTooLarge(let path, let limit): "\(path) unpacks to more than \(limit) bytes"
        case .totalTooLarge(let limit): "the archive unpacks to more than \(limit) bytes"
        case .missingPart(let path): "missing part \(path)"
        case .wrongContentType(let type): "not a spreadsheet: main part is \(type)"
        case .malformedXML(let part, let detail): "malformed XML in \(part): \(detail)"
        case .forbiddenDTD(let part): "DTD or custom entity in \(part)"
        case .sharedStringOutOfRange(let index, let count): "shared string \(index) of \(count)"
        case .sheetNotFound(let name): "no sheet named \(name)"
        case .invalidCellReference(let text): "invalid cell reference \(text)"
        case .invalidSheetName(let name): "invalid sheet name \(name)"
        }
    }

    /// The message for the person who uploaded the file.
    public var russianMessage: String {
        switch self {
        case .notAWorkbook:
            "Файл не является книгой Excel в формате .xlsx. Сохраните его в Excel как «Книга Excel (*.xlsx)» и загрузите снова."
        case .legacyXLS:
            "Файл сохранен в старом формате Excel 97–2003 (.xls). Сохраните его как «Книга Excel (*.xlsx)» и загрузите снова."
        case .damaged, .malformedXML:
            "Файл поврежден и не может быть прочитан. Откройте его в Excel, сохраните заново и загрузите снова."
        case .tooManyEntries, .entryTooLarge, .totalTooLarge:
            "Файл слишком велик после распаковки. Загрузите файл по шаблону без лишних листов и данных."
        case .missingPart, .wrongContentType: "Файл не похож на книгу Excel: в нем нет листов с данными."
        case .forbiddenDTD: "Файл содержит недопустимые конструкции XML и не может быть принят."
        case .sharedStringOutOfRange:
            "Файл поврежден: ячейка ссылается на несуществующую строку. Сохраните файл заново в Excel."
        case .sheetNotFound(let name): "В файле нет листа «\(name)»."
        case .invalidCellReference(let text): "Неверный адрес ячейки «\(text)»."
        case .invalidSheetName(let name): "Недопустимое имя листа «\(name)»."
        }
    }
}

/// Bounds on what a workbook may unpack to, checked before and while unpacking.
public struct XLSXLimits: Sendable, Equatable {
    public var maxEntries: Int
    /// The largest unpacked size of one part.
    public var maxEntrySize: Int64
    /// The largest unpacked size of all parts together.
    public var maxTotalSize: Int64

    public init(maxEntries: Int = 1_000, maxEntrySize: Int64 = 256 << 20, maxTotalSize: Int64 = 512 << 20) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
    }

    /// Suitable for a 20 MB upload: a 100,000-row sheet unpacks to about 40 MB.
    public static let upload = XLSXLimits()
}
