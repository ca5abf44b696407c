import Foundation
import Testing

@testable import XLSX

@Suite struct CellReferenceTests {
    @Test func lettersAndNumbers() throws {
        #expect(CellReference.letters(1) == "A")
        #expect(CellReference.letters(26) == "Z")
        #expect(CellReference.letters(27) == "AA")
        #expect(CellReference.letters(16_384) == "XFD")
        #expect(CellReference.column("XFD") == 16_384)
        #expect(CellReference.column("a") == nil)
        #expect(try CellReference("B12") == CellReference(column: 2, row: 12))
        #expect(try CellReference("aa3").description == "AA3")
        for bad in ["", "12", "B", "B0", "1B", "XFE1", "A1048577", "A-1"] {
            #expect(throws: XLSXError.self) { try CellReference(bad) }
        }
        for column in 1...1000 { #expect(CellReference.column(CellReference.letters(column)) == column) }
    }

    @Test func serialDates() {
        let date = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01
        #expect(SerialDate.serial(date) == 46_357)
        #expect(SerialDate.date(serial: 46_357, date1904: false) == date)
        #expect(SerialDate.date(serial: 44_895, date1904: true) == date)
        // 1 March 1900 is serial 61 (Excel counts a 29 February 1900 that never was).
        #expect(SerialDate.date(serial: 61, date1904: false) == Date(timeIntervalSince1970: -2_203_891_200))
        #expect(SerialDate.date(serial: 1.5, date1904: false) == Date(timeIntervalSince1970: -2_208_945_600))
    }

    @Test func dateFormats() {
        for code in ["dd.mm.yyyy", "yyyy-mm-dd hh:mm", "[$-419]d mmmm yyyy", "h:mm:ss", "[h]:mm"] {
            #expect(DateFormatDetector.isDate(code), "\(code)")
        }
        for code in ["0.000", "#,##0.00\\ \"₽\"", "0%", "General", "\"день\" 0", "[Red]0.00", "0.00E+00"] {
            #expect(!DateFormatDetector.isDate(code), "\(code)")
        }
    }
}

@Suite struct ReadWriteTests {
    @Test func ourFileReadsBackTheSame() throws {
        let book = try Workbook(data: try sampleWorkbook())
        #expect(book.sheetNames == ["Показания", "Second"])
        let rows = try book.rows(inSheet: "Показания")
        #expect(rows.count == 3)
        #expect(rows[0][1] == .string("Номер ПУ"))
        #expect(rows[1][1] == .string("011234"), "leading zeros of a meter number survive")
        #expect(rows[1][2] == .string("ИК «Цех №1» & <склад>"))
        #expect(rows[1][3] == .number(12345.678))
        #expect(rows[1][4] == .date(Date(timeIntervalSince1970: 1_796_083_200)))
        #expect(rows[2][1] == .string("  пробелы  "))
        #expect(rows[2][2] == nil)
        #expect(rows[2][3] == .number(-0.5))
        #expect(rows[2][4] == .bool(true))
        #expect(
            try book.rows(inSheet: "Second")[0].cells.map(\.value) == [
                .number(1), .number(2.25), .string("строка\nвторая"),
            ])
        #expect(throws: XLSXError.sheetNotFound("Нет")) { try book.rows(inSheet: "Нет") }
    }

    @Test func sheetNamesAreChecked() throws {
        let writer = try WorkbookWriter()
        _ = try writer.addSheet("Лист")
        for bad in ["", "a/b", "[x]", String(repeating: "я", count: 32), "лист"] {
            #expect(throws: XLSXError.self) { _ = try writer.addSheet(bad) }
        }
    }

    @Test func streamingStopsWhenTheCallerThrows() throws {
        struct Enough: Error {}
        let writer = try WorkbookWriter()
        let sheet = try writer.addSheet("data")
        for index in 0..<5000 { try writer.appendRow([.number(Double(index))], to: sheet) }
        let book = try Workbook(data: try writer.finish())
        var seen = 0
        #expect(throws: Enough.self) {
            try book.forEachRow(inSheet: "data") { _ in
                seen += 1
                if seen == 10 { throw Enough() }
            }
        }
        #expect(seen == 10)
        var count = 0
        try book.forEachRow(inSheet: "data") { row in
            #expect(row.index == count + 1)
            count += 1
        }
        #expect(count == 5000)
    }

    @Test func sparseRowsAndCellsWithoutReferencesOrDimension() throws {
        // Hand-written sheet: no <dimension>, a row without r, cells without r, an empty row, inline strings
        // with rich-text runs, a formula with its cached value, an error, a 1904 workbook.
        let sheet = """
            <?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            <row r="2"><c r="C2" t="inlineStr"><is><r><t>Ро</t></r><r><t xml:space="preserve">машка </t></r><rPh><t>ignored</t></rPh></is></c></row>
            <row r="3"/>
            <row><c><v>1</v></c><c t="str"><f>A4&amp;"x"</f><v>1x</v></c><c t="e"><v>#DIV/0!</v></c><c r="F4" s="1"><v>0</v></c></row>
            <row r="7"><c r="B7" t="b"><v>0</v></c><c r="A7" t="d"><v>2026-11-30T10:00:00</v></c></row>
            </sheetData></worksheet>
            """
        let data = try FixtureBuilder.workbook(sheetXML: sheet, date1904: true, styles: FixtureBuilder.dateStyles)
        let rows = try Workbook(data: data).rows(inSheet: "Sheet1")
        #expect(rows.map(\.index) == [2, 4, 7])
        #expect(rows[0][3] == .string("Ромашка "))
        #expect(rows[1].cells.map(\.column) == [1, 2, 3, 6])
        #expect(rows[1][1] == .number(1))
        #expect(rows[1][2] == .string("1x"))
        #expect(rows[1][3] == .error("#DIV/0!"))
        #expect(rows[1][6] == .date(SerialDate.base1904))
        #expect(rows[2].cells.map(\.column) == [1, 2], "cells are given in column order")
        #expect(rows[2][2] == .bool(false))
        #expect(rows[2][1] == .date(Date(timeIntervalSince1970: 1_796_032_800)))
    }
}

@Suite(.serialized) struct InteroperabilityTests {
    @Test func openpyxlReadsWhatWeWrite() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("ours.xlsx")
        try sampleWorkbook().write(to: file)
        let json = try run(["python3", pythonHelper, "read", file.path])
        let book = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: [String: Any]]
        let sheet = try #require(book["Показания"])
        let rows = sheet["rows"] as! [[Any]]
        #expect((rows[1][1] as? [String: String])?["string"] == "ИК «Цех №1» & <склад>")
        #expect((rows[1][2] as? [String: Double])?["number"] == 12345.678)
        #expect((rows[1][3] as? [String: String])?["date"] == "2026-12-01T00:00:00")
        #expect((rows[2][3] as? [String: Bool])?["bool"] == true)
        #expect(sheet["frozen"] as? String == "A2")
        #expect(sheet["protected"] as? Bool == true)
        let locked = sheet["locked"] as! [String: Bool]
        #expect(locked["C2"] == false, "the input column is editable")
        #expect(locked["A2"] == true)
        #expect(locked["B2"] == true)
        let bold = sheet["bold"] as! [String: Bool]
        #expect(bold["A1"] == true)
        #expect(bold["A2"] == false)
        #expect((sheet["formats"] as! [String: String])["C2"] == "0.000")
        #expect((sheet["widths"] as! [String: Double])["B"] == 30)
        #expect(book["Second"] != nil)
    }

    @Test func weReadWhatOpenpyxlWrites() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("openpyxl.xlsx")
        try run(["python3", pythonHelper, "write", file.path])
        let book = try Workbook(url: file)
        #expect(book.sheetNames == ["Данные", "Второй"])
        let rows = try book.rows(inSheet: "Данные")
        #expect(rows[0].cells.map(\.value) == ["Номер", "Имя", "Сумма", "Дата", "Флаг"].map { CellValue.string($0) })
        #expect(
            rows[1].cells.map(\.value) == [
                .number(1), .string("Ромашка & «Ко»"), .number(1234.5),
                .date(Date(timeIntervalSince1970: 1_796_083_200 - 86400)),
                .bool(true),
            ])
        #expect(rows[2][3] == .number(-0.001))
        #expect(rows[2][4] == .date(Date(timeIntervalSince1970: -2_208_945_600)))
        #expect(rows.last?.index == 10)
        #expect(rows.last?[8] == .string("далеко"))
        #expect(try book.rows(inSheet: "Второй")[0][1] == .number(3.14159))
    }

    @Test func libreOfficeReadsWhatWeWrite() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("ours.xlsx")
        try sampleWorkbook().write(to: file)
        try run(
            [
                "soffice", "-env:UserInstallation=file://\(folder.path)/lo", "--headless", "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", folder.path, file.path,
            ])
        let csv = try String(contentsOf: folder.appendingPathComponent("ours.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        // The filter quotes every text cell; the date shows in our dd.mm.yyyy format.
        #expect(lines[0] == "\"Номер ПУ\",\"Наименование ИК\",\"Текущие\",\"Дата\"")
        #expect(lines[1] == "\"011234\",\"ИК «Цех №1» & <склад>\",12345.678,01.12.2026")
        #expect(lines[2] == "\"  пробелы  \",,-0.500,TRUE")
    }

    @Test func weReadWhatLibreOfficeWrites() throws {
        let folder = try temporaryFolder()
        let csv = folder.appendingPathComponent("lo.csv")
        try "Номер ПУ,Показания,Зона\n011234,12345.678,День\n,\"строка, с запятой\",\n7,=2+3,Ночь\n".write(
            to: csv, atomically: true, encoding: .utf8)
        try run(
            [
                "soffice", "-env:UserInstallation=file://\(folder.path)/lo", "--headless", "--infilter=CSV:44,34,76,1",
                "--convert-to", "xlsx", "--outdir", folder.path, csv.path,
            ])
        let book = try Workbook(url: folder.appendingPathComponent("lo.xlsx"))
        let rows = try book.rows(inSheet: book.sheetNames[0])
        #expect(rows[0].cells.map(\.value) == [.string("Номер ПУ"), .string("Показания"), .string("Зона")])
        #expect(rows[1][2] == .number(12345.678))
        #expect(rows[1][3] == .string("День"))
        #expect(rows[2].cells.map(\.column) == [2])
        #expect(rows[2][2] == .string("строка, с запятой"))
        #expect(rows[3][2] == .number(5), "a formula is read by its cached value")
    }

    @Test func libreOfficeRecalculatesOpenpyxlFormulasAndWeReadThem() throws {
        let folder = try temporaryFolder()
        let source = folder.appendingPathComponent("source.xlsx")
        try run(["python3", pythonHelper, "write", source.path])
        let out = folder.appendingPathComponent("out")
        try run(
            [
                "soffice", "-env:UserInstallation=file://\(folder.path)/lo", "--headless", "--convert-to", "xlsx",
                "--outdir", out.path, source.path,
            ])
        let book = try Workbook(url: out.appendingPathComponent("source.xlsx"))
        let rows = try book.rows(inSheet: "Данные")
        #expect(rows[1][2] == .string("Ромашка & «Ко»"))
        #expect(rows[1][4] == .date(Date(timeIntervalSince1970: 1_796_083_200 - 86400)))
        #expect(rows.first { $0.index == 4 }?[2] == .number(2))
    }
}

@Suite struct ExcelShapedTests {
    /// Parts shaped the way Microsoft Excel writes them: markup-compatibility namespaces, `x14ac`
    /// attributes, `spans`, rich-text runs and phonetic hints in the shared strings, a formula with its
    /// cached value, a locale date format, and a `dimension` that does not match the data.
    @Test func readsAnExcelShapedWorkbook() throws {
        let sst = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">\
            <si><t>Номер ПУ</t></si>\
            <si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/><charset val="204"/><scheme val="minor"/></rPr><t>Текущие</t></r>\
            <r><rPr><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/><charset val="204"/><scheme val="minor"/></rPr><t xml:space="preserve"> показания</t></r></si>\
            <si><t>ЦЕХ</t><rPh sb="0" eb="1"><t>ツ</t></rPh><phoneticPr fontId="1"/></si></sst>
            """
        let styles = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac x16r2" \
            xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">\
            <numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/><numFmt numFmtId="165" formatCode="0.000"/></numFmts>\
            <fonts count="1" x14ac:knownFonts="1"><font><sz val="11"/></font></fonts>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>
            """
        let sheet = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" \
            xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" \
            xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" \
            xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xr:uid="{00000000-0001-0000-0000-000000000000}">\
            <dimension ref="A1:B2"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>\
            <sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>\
            <row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>\
            <row r="2" spans="1:4" x14ac:dyDescent="0.25"><c r="A2" s="2"><v>12345.678</v></c><c r="B2" s="1"><v>46357</v></c>\
            <c r="C2"><f>A2*2</f><v>24691.356</v></c><c r="D2" s="3"><v>46357.5</v></c></row>\
            <row r="5" spans="1:4" x14ac:dyDescent="0.25"><c r="B5" s="1"/><c r="D5"><v>7</v></c></row>\
            </sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>
            """
        let book = try Workbook(data: try FixtureBuilder.workbook(sheetXML: sheet, styles: styles, sharedStrings: sst))
        let rows = try book.rows(inSheet: "Sheet1")
        #expect(rows.map(\.index) == [1, 2, 5])
        #expect(rows[0].cells.map(\.value) == [.string("Номер ПУ"), .string("Текущие показания"), .string("ЦЕХ")])
        #expect(rows[1][1] == .number(12345.678))
        #expect(rows[1][2] == .date(Date(timeIntervalSince1970: 1_796_083_200)))
        #expect(rows[1][3] == .number(24691.356))
        #expect(rows[1][4] == .date(Date(timeIntervalSince1970: 1_796_083_200 + 43200)))
        #expect(rows[2].cells.map(\.column) == [4], "a styled empty cell is no cell")
    }
}
