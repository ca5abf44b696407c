import Foundation
import TestTools
import Testing

@testable import PDF

@Suite struct TrueTypeFontTests {
    @Test func theBundledFontsCoverRussianDocuments() {
        for font in [TrueTypeFont.regular, TrueTypeFont.bold] {
            for scalar in "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789№₽«»—–%"
                .unicodeScalars
            {
                #expect(font.glyph(for: scalar) != nil, "\(scalar) in \(font.postScriptName)")
            }
            #expect(font.unitsPerEm == 2048)
        }
        #expect(TrueTypeFont.bold.isBold)
        #expect(!TrueTypeFont.regular.isBold)
    }

    @Test func aSubsetKeepsTheWidthsAndIsAFont() throws {
        let font = TrueTypeFont.regular
        let glyphs = Set("Счет №1 ₽".unicodeScalars.compactMap { font.glyph(for: $0) })
        let subset = FontSubset(font: font, glyphs: glyphs)
        let reread = try TrueTypeFont(data: Data(subset.file))
        #expect(reread.glyphCount == subset.original.count)
        for (new, old) in subset.original.enumerated() {
            #expect(reread.advance(UInt16(new)) == font.advance(old))
            #expect(reread.outline(UInt16(new)).count >= font.outline(old).count)
        }
        #expect(subset.file.count < 20_000)
    }

    @Test func damagedFontFilesAreRefusedNotCrashedOn() throws {
        let url = try #require(Bundle.module.url(forResource: "DejaVuSansCondensed", withExtension: "ttf"))
        let real = try Data(contentsOf: url)
        var random = SeededGenerator(state: 42)
        #expect(throws: FontError.self) { try TrueTypeFont(data: Data()) }
        #expect(throws: FontError.self) { try TrueTypeFont(data: Data("%PDF-1.7".utf8)) }
        for length in [4, 12, 200, 1_000, 10_000, 100_000] {
            #expect(throws: FontError.self) { try TrueTypeFont(data: real.prefix(length)) }
        }
        // Random bytes changed anywhere: whatever is read either throws or gives a usable font.
        for _ in 0..<40 {
            var bytes = [UInt8](real)
            for _ in 0..<50 {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if let font = try? TrueTypeFont(data: Data(bytes)) {
                let pdf = PDFDocument(info: .init(title: "x", author: "y"), regular: font, bold: font)
                pdf.paragraph("Проверка шрифта 123")
                #expect(!pdf.finish().isEmpty)
            }
        }
    }
}
