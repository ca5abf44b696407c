import Foundation
import ZIPFoundation

@testable import XLSX

/// Builds workbooks part by part, so tests can make broken ones.
enum FixtureBuilder {
    static let contentTypes = """
        <?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>
        """
    static func workbookXML(date1904: Bool = false) -> String {
        """
        <?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <workbookPr date1904="\(date1904 ? 1 : 0)"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    }
    static let workbookRels = """
        <?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>
        """
    static let dateStyles = """
        <?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>
        """
    static let emptySharedStrings = """
        <?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>один</t></si></sst>
        """
    static let simpleSheet = """
        <?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
        <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2.5</v></c></row></sheetData></worksheet>
        """

    /// The parts of a minimal valid workbook, each replaceable.
    static func parts(
        sheetXML: String = simpleSheet, date1904: Bool = false, styles: String = dateStyles,
        sharedStrings: String = emptySharedStrings
    ) -> [(String, Data)] {
        [
            ("[Content_Types].xml", Data(contentTypes.utf8)),
            ("xl/workbook.xml", Data(workbookXML(date1904: date1904).utf8)),
            ("xl/_rels/workbook.xml.rels", Data(workbookRels.utf8)),
            ("xl/styles.xml", Data(styles.utf8)),
            ("xl/sharedStrings.xml", Data(sharedStrings.utf8)),
            ("xl/worksheets/sheet1.xml", Data(sheetXML.utf8)),
        ]
    }

    static func workbook(
        sheetXML: String = simpleSheet, date1904: Bool = false, styles: String = dateStyles,
        sharedStrings: String = emptySharedStrings
    ) throws -> Data {
        try zip(parts(sheetXML: sheetXML, date1904: date1904, styles: styles, sharedStrings: sharedStrings))
    }

    static func zip(_ parts: [(String, Data)], compression: CompressionMethod = .deflate) throws -> Data {
        // A file-backed archive: ZIPFoundation's in-memory writer fails on large entries.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let archive = try Archive(url: url, accessMode: .create)
        for (path, data) in parts {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return try Data(contentsOf: url)
    }

    /// Rewrites the uncompressed size that the central directory declares for `path`.
    static func lyingAboutSize(_ data: Data, path: String, declared: UInt32) -> Data {
        var bytes = [UInt8](data)
        let name = Array(path.utf8)
        var index = 0
        while index + 46 < bytes.count {
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x01, bytes[index + 3] == 0x02 {
                let nameLength = Int(bytes[index + 28]) | Int(bytes[index + 29]) << 8
                if Array(bytes[(index + 46)..<(index + 46 + nameLength)]) == name {
                    for k in 0..<4 { bytes[index + 24 + k] = UInt8((declared >> (8 * UInt32(k))) & 0xFF) }
                }
            }
            index += 1
        }
        return Data(bytes)
    }
}
