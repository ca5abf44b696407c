import Foundation
import ZIPFoundation

/// A workbook opened for reading. Opening checks the archive against the limits and reads the small
/// parts (workbook, relationships, styles, shared strings); each sheet is then read as a stream of rows.
///
/// ```swift
/// let book = try Workbook(data: upload, limits: .upload)
/// try book.forEachRow(inSheet: book.sheetNames[0]) { row in print(row.index, row[1] ?? "") }
/// ```
public final class Workbook {
    /// The sheets in workbook order.
    public let sheetNames: [String]
    /// Whether the workbook counts dates from 1904 (old Mac Excel) rather than 1900.
    public let date1904: Bool

    private let archive: Archive
    private let limits: XLSXLimits
    private let sheetPaths: [String: String]
    private let sharedStrings: [String]
    private let dateStyles: [Bool]
    /// What opening actually unpacked; a sheet read may add up to the rest of `maxTotalSize`.
    private let unpackedAtOpen: Int64

    /// Opens a workbook held in memory (an upload). The bytes go through a temporary file: ZIPFoundation's
    /// file reader is the path hardened against damaged archives.
    public convenience init(data: Data, limits: XLSXLimits = .upload) throws {
        try Self.checkSignature(data.prefix(8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-read-\(UUID().uuidString).xlsx")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        try self.init(url: url, limits: limits)
    }

    /// Opens a workbook file.
    public convenience init(url: URL, limits: XLSXLimits = .upload) throws {
        let handle = try FileHandle(forReadingFrom: url)
        let head = handle.readData(ofLength: 8)
        try handle.close()
        try Self.checkSignature(head)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw XLSXError.damaged("the ZIP directory cannot be read")
        }
        try self.init(archive: archive, limits: limits)
    }

    static func checkSignature(_ head: Data) throws {
        let bytes = [UInt8](head)
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { throw XLSXError.legacyXLS }
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw XLSXError.notAWorkbook }
    }

    private init(archive: Archive, limits: XLSXLimits) throws {
        self.archive = archive
        self.limits = limits

        // Every entry is checked before anything is unpacked.
        var count = 0
        var total: Int64 = 0
        for entry in archive {
            count += 1
            if count > limits.maxEntries { throw XLSXError.tooManyEntries(count: count, limit: limits.maxEntries) }
            let size = Int64(clamping: entry.uncompressedSize)
            if size > limits.maxEntrySize {
                throw XLSXError.entryTooLarge(path: entry.path, limit: limits.maxEntrySize)
            }
            total += size
            if total > limits.maxTotalSize { throw XLSXError.totalTooLarge(limit: limits.maxTotalSize) }
        }

        var unpacked: Int64 = 0
        let types = try Self.parse(
            archive, "[Content_Types].xml", limits, ContentTypesHandler(), required: true, total: &unpacked)!
        let packageRels = try Self.parse(
            archive, "_rels/.rels", limits, RelationshipsHandler(), required: false, total: &unpacked)
        let officeDocument = packageRels?.relationships.first { $0.type.hasSuffix("/officeDocument") }?.target
        let workbookPath = Self.normalize(officeDocument ?? "xl/workbook.xml", relativeTo: "")
        if let type = types.overrides["/" + workbookPath], !type.contains("spreadsheetml") && !type.contains("ms-excel")
        {
            throw XLSXError.wrongContentType(type)
        }
        let workbook = try Self.parse(
            archive, workbookPath, limits, WorkbookHandler(), required: true, total: &unpacked)!
        let folder = (workbookPath as NSString).deletingLastPathComponent
        let relsPath = folder + "/_rels/" + (workbookPath as NSString).lastPathComponent + ".rels"
        let rels = try Self.parse(archive, relsPath, limits, RelationshipsHandler(), required: true, total: &unpacked)!
        var targets: [String: String] = [:]
        var sharedPath: String?
        var stylesPath: String?
        for relationship in rels.relationships {
            let path = Self.normalize(relationship.target, relativeTo: folder)
            targets[relationship.id] = path
            if relationship.type.hasSuffix("/sharedStrings") { sharedPath = path }
            if relationship.type.hasSuffix("/styles") { stylesPath = path }
        }
        var paths: [String: String] = [:]
        var names: [String] = []
        for sheet in workbook.sheets {
            guard let path = targets[sheet.relationship] else { throw XLSXError.missingPart("sheet \(sheet.name)") }
            paths[sheet.name] = path
            names.append(sheet.name)
        }
        sheetPaths = paths
        sheetNames = names
        date1904 = workbook.date1904
        var strings: [String] = []
        if let sharedPath {
            strings = try Self.parse(
                archive, sharedPath, limits, SharedStringsHandler(), required: true, total: &unpacked)!.strings
        }
        sharedStrings = strings
        var styles: [Bool] = []
        if let stylesPath {
            styles =
                try Self.parse(archive, stylesPath, limits, StylesHandler(), required: false, total: &unpacked)?
                .dateStyles() ?? []
        }
        dateStyles = styles
        unpackedAtOpen = unpacked
    }

    /// Calls `body` with each non-empty row of the sheet, in order, without holding the sheet in memory.
    /// `body` may throw to stop early.
    public func forEachRow(inSheet name: String, _ body: (Row) throws -> Void) throws {
        guard let path = sheetPaths[name] else { throw XLSXError.sheetNotFound(name) }
        do {
            try withoutActuallyEscaping(body) { body in
                let handler = SheetHandler(
                    sharedStrings: sharedStrings, dateStyles: dateStyles, date1904: date1904, part: path,
                    emit: { row in
                        do { try body(row) } catch { throw CallerError(error: error) }
                    })
                var total = unpackedAtOpen
                _ = try Self.stream(archive, path, limits, handler, required: true, total: &total)
            }
        } catch let wrapped as CallerError {
            throw wrapped.error
        }
    }

    /// An error thrown by the caller's row handler, passed through untouched.
    struct CallerError: Error {
        let error: Error
    }

    /// Every non-empty row of the sheet (for small sheets; large ones are better read with ``forEachRow``).
    public func rows(inSheet name: String) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(inSheet: name) { rows.append($0) }
        return rows
    }

    // MARK: - Parts

    static func normalize(_ target: String, relativeTo folder: String) -> String {
        var path =
            target.hasPrefix("/") ? String(target.dropFirst()) : (folder.isEmpty ? target : folder + "/" + target)
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(part) }
        }
        path = parts.joined(separator: "/")
        return path
    }

    static func parse<H: XMLEventHandler>(
        _ archive: Archive, _ path: String, _ limits: XLSXLimits, _ handler: H, required: Bool,
        total: inout Int64
    ) throws -> H? {
        try stream(archive, path, limits, handler, required: required, total: &total)
    }

    /// Unpacks `path` chunk by chunk into the scanner, counting what is actually unpacked.
    static func stream<H: XMLEventHandler>(
        _ archive: Archive, _ path: String, _ limits: XLSXLimits, _ handler: H, required: Bool,
        total: inout Int64
    ) throws -> H? {
        guard let entry = archive[path] ?? archive.first(where: { $0.path.lowercased() == path.lowercased() }) else {
            if required { throw XLSXError.missingPart(path) }
            return nil
        }
        let scanner = XMLScanner(handler: handler, part: path)
        var unpacked: Int64 = 0
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 18, skipCRC32: false) { chunk in
                unpacked += Int64(chunk.count)
                total += Int64(chunk.count)
                if unpacked > limits.maxEntrySize {
                    throw XLSXError.entryTooLarge(path: path, limit: limits.maxEntrySize)
                }
                if total > limits.maxTotalSize { throw XLSXError.totalTooLarge(limit: limits.maxTotalSize) }
                try scanner.feed(chunk)
            }
        } catch let error as XLSXError {
            throw error
        } catch let error as CallerError {
            throw error
        } catch {
            throw XLSXError.damaged("\(path) cannot be unpacked")
        }
        try scanner.finish()
        return scanner.handler
    }
}
