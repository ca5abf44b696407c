import Foundation
import TestTools
import Testing

@testable import PDF

/// JPEG images placed in a document go in as they are, with the size their frame header gives.
@Suite struct PDFImageTests {
    /// A JPEG made by poppler from a one-page PDF (so no encoder is needed here).
    func jpeg() throws -> Data {
        let pdf = PDFDocument(info: .init(title: "Снимок", author: "Тест"))
        pdf.paragraph("Снимок страницы", size: 20, bold: true)
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("jpeg-\(UUID().uuidString)").path
        try run(["pdftoppm", "-jpeg", "-r", "30", "-singlefile", file.path, prefix])
        defer { try? FileManager.default.removeItem(atPath: prefix + ".jpg") }
        return try Data(contentsOf: URL(fileURLWithPath: prefix + ".jpg"))
    }

    @Test func theFrameHeaderGivesSizeAndColours() throws {
        let data = try jpeg()
        let image = try #require(PDFImage(jpeg: data))
        // A4 at 30 dpi.
        #expect(image.width == 249 && image.height == 351 && image.components == 3)
        #expect(PDFImage(jpeg: Data("not a jpeg".utf8)) == nil)
        #expect(PDFImage(jpeg: data.prefix(20)) == nil, "cut before the frame header")
        #expect(PDFImage(jpeg: Data([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x00, 0, 0, 0, 0, 0, 0])) == nil)
    }

    @Test func imagesAreEmbeddedOnceEachAndDrawnWhereTheTextFlows() throws {
        let image = try #require(PDFImage(jpeg: try jpeg()))
        let pdf = PDFDocument(info: .init(title: "Инструкция", author: "Тест"))
        pdf.paragraph("До рисунка", size: 12)
        for _ in 0..<3 { pdf.image(image, maxHeight: 330) }
        pdf.paragraph("Рисунок 3 – Снимок", size: 10, align: .center)
        let file = try WrittenPDF(pdf.finish())
        defer { file.remove() }
        #expect(try file.check().contains("No syntax or stream encoding errors found"))
        // Three places, three image objects of the JPEG's size; the third goes to a second page.
        let listed = try run(["pdfimages", "-list", file.path]).split(separator: "\n").dropFirst(2)
        #expect(listed.count == 3)
        for row in listed {
            let columns = row.split(separator: " ", omittingEmptySubsequences: true)
            #expect(columns[3] == "249" && columns[4] == "351" && columns[5] == "rgb" && columns[8] == "jpeg")
        }
        #expect(pdf.pageCount == 2)
        #expect(try file.text(first: 2).contains("Рисунок 3 – Снимок"))
    }
}
