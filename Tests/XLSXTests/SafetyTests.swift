import Foundation
import Testing
import ZIPFoundation

@testable import XLSX

@Suite struct SafetyTests {
    func expectError(_ expected: XLSXError, _ data: Data, limits: XLSXLimits = .upload) {
        do {
            let book = try Workbook(data: data, limits: limits)
            for name in book.sheetNames { _ = try book.rows(inSheet: name) }
            Issue.record("read without error, expected \(expected)")
        } catch let error as XLSXError {
            #expect(error == expected)
            #expect(!error.russianMessage.isEmpty)
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    func expectAnyError(_ data: Data, limits: XLSXLimits = .upload) -> XLSXError? {
        do {
            let book = try Workbook(data: data, limits: limits)
            for name in book.sheetNames { _ = try book.rows(inSheet: name) }
            return nil
        } catch let error as XLSXError {
            return error
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    @Test func minimalFixtureReads() throws {
        let rows = try Workbook(data: try FixtureBuilder.workbook()).rows(inSheet: "Sheet1")
        #expect(rows[0].cells.map(\.value) == [.string("один"), .number(2.5)])
    }

    @Test func randomBytesCSVAndXLS() {
        var generator = SystemRandomNumberGenerator()
        expectError(.notAWorkbook, Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        expectError(.notAWorkbook, Data("Номер ПУ;Показания\n011234;12345,678\n".utf8))
        expectError(.notAWorkbook, Data())
        expectError(
            .legacyXLS, Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)))
    }

    @Test func truncatedFile() throws {
        let data = try sampleWorkbook()
        for length in [10, data.count / 3, data.count / 2, data.count - 30] {
            let error = expectAnyError(data.prefix(length))
            #expect(error != nil, "a file cut at \(length) of \(data.count) bytes")
        }
    }

    @Test func zipBombIsRefusedBeforeUnpacking() throws {
        // 64 MB of zeros compress to about 64 KB: over a 16 MB per-part limit.
        let zeros = Data(count: 64 << 20)
        var parts = FixtureBuilder.parts()
        parts.append(("xl/media/bomb.bin", zeros))
        let data = try FixtureBuilder.zip(parts)
        #expect(data.count < 1 << 20)
        expectError(
            .entryTooLarge(path: "xl/media/bomb.bin", limit: 16 << 20), data, limits: XLSXLimits(maxEntrySize: 16 << 20)
        )
        expectError(
            .totalTooLarge(limit: 32 << 20), data, limits: XLSXLimits(maxEntrySize: 128 << 20, maxTotalSize: 32 << 20))
    }

    @Test func tooManyEntries() throws {
        var parts = FixtureBuilder.parts()
        for index in 0..<50 { parts.append(("xl/media/\(index).txt", Data("x".utf8))) }
        expectError(
            .tooManyEntries(count: 21, limit: 20), try FixtureBuilder.zip(parts), limits: XLSXLimits(maxEntries: 20))
    }

    @Test func actualSizeIsCountedWhileUnpacking() throws {
        // A sheet whose real size exceeds the limit is stopped as it unpacks, whatever the header says.
        var rows = ""
        for index in 1...40_000 { rows += "<row r=\"\(index)\"><c r=\"A\(index)\"><v>\(index)</v></c></row>" }
        let sheet =
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\(rows)</sheetData></worksheet>"
        let honest = try FixtureBuilder.workbook(sheetXML: sheet)
        #expect(sheet.utf8.count > 1 << 20)
        expectError(
            .entryTooLarge(path: "xl/worksheets/sheet1.xml", limit: 1 << 20), honest,
            limits: XLSXLimits(maxEntrySize: 1 << 20))
        // The directory claims 100 bytes: the limit still holds while unpacking.
        let lying = FixtureBuilder.lyingAboutSize(honest, path: "xl/worksheets/sheet1.xml", declared: 100)
        let error = expectAnyError(lying, limits: XLSXLimits(maxEntrySize: 1 << 20))
        #expect(
            error == .entryTooLarge(path: "xl/worksheets/sheet1.xml", limit: 1 << 20)
                || error == .damaged("xl/worksheets/sheet1.xml cannot be unpacked"))
    }

    @Test func billionLaughsAndExternalEntitiesAreRefused() throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>
            """
        expectError(.forbiddenDTD(part: "xl/sharedStrings.xml"), try FixtureBuilder.workbook(sharedStrings: laughs))
        let external = """
            <?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
            """
        expectError(.forbiddenDTD(part: "xl/worksheets/sheet1.xml"), try FixtureBuilder.workbook(sheetXML: external))
        // An undeclared entity without a DTD is refused too.
        let undeclared = FixtureBuilder.simpleSheet.replacingOccurrences(of: "<v>2.5</v>", with: "<v>&nbsp;</v>")
        expectError(.forbiddenDTD(part: "xl/worksheets/sheet1.xml"), try FixtureBuilder.workbook(sheetXML: undeclared))
    }

    @Test func missingPartsAndWrongContentType() throws {
        var parts = FixtureBuilder.parts()
        parts.removeAll { $0.0 == "xl/workbook.xml" }
        expectError(.missingPart("xl/workbook.xml"), try FixtureBuilder.zip(parts))

        parts = FixtureBuilder.parts()
        parts.removeAll { $0.0 == "xl/worksheets/sheet1.xml" }
        expectError(.missingPart("xl/worksheets/sheet1.xml"), try FixtureBuilder.zip(parts))

        parts = FixtureBuilder.parts()
        parts.removeAll { $0.0 == "[Content_Types].xml" }
        expectError(.missingPart("[Content_Types].xml"), try FixtureBuilder.zip(parts))

        let docx = FixtureBuilder.contentTypes.replacingOccurrences(
            of: "spreadsheetml.sheet.main+xml", with: "wordprocessingml.document.main+xml")
        parts = FixtureBuilder.parts()
        parts[0] = ("[Content_Types].xml", Data(docx.utf8))
        expectError(
            .wrongContentType("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            try FixtureBuilder.zip(parts))
    }

    @Test func sharedStringIndexOutOfRange() throws {
        let sheet = FixtureBuilder.simpleSheet.replacingOccurrences(of: "t=\"s\"><v>0</v>", with: "t=\"s\"><v>7</v>")
        expectError(.sharedStringOutOfRange(index: 7, count: 1), try FixtureBuilder.workbook(sheetXML: sheet))
    }

    @Test func malformedXMLIsTyped() throws {
        for broken in [
            FixtureBuilder.simpleSheet.replacingOccurrences(of: "</row>", with: ""),
            FixtureBuilder.simpleSheet.replacingOccurrences(of: "</sheetData>", with: "</sheetDta>"),
            FixtureBuilder.simpleSheet.replacingOccurrences(of: "<v>2.5</v>", with: "<v>два</v>"),
            FixtureBuilder.simpleSheet.replacingOccurrences(of: "r=\"B1\"", with: "r=\"1B\""),
            FixtureBuilder.simpleSheet + "<extra/>",
        ] {
            #expect(expectAnyError(try FixtureBuilder.workbook(sheetXML: broken)) != nil)
        }
    }
}

@Suite struct FuzzTests {
    /// Mutates valid workbooks (stored uncompressed, so mutations reach the XML) and checks that reading
    /// either works or fails with a typed error: never a crash, never an untyped error.
    @Test func mutatedWorkbooksNeverCrash() throws {
        var generator = SplitMix64(seed: 0x5eed_2026)
        var sources = [try sampleWorkbook()]
        sources.append(try FixtureBuilder.zip(FixtureBuilder.parts(), compression: .none))
        sources.append(
            try FixtureBuilder.zip(FixtureBuilder.parts(sheetXML: FixtureBuilder.simpleSheet), compression: .none))
        var outcomes = (ok: 0, typed: 0)
        for iteration in 0..<1500 {
            var bytes = [UInt8](sources[iteration % sources.count])
            let mutations = Int.random(in: 1...8, using: &generator)
            for _ in 0..<mutations {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                case 2: bytes.remove(at: position)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            do {
                let book = try Workbook(
                    data: Data(bytes), limits: XLSXLimits(maxEntrySize: 4 << 20, maxTotalSize: 8 << 20))
                for name in book.sheetNames { try book.forEachRow(inSheet: name) { _ in } }
                outcomes.ok += 1
            } catch is XLSXError {
                outcomes.typed += 1
            }
        }
        #expect(outcomes.ok + outcomes.typed == 1500)
        #expect(outcomes.typed > 100, "mutations do break files")
    }
}

/// A small deterministic generator so a failing mutation can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct BoundsTests {
    @Test func endlessRowWithoutReferencesIsStopped() throws {
        let cells = String(repeating: "<c><v>1</v></c>", count: 16_385)
        let sheet =
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row>\(cells)</row></sheetData></worksheet>"
        #expect(throws: XLSXError.invalidCellReference("column 16385")) {
            try Workbook(data: try FixtureBuilder.workbook(sheetXML: sheet)).forEachRow(inSheet: "Sheet1") { _ in }
        }
    }

    @Test func totalActuallyUnpackedIsBounded() throws {
        // Two sheets' worth of data under a total limit that one read of the sheet exceeds.
        var rows = ""
        for index in 1...30_000 { rows += "<row r=\"\(index)\"><c r=\"A\(index)\"><v>\(index)</v></c></row>" }
        let sheet =
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\(rows)</sheetData></worksheet>"
        let honest = try FixtureBuilder.workbook(sheetXML: sheet)
        let lying = FixtureBuilder.lyingAboutSize(honest, path: "xl/worksheets/sheet1.xml", declared: 100)
        do {
            let book = try Workbook(data: lying, limits: XLSXLimits(maxEntrySize: 64 << 20, maxTotalSize: 256 << 10))
            try book.forEachRow(inSheet: "Sheet1") { _ in }
            Issue.record("a sheet larger than the total limit was read")
        } catch let error as XLSXError {
            #expect(
                error == .totalTooLarge(limit: 256 << 10)
                    || error == .damaged("xl/worksheets/sheet1.xml cannot be unpacked"))
        }
    }
}
