import Foundation
import TestTools
import Testing

@testable import XLSX

/// Runs a command and returns its standard output; throws with its standard error otherwise.
@discardableResult
func run(_ arguments: [String], cwd: URL? = nil) throws -> String { try runToolText(arguments, cwd: cwd) }

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The Python helper next to this file.
let pythonHelper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("helper.py").path

/// A small workbook of ours with every kind of value.
func sampleWorkbook() throws -> Data {
    let writer = try WorkbookWriter()
    let sheet = try writer.addSheet(
        "Показания",
        columns: [
            .init(width: 12), .init(width: 30), .init(width: 14, numberFormat: "0.000", editable: true),
            .init(width: 12),
        ],
        freezeHeader: true, protected: true)
    try writer.appendRow(
        [.string("Номер ПУ"), .string("Наименование ИК"), .string("Текущие"), .string("Дата")], to: sheet, bold: true)
    try writer.appendRow(
        [
            .string("011234"), .string("ИК «Цех №1» & <склад>"), .number(12345.678),
            .date(Date(timeIntervalSince1970: 1_796_083_200)),
        ],
        to: sheet)
    try writer.appendRow([.string("  пробелы  "), nil, .number(-0.5), .bool(true)], to: sheet)
    let second = try writer.addSheet("Second")
    try writer.appendRow([.number(1), .number(2.25), .string("строка\nвторая")], to: second)
    return try writer.finish()
}
