import Foundation

/// A font cut down to the glyphs a document uses, renumbered from 0 so the embedded file stays small:
/// glyph `new` of the subset is glyph `original[new]` of the font.
struct FontSubset {
    let original: [UInt16]
    let newGlyph: [UInt16: UInt16]
    let file: [UInt8]

    /// The subset holding `glyphs` (and `.notdef` and every glyph a composite among them is built from).
    init(font: TrueTypeFont, glyphs: Set<UInt16>) {
        var keep: Set<UInt16> = glyphs.union([0])
        var queue = Array(keep)
        while let glyph = queue.popLast() {
            for component in font.components(of: font.outline(glyph)).map(\.glyph)
            where Int(component) < font.glyphCount && !keep.contains(component) {
                keep.insert(component)
                queue.append(component)
            }
        }
        original = keep.sorted()
        var map: [UInt16: UInt16] = [:]
        for (index, glyph) in original.enumerated() { map[glyph] = UInt16(index) }
        newGlyph = map
        file = Self.build(font: font, original: original, map: map)
    }

    private static func build(font: TrueTypeFont, original: [UInt16], map: [UInt16: UInt16]) -> [UInt8] {
        var glyf: [UInt8] = []
        var loca: [UInt8] = []
        var hmtx: [UInt8] = []
        for glyph in original {
            loca.appendU32(UInt32(glyf.count))
            var outline = Array(font.outline(glyph))
            for component in font.components(of: font.outline(glyph)) {
                let new = map[component.glyph] ?? 0
                outline[component.offset] = UInt8(new >> 8)
                outline[component.offset + 1] = UInt8(new & 0xFF)
            }
            glyf += outline
            while glyf.count % 4 != 0 { glyf.append(0) }
            hmtx.appendU16(UInt16(font.advance(glyph)))
            hmtx.appendU16(UInt16(bitPattern: font.leftBearing(glyph)))
        }
        loca.appendU32(UInt32(glyf.count))

        func copy(_ tag: String) -> [UInt8]? {
            font.tables[tag].map { Array(font.data[$0]) }
        }
        var head = copy("head") ?? []
        if head.count >= 54 {
            head.replace(at: 8, u32: 0)  // checkSumAdjustment, set below
            head.replace(at: 50, u16: 1)  // long loca offsets
        }
        var hhea = copy("hhea") ?? []
        if hhea.count >= 36 { hhea.replace(at: 34, u16: UInt16(original.count)) }
        var maxp = copy("maxp") ?? []
        if maxp.count >= 6 { maxp.replace(at: 4, u16: UInt16(original.count)) }

        // Viewers find glyphs through the PDF's CIDToGIDMap; a cmap with only its closing segment keeps the
        // file a complete TrueType font for tools that expect one.
        let cmap: [UInt8] = [
            0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12,
            0, 4, 0, 24, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 1, 0, 0,
        ]
        var tables: [(String, [UInt8])] = [
            ("cmap", cmap), ("glyf", glyf), ("head", head), ("hhea", hhea), ("hmtx", hmtx), ("loca", loca),
            ("maxp", maxp),
        ]
        for tag in ["cvt ", "fpgm", "prep"] {
            if let table = copy(tag) { tables.append((tag, table)) }
        }
        tables.sort { $0.0 < $1.0 }

        var file: [UInt8] = []
        file.appendU32(0x0001_0000)
        let count = tables.count
        var power = 1
        var log = 0
        while power * 2 <= count {
            power *= 2
            log += 1
        }
        file.appendU16(UInt16(count))
        file.appendU16(UInt16(power * 16))
        file.appendU16(UInt16(log))
        file.appendU16(UInt16(count * 16 - power * 16))
        var offset = 12 + count * 16
        var body: [UInt8] = []
        var headOffset = 0
        for (tag, table) in tables {
            file += Array(tag.utf8)
            file.appendU32(checksum(table))
            file.appendU32(UInt32(offset))
            file.appendU32(UInt32(table.count))
            if tag == "head" { headOffset = offset }
            body += table
            while body.count % 4 != 0 { body.append(0) }
            offset = 12 + count * 16 + body.count
        }
        file += body
        if headOffset > 0 {
            file.replace(at: headOffset + 8, u32: 0xB1B0_AFBA &- checksum(file))
        }
        return file
    }

    private static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            var word: UInt32 = 0
            for byte in 0..<4 {
                word = word << 8 | UInt32(index + byte < bytes.count ? bytes[index + byte] : 0)
            }
            sum = sum &+ word
            index += 4
        }
        return sum
    }
}

extension Array where Element == UInt8 {
    mutating func appendU16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
    mutating func appendU32(_ value: UInt32) {
        appendU16(UInt16(value >> 16))
        appendU16(UInt16(value & 0xFFFF))
    }
    mutating func replace(at offset: Int, u16 value: UInt16) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }
    mutating func replace(at offset: Int, u32 value: UInt32) {
        replace(at: offset, u16: UInt16(value >> 16))
        replace(at: offset + 2, u16: UInt16(value & 0xFFFF))
    }
}
