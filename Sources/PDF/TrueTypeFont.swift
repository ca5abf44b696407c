import Foundation

/// What went wrong reading a font file.
public struct FontError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A TrueType font (glyph outlines in `glyf`) read far enough to lay out text and to embed a subset of it:
/// the character map, advance widths, vertical metrics and each glyph's outline bytes.
public final class TrueTypeFont: @unchecked Sendable {
    /// The PostScript name (from `name`), used as the base of the embedded font's name.
    public let postScriptName: String
    public let unitsPerEm: Int
    public let ascender: Int
    public let descender: Int
    public let capHeight: Int
    public let bbox: (Int, Int, Int, Int)
    public let italicAngle: Double
    public let isBold: Bool

    let data: [UInt8]
    let tables: [String: Range<Int>]
    let glyphCount: Int
    private let longLoca: Bool
    private let advances: [UInt16]
    private let leftBearings: [Int16]
    private let cmap: [UInt32: UInt16]

    /// Reads a font from its file bytes; throws `FontError` on anything that is not a TrueType font.
    public init(data bytes: Data) throws {
        let data = [UInt8](bytes)
        self.data = data
        let reader = ByteReader(data)
        let version = try reader.u32(at: 0)
        guard version == 0x0001_0000 || version == 0x7472_7565 else { throw FontError("not a TrueType font") }
        let count = Int(try reader.u16(at: 4))
        var tables: [String: Range<Int>] = [:]
        for index in 0..<count {
            let record = 12 + index * 16
            let tag = String(decoding: try reader.bytes(at: record, count: 4), as: UTF8.self)
            let offset = Int(try reader.u32(at: record + 8))
            let length = Int(try reader.u32(at: record + 12))
            guard offset <= data.count, length <= data.count - offset else {
                throw FontError("table \(tag) out of file")
            }
            tables[tag] = offset..<(offset + length)
        }
        self.tables = tables
        func table(_ tag: String) throws -> Int {
            guard let range = tables[tag] else { throw FontError("no \(tag) table") }
            return range.lowerBound
        }
        let head = try table("head")
        unitsPerEm = Int(try reader.u16(at: head + 18))
        guard unitsPerEm >= 16 else { throw FontError("bad unitsPerEm") }
        bbox = (
            Int(try reader.i16(at: head + 36)), Int(try reader.i16(at: head + 38)), Int(try reader.i16(at: head + 40)),
            Int(try reader.i16(at: head + 42))
        )
        isBold = try reader.u16(at: head + 44) & 1 != 0
        longLoca = try reader.i16(at: head + 50) == 1
        let hhea = try table("hhea")
        ascender = Int(try reader.i16(at: hhea + 4))
        descender = Int(try reader.i16(at: hhea + 6))
        let metricCount = Int(try reader.u16(at: hhea + 34))
        glyphCount = Int(try reader.u16(at: try table("maxp") + 4))
        guard metricCount >= 1, metricCount <= glyphCount else { throw FontError("bad numberOfHMetrics") }
        let hmtx = try table("hmtx")
        var advances: [UInt16] = []
        var bearings: [Int16] = []
        advances.reserveCapacity(glyphCount)
        for glyph in 0..<glyphCount {
            if glyph < metricCount {
                advances.append(try reader.u16(at: hmtx + glyph * 4))
                bearings.append(try reader.i16(at: hmtx + glyph * 4 + 2))
            } else {
                advances.append(advances[metricCount - 1])
                bearings.append(try reader.i16(at: hmtx + metricCount * 4 + (glyph - metricCount) * 2))
            }
        }
        self.advances = advances
        self.leftBearings = bearings
        if let os2 = tables["OS/2"], os2.count >= 90, try reader.u16(at: os2.lowerBound) >= 2 {
            capHeight = Int(try reader.i16(at: os2.lowerBound + 88))
        } else {
            capHeight = ascender
        }
        if let post = tables["post"] {
            italicAngle = Double(try reader.i32(at: post.lowerBound + 4)) / 65536
        } else {
            italicAngle = 0
        }
        cmap = try Self.readCmap(reader, at: try table("cmap"), glyphCount: glyphCount)
        postScriptName = (try? Self.readPostScriptName(reader, tables["name"])) ?? "Font"
        guard tables["glyf"] != nil, tables["loca"] != nil else { throw FontError("no glyf outlines") }
    }

    /// The glyph for a character, or nil when the font has none.
    public func glyph(for scalar: Unicode.Scalar) -> UInt16? {
        cmap[scalar.value]
    }

    /// The advance width of a glyph in font units.
    public func advance(_ glyph: UInt16) -> Int {
        Int(advances[Int(glyph) < advances.count ? Int(glyph) : 0])
    }

    func leftBearing(_ glyph: UInt16) -> Int16 {
        leftBearings[Int(glyph) < leftBearings.count ? Int(glyph) : 0]
    }

    /// The outline bytes of a glyph in `glyf` (empty for a blank glyph such as space).
    func outline(_ glyph: UInt16) -> ArraySlice<UInt8> {
        guard let loca = tables["loca"], let glyf = tables["glyf"], Int(glyph) < glyphCount else { return [] }
        let reader = ByteReader(data)
        let start: Int
        let end: Int
        if longLoca {
            start = Int((try? reader.u32(at: loca.lowerBound + Int(glyph) * 4)) ?? 0)
            end = Int((try? reader.u32(at: loca.lowerBound + Int(glyph) * 4 + 4)) ?? 0)
        } else {
            start = Int((try? reader.u16(at: loca.lowerBound + Int(glyph) * 2)) ?? 0) * 2
            end = Int((try? reader.u16(at: loca.lowerBound + Int(glyph) * 2 + 2)) ?? 0) * 2
        }
        guard start < end, end <= glyf.count else { return [] }
        return data[(glyf.lowerBound + start)..<(glyf.lowerBound + end)]
    }

    /// The glyphs a composite glyph is built from, with the byte offsets of their indices in its outline.
    func components(of outline: ArraySlice<UInt8>) -> [(glyph: UInt16, offset: Int)] {
        let reader = ByteReader(Array(outline))
        guard let contours = try? reader.i16(at: 0), contours < 0 else { return [] }
        var result: [(UInt16, Int)] = []
        var position = 10
        while true {
            guard let flags = try? reader.u16(at: position), let glyph = try? reader.u16(at: position + 2) else {
                break
            }
            result.append((glyph, position + 2))
            position += 4 + (flags & 0x0001 != 0 ? 4 : 2)
            if flags & 0x0008 != 0 {
                position += 2
            } else if flags & 0x0040 != 0 {
                position += 4
            } else if flags & 0x0080 != 0 {
                position += 8
            }
            guard flags & 0x0020 != 0, result.count < 64 else { break }
        }
        return result
    }

    /// The bundled regular and bold faces (DejaVu Sans Condensed, Bitstream Vera licence; see Resources/LICENSE-DejaVu.txt).
    public static let regular: TrueTypeFont = bundled("DejaVuSansCondensed")
    public static let bold: TrueTypeFont = bundled("DejaVuSansCondensed-Bold")

    private static func bundled(_ name: String) -> TrueTypeFont {
        guard let url = Bundle.module.url(forResource: name, withExtension: "ttf", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url), let font = try? TrueTypeFont(data: data)
        else { fatalError("the bundled font \(name) is missing from the PDF target's resources") }
        return font
    }

    private static func readCmap(_ reader: ByteReader, at cmap: Int, glyphCount: Int) throws -> [UInt32: UInt16] {
        let count = Int(try reader.u16(at: cmap + 2))
        var best: (score: Int, offset: Int)?
        for index in 0..<count {
            let record = cmap + 4 + index * 8
            let platform = try reader.u16(at: record)
            let encoding = try reader.u16(at: record + 2)
            let offset = cmap + Int(try reader.u32(at: record + 4))
            let format = try reader.u16(at: offset)
            let score: Int =
                switch (platform, encoding, format) {
                case (3, 10, 12), (0, 4, 12), (0, 6, 12): 3
                case (3, 1, 4), (0, 3, 4), (0, 1, 4), (0, 0, 4): 2
                default: 0
                }
            if score > (best?.score ?? 0) { best = (score, offset) }
        }
        guard let offset = best?.offset else { throw FontError("no Unicode cmap") }
        var map: [UInt32: UInt16] = [:]
        func add(_ code: UInt32, _ glyph: Int) {
            if glyph > 0, glyph < glyphCount { map[code] = UInt16(glyph) }
        }
        if try reader.u16(at: offset) == 12 {
            let groups = Int(try reader.u32(at: offset + 12))
            guard groups < 100_000 else { throw FontError("bad cmap") }
            for group in 0..<groups {
                let record = offset + 16 + group * 12
                let start = try reader.u32(at: record)
                let end = try reader.u32(at: record + 4)
                let glyph = Int(try reader.u32(at: record + 8))
                guard start <= end, end - start < 0x11_0000 else { throw FontError("bad cmap group") }
                for code in start...end { add(code, glyph + Int(code - start)) }
            }
        } else {
            let segments = Int(try reader.u16(at: offset + 6)) / 2
            let ends = offset + 14
            let starts = ends + segments * 2 + 2
            let deltas = starts + segments * 2
            let rangeOffsets = deltas + segments * 2
            for segment in 0..<segments {
                let end = Int(try reader.u16(at: ends + segment * 2))
                let start = Int(try reader.u16(at: starts + segment * 2))
                let delta = Int(try reader.u16(at: deltas + segment * 2))
                let rangeOffset = Int(try reader.u16(at: rangeOffsets + segment * 2))
                guard start <= end, end != 0xFFFF || start == 0xFFFF else { continue }
                for code in start...end where code != 0xFFFF {
                    if rangeOffset == 0 {
                        add(UInt32(code), (code + delta) & 0xFFFF)
                    } else {
                        let at = rangeOffsets + segment * 2 + rangeOffset + (code - start) * 2
                        let glyph = Int(try reader.u16(at: at))
                        if glyph != 0 { add(UInt32(code), (glyph + delta) & 0xFFFF) }
                    }
                }
            }
        }
        return map
    }

    private static func readPostScriptName(_ reader: ByteReader, _ range: Range<Int>?) throws -> String? {
        guard let table = range?.lowerBound else { return nil }
        let count = Int(try reader.u16(at: table + 2))
        let strings = table + Int(try reader.u16(at: table + 4))
        for index in 0..<count {
            let record = table + 6 + index * 12
            guard try reader.u16(at: record + 6) == 6 else { continue }
            let platform = try reader.u16(at: record)
            let length = Int(try reader.u16(at: record + 8))
            let bytes = try reader.bytes(at: strings + Int(try reader.u16(at: record + 10)), count: length)
            let name: String
            if platform == 3 || platform == 0 {
                let units = stride(from: 0, to: bytes.count - 1, by: 2).map {
                    UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
                }
                name = String(decoding: units, as: UTF16.self)
            } else {
                name = String(decoding: bytes, as: UTF8.self)
            }
            let clean = name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            if !clean.isEmpty { return clean }
        }
        return nil
    }
}

/// Big-endian reads from a byte array, each checked against its end.
struct ByteReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else { throw FontError("read past the end") }
    }
    func u16(at offset: Int) throws -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }
    func i16(at offset: Int) throws -> Int16 { Int16(bitPattern: try u16(at: offset)) }
    func u32(at offset: Int) throws -> UInt32 {
        try check(offset, 4)
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }
    func i32(at offset: Int) throws -> Int32 { Int32(bitPattern: try u32(at: offset)) }
    func bytes(at offset: Int, count: Int) throws -> ArraySlice<UInt8> {
        try check(offset, count)
        return bytes[offset..<(offset + count)]
    }
}
