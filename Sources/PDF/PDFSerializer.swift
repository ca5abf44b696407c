import Foundation

/// Turns a laid-out `PDFDocument` into the objects of a file: the catalog, the pages with their content
/// streams, each font as a `Type0` font over a `CIDFontType2` subset with `Identity-H` encoding and a
/// `ToUnicode` map, and the document information.
struct PDFSerializer {
    let document: PDFDocument

    func bytes() -> [UInt8] {
        var file = PDFFile()
        let catalog = file.reserve()
        let pagesNumber = file.reserve()
        var names: [ObjectIdentifier: (name: String, subset: FontSubset)] = [:]
        var fontEntries: [String] = []
        for (index, font) in [document.regular, document.bold].enumerated() where !font.used.isEmpty {
            let subset = FontSubset(font: font.font, glyphs: Set(font.used.keys))
            let object = addFont(font, subset: subset, to: &file)
            names[ObjectIdentifier(font)] = ("F\(index + 1)", subset)
            fontEntries.append("/F\(index + 1) \(object) 0 R")
        }
        var imageEntries: [String] = []
        for (index, image) in document.images.enumerated() {
            let object = file.addRawStream(
                image.data,
                dictionary:
                    "/Type /XObject /Subtype /Image /Width \(image.width) /Height \(image.height) /ColorSpace \(image.colorSpace) /BitsPerComponent 8 /Filter /DCTDecode"
            )
            imageEntries.append("/Im\(index + 1) \(object) 0 R")
        }
        let xObjects = imageEntries.isEmpty ? "" : " /XObject << \(imageEntries.joined(separator: " ")) >>"
        let resources = "<< /Font << \(fontEntries.joined(separator: " ")) >>\(xObjects) >>"
        var kids: [String] = []
        for operations in document.pages {
            let content = file.addStream(Array(contentStream(operations, names: names).utf8))
            let page = file.add(
                "<< /Type /Page /Parent \(pagesNumber) 0 R /MediaBox [0 0 \(n(PDFDocument.pageWidth)) \(n(PDFDocument.pageHeight))] /Resources \(resources) /Contents \(content) 0 R >>"
            )
            kids.append("\(page) 0 R")
        }
        file.set(pagesNumber, "<< /Type /Pages /Kids [\(kids.joined(separator: " "))] /Count \(kids.count) >>")
        file.set(catalog, "<< /Type /Catalog /Pages \(pagesNumber) 0 R /Lang (ru-RU) >>")
        let info = document.info
        var infoEntries =
            "/Title \(pdfTextString(info.title)) /Author \(pdfTextString(info.author)) /Producer (LKK PDF) /CreationDate (\(pdfDate(info.created)))"
        if let subject = info.subject { infoEntries += " /Subject \(pdfTextString(subject))" }
        let infoNumber = file.add("<< \(infoEntries) >>")
        let id = String(format: "%016llX%016llX", fnv(info.title + info.author), fnv(pdfDate(info.created)))
        return file.bytes(root: catalog, info: infoNumber, id: id)
    }

    private func addFont(_ font: EmbeddedFont, subset: FontSubset, to file: inout PDFFile) -> Int {
        let ttf = font.font
        let tag = subsetTag(subset.original)
        let name = "\(tag)+\(ttf.postScriptName)"
        let scale = 1000 / Double(ttf.unitsPerEm)
        let fontFile = file.addStream(subset.file, dictionary: "/Length1 \(subset.file.count)")
        let (x0, y0, x1, y1) = ttf.bbox
        let flags = 32
        let descriptor = file.add(
            "<< /Type /FontDescriptor /FontName /\(name) /Flags \(flags) /FontBBox [\(n(Double(x0) * scale)) \(n(Double(y0) * scale)) \(n(Double(x1) * scale)) \(n(Double(y1) * scale))] /ItalicAngle \(n(ttf.italicAngle)) /Ascent \(n(Double(ttf.ascender) * scale)) /Descent \(n(Double(ttf.descender) * scale)) /CapHeight \(n(Double(ttf.capHeight) * scale)) /StemV \(ttf.isBold ? 120 : 80) /FontFile2 \(fontFile) 0 R >>"
        )
        let widths = subset.original.map { n(Double(ttf.advance($0)) * scale) }.joined(separator: " ")
        let cidFont = file.add(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(descriptor) 0 R /W [0 [\(widths)]] /CIDToGIDMap /Identity >>"
        )
        let toUnicode = file.addStream(Array(cmap(font, subset: subset).utf8))
        return file.add(
            "<< /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>"
        )
    }

    /// The `ToUnicode` CMap: each glyph of the subset back to the character it was drawn for.
    private func cmap(_ font: EmbeddedFont, subset: FontSubset) -> String {
        var pairs: [(UInt16, Unicode.Scalar)] = []
        for (glyph, scalar) in font.used {
            if let new = subset.newGlyph[glyph] { pairs.append((new, scalar)) }
        }
        pairs.sort { $0.0 < $1.0 }
        var text = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        var start = 0
        while start < pairs.count {
            let chunk = pairs[start..<min(pairs.count, start + 100)]
            text += "\(chunk.count) beginbfchar\n"
            for (glyph, scalar) in chunk {
                let units = String(scalar).utf16.map { String(format: "%04X", $0) }.joined()
                text += String(format: "<%04X> <", glyph) + units + ">\n"
            }
            text += "endbfchar\n"
            start += 100
        }
        text += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return text
    }

    private func contentStream(
        _ operations: [PDFDocument.Operation], names: [ObjectIdentifier: (name: String, subset: FontSubset)]
    ) -> String {
        let height = PDFDocument.pageHeight
        var out = ""
        for operation in operations {
            switch operation {
            case .text(let font, let size, let x, let y, let text):
                guard let (name, subset) = names[ObjectIdentifier(font)], !text.isEmpty else { continue }
                var hex = ""
                for (glyph, _) in font.glyphs(text) { hex += String(format: "%04X", subset.newGlyph[glyph] ?? 0) }
                out += "BT /\(name) \(n(size)) Tf \(n(x)) \(n(height - y)) Td <\(hex)> Tj ET\n"
            case .line(let x1, let y1, let x2, let y2, let width):
                out += "\(n(width)) w \(n(x1)) \(n(height - y1)) m \(n(x2)) \(n(height - y2)) l S\n"
            case .stroke(let x, let y, let w, let h, let width):
                out += "\(n(width)) w \(n(x)) \(n(height - y - h)) \(n(w)) \(n(h)) re S\n"
            case .fill(let x, let y, let w, let h, let gray):
                out += "\(n(gray)) g \(n(x)) \(n(height - y - h)) \(n(w)) \(n(h)) re f 0 g\n"
            case .image(let index, let x, let y, let w, let h):
                out += "q \(n(w)) 0 0 \(n(h)) \(n(x)) \(n(height - y - h)) cm /Im\(index + 1) Do Q\n"
            }
        }
        return out
    }

    /// A number as PDF writes it: at most two decimals, no exponent.
    private func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    /// Six capital letters naming a subset, the same for the same glyphs (ISO 32000-1 §9.6.4).
    private func subsetTag(_ glyphs: [UInt16]) -> String {
        var hash = fnv(glyphs.map(String.init).joined(separator: ","))
        var tag = ""
        for _ in 0..<6 {
            tag.append(Character(Unicode.Scalar(UInt8(65 + hash % 26))))
            hash /= 26
        }
        return tag
    }

    private func fnv(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    private func pdfDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "D:%04d%02d%02d%02d%02d%02dZ", c.year ?? 2000, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }
}
