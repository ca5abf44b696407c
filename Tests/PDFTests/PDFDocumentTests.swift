import Foundation
import TestTools
import Testing

@testable import PDF

@Suite struct PDFDocumentTests {
    let created = Date(timeIntervalSince1970: 1_796_601_600)  // 2026-12-07 00:00 UTC

    @Test func russianTextComesBackExactly() throws {
        let line = "Счет на оплату № 12-7/2026 от «5» декабря 2026 г. Итого: 1 234 567,89 ₽ (ИНН 7707083893)"
        let pdf = PDFDocument(info: .init(title: "Счет № 12", author: "АО «Энергосбыт»", created: created))
        pdf.paragraph(line, size: 9)
        pdf.paragraph("Ёлка, ёж — «кавычки», 'апостроф', \"прямые\", 100%; & < > ( ) \\ ", bold: true)
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        let text = try file.text()
        #expect(text.contains(line))
        #expect(text.contains("Ёлка, ёж — «кавычки», 'апостроф', \"прямые\", 100%; & < > ( ) \\"))
        #expect(try file.text(layout: true).contains("Страница 1 из 1"))
    }

    @Test func qpdfFindsNoErrorAndFontsAreEmbeddedSubsets() throws {
        let pdf = PDFDocument(info: .init(title: "Проверка", author: "Тест", created: created))
        pdf.paragraph("Обычный текст", size: 10)
        pdf.paragraph("Полужирный текст", size: 12, bold: true, align: .center)
        pdf.rule()
        pdf.signature("Руководитель", name: "Иванов И. И.")
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        let check = try file.check()
        #expect(check.contains("No syntax or stream encoding errors found"))
        #expect(!check.lowercased().contains("warning"))
        let fonts = try file.fonts().split(separator: "\n").dropFirst(2)
        #expect(fonts.count == 2)
        for row in fonts {
            // name, type "CID TrueType", encoding "Identity-H", emb, sub, uni
            #expect(row.contains("CID TrueType"))
            #expect(row.contains("Identity-H"))
            #expect(row.hasSuffix("yes yes yes    ") || row.contains("yes yes yes"))
            #expect(row.range(of: #"^[A-Z]{6}\+DejaVuSansCondensed"#, options: .regularExpression) != nil)
        }
        let info = try file.info()
        #expect(info.contains("Title:           Проверка"))
        #expect(info.contains("Author:          Тест"))
        #expect(info.contains("PDF version:     1.7"))
        #expect(info.contains("Page size:       595.28 x 841.89 pts (A4)"))
        #expect(info.contains("CreationDate:") && info.contains("2026"))
    }

    @Test func tableRowsContinueOnTheNextPageUnderTheHeader() throws {
        let pdf = PDFDocument(info: .init(title: "Акт сверки", author: "Тест", created: created))
        pdf.paragraph("Акт сверки взаиморасчетов", size: 14, bold: true, align: .center)
        let rows = (1...150).map { PDFTable.Row(["\($0)", "Оплата по счету № \($0)", "\($0 * 100),00"]) }
        pdf.table(
            PDFTable(
                columns: [.init(1, align: .center), .init(6), .init(2, align: .right)],
                header: ["№", "Документ", "Сумма, ₽"], rows: rows + [.init(["", "Итого", "1 132 500,00"], bold: true)]))
        let data = pdf.finish()
        let file = try WrittenPDF(data)
        defer { file.remove() }
        _ = try file.check()
        let pages = pdf.pageCount
        #expect(pages >= 3)
        for page in 1...pages {
            let text = try file.text(first: page, last: page)
            #expect(text.contains("Документ"), "page \(page) repeats the header")
            let footer = try file.text(first: page, last: page, layout: true)
            #expect(footer.contains("Страница \(page) из \(pages)"))
        }
        let all = try file.text()
        for number in [1, 75, 150] { #expect(all.contains("Оплата по счету № \(number)\n")) }
        #expect(try file.text(first: pages, last: pages).contains("Итого"))
    }

    @Test func longWordsAndCellsWrapInsideTheirColumn() throws {
        let pdf = PDFDocument(info: .init(title: "Перенос", author: "Тест", created: created))
        let word = String(repeating: "Электроэнергия", count: 12)
        pdf.table(PDFTable(columns: [.init(1)], rows: [.init([word])]))
        pdf.paragraph(String(repeating: "слово ", count: 300), align: .right)
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        _ = try file.check()
        let text = try file.text()
        #expect(text.components(separatedBy: "\n").first { $0.hasPrefix("Электро") }!.count < word.count)
        #expect(text.replacingOccurrences(of: "\n", with: "").contains(word))
        #expect(try file.text().components(separatedBy: "\n").count > 10)
    }

    @Test func pagesRender() throws {
        let pdf = PDFDocument(info: .init(title: "Рисунок", author: "Тест", created: created))
        pdf.paragraph("Страница для просмотра", size: 16, bold: true)
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        let prefix = file.url.deletingPathExtension().path
        try run(["pdftoppm", "-r", "50", "-png", "-singlefile", file.path, prefix])
        let png = URL(fileURLWithPath: prefix + ".png")
        defer { try? FileManager.default.removeItem(at: png) }
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func theEmbeddedFontIsSmall() {
        let pdf = PDFDocument(info: .init(title: "Размер", author: "Тест", created: created))
        pdf.paragraph("Счет на оплату 0123456789 АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ абвгдежзийклмнопрстуфхцчшщъыьэюя ₽ №")
        #expect(pdf.finish().count < 40_000)
    }

    @Test(arguments: 0..<25) func randomTextsAndTablesMakeValidFiles(seed: Int) throws {
        var random = SeededGenerator(state: UInt64(seed) &* 7919)
        func randomText(_ length: Int) -> String {
            let pools: [ClosedRange<UInt32>] = [
                0x20...0x7E, 0x410...0x44F, 0x0...0x1F, 0x2000...0x206F, 0x1F600...0x1F64F, 0x4E00...0x4E20,
                0xA0...0xFF,
            ]
            var text = ""
            for _ in 0..<length {
                let pool = pools.randomElement(using: &random)!
                if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &random)) {
                    text.unicodeScalars.append(scalar)
                }
            }
            return text
        }
        let pdf = PDFDocument(
            info: .init(title: randomText(20), author: randomText(10), subject: randomText(5), created: created))
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            if Bool.random(using: &random) {
                pdf.paragraph(
                    randomText(Int.random(in: 0...600, using: &random)),
                    size: Double.random(in: 4...30, using: &random),
                    bold: Bool.random(using: &random), align: [.left, .center, .right].randomElement(using: &random)!)
            } else {
                let columns = Int.random(in: 1...8, using: &random)
                let rows = (0..<Int.random(in: 0...80, using: &random)).map { _ in
                    PDFTable.Row(
                        (0..<Int.random(in: 0...(columns + 1), using: &random)).map { _ in
                            randomText(Int.random(in: 0...120, using: &random))
                        }, bold: Bool.random(using: &random))
                }
                pdf.table(
                    PDFTable(
                        columns: (0..<columns).map { _ in .init(Double.random(in: 0...5, using: &random)) },
                        header: Bool.random(using: &random) ? (0..<columns).map { _ in randomText(8) } : nil,
                        rows: rows, fontSize: Double.random(in: 1...40, using: &random)))
            }
        }
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        let check = try file.check()
        #expect(check.contains("No syntax or stream encoding errors found"), "seed \(seed)")
        _ = try file.text()
    }
}
