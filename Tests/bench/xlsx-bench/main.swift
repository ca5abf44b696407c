// Reads or writes the benchmark workbook with the XLSX library; Tests/bench/xlsx_bench.py times it.
//   xlsx-bench read FILE        prints the row and cell counts
//   xlsx-bench write FILE ROWS  writes ROWS rows of the benchmark data
import Foundation
import XLSX

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: xlsx-bench read FILE | write FILE ROWS\n".utf8))
    exit(2)
}
do {
    switch arguments[1] {
    case "read":
        let book = try Workbook(
            url: URL(fileURLWithPath: arguments[2]), limits: XLSXLimits(maxEntrySize: 1 << 30, maxTotalSize: 2 << 30))
        var rows = 0
        var cells = 0
        try book.forEachRow(inSheet: book.sheetNames[0]) { row in
            rows += 1
            cells += row.cells.count
        }
        print("rows=\(rows) cells=\(cells)")
    case "write":
        let count = Int(arguments[3]) ?? 100_000
        let writer = try WorkbookWriter()
        let sheet = try writer.addSheet("data")
        for r in 0..<count {
            try writer.appendRow(
                [
                    .string("ПУ-\(r)"), .number(Double(r)), .number(Double(r) * 1.5), .string("Объект \(r % 100)"),
                    .number(Double(r % 7)), .number(Double(r) * 0.001), .string("А+"), .string("Круглосуточно"),
                    .number(Double(r) + 0.25), .string("x"),
                ], to: sheet)
        }
        try writer.write(to: URL(fileURLWithPath: arguments[2]))
        print("rows=\(count)")
    default:
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("xlsx-bench: \(error)\n".utf8))
    exit(1)
}
