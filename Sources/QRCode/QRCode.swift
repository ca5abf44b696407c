/// A QR code (ISO/IEC 18004) of a text in byte mode with error correction level M, versions 1–10 (up to
/// 213 bytes of UTF-8: enough for an `otpauth://` URI), drawn as SVG.
///
/// ```swift
/// let code = try QRCode(text: "otpauth://totp/ЛКК:ivanova?secret=JBSWY3DPEHPK3PXP&issuer=ЛКК")
/// let svg = code.svg(title: "QR-код для приложения-аутентификатора")
/// ```
public struct QRCode: Sendable {
    public enum Failure: Error, Equatable {
        /// The text does not fit in version 10 at level M.
        case tooLong(bytes: Int)
    }

    /// Modules per side.
    public let size: Int
    public let version: Int
    /// The mask pattern chosen (0–7).
    public let mask: Int
    private var modules: [Bool]

    /// Whether the module in column `x`, row `y` is dark.
    public subscript(x: Int, y: Int) -> Bool {
        x >= 0 && y >= 0 && x < size && y < size && modules[y * size + x]
    }

    public init(text: String) throws {
        let bytes = Array(text.utf8)
        guard let version = (1...Self.versions.count).first(where: { Self.fits(bytes.count, version: $0) }) else {
            throw Failure.tooLong(bytes: bytes.count)
        }
        let spec = Self.versions[version - 1]
        self.version = version
        size = 17 + 4 * self.version
        var grid = Grid(size: size)
        grid.drawFunctionPatterns(version: self.version)
        let codewords = Self.codewords(bytes, spec: spec, version: self.version)
        grid.drawCodewords(codewords)
        var best = (penalty: Int.max, mask: 0, grid: grid)
        for mask in 0..<8 {
            var candidate = grid
            candidate.applyMask(mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = candidate.penalty()
            if penalty < best.penalty { best = (penalty, mask, candidate) }
        }
        mask = best.mask
        modules = best.grid.modules
    }

    /// The code as an SVG image with a light quiet zone of four modules, `title` for screen readers.
    public func svg(title: String, moduleSize: Int = 6) -> String {
        let side = size + 8
        var path = ""
        for y in 0..<size {
            for x in 0..<size where self[x, y] { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        var escaped = ""
        for character in title {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * moduleSize)" height="\(side * moduleSize)" shape-rendering="crispEdges" role="img" aria-label="\(escaped)"><title>\(escaped)</title><rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    // MARK: - Data

    /// Level M of versions 1–10: error correction codewords per block and the data codewords of each block.
    struct Spec {
        let ecPerBlock: Int
        let blocks: [Int]
        var dataCodewords: Int { blocks.reduce(0, +) }
    }

    static let versions: [Spec] = [
        Spec(ecPerBlock: 10, blocks: [16]), Spec(ecPerBlock: 16, blocks: [28]), Spec(ecPerBlock: 26, blocks: [44]),
        Spec(ecPerBlock: 18, blocks: [32, 32]), Spec(ecPerBlock: 24, blocks: [43, 43]),
        Spec(ecPerBlock: 16, blocks: [27, 27, 27, 27]), Spec(ecPerBlock: 18, blocks: [31, 31, 31, 31]),
        Spec(ecPerBlock: 22, blocks: [38, 38, 39, 39]), Spec(ecPerBlock: 22, blocks: [36, 36, 36, 37, 37]),
        Spec(ecPerBlock: 26, blocks: [43, 43, 43, 43, 44]),
    ]

    static func countBits(_ version: Int) -> Int { version < 10 ? 8 : 16 }

    static func fits(_ count: Int, version: Int) -> Bool {
        4 + countBits(version) + 8 * count <= versions[version - 1].dataCodewords * 8
    }

    /// The data bits (mode, count, bytes, terminator, padding) split into blocks, each followed by its
    /// Reed–Solomon codewords, interleaved as the symbol holds them.
    static func codewords(_ bytes: [UInt8], spec: Spec, version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, countBits(version))
        for byte in bytes { append(Int(byte), 8) }
        let capacity = spec.dataCodewords * 8
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            (0..<8).reduce(UInt8(0)) { $0 << 1 | (bits[start + $1] ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < spec.dataCodewords {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        let divisor = ReedSolomon.divisor(degree: spec.ecPerBlock)
        var blocks: [[UInt8]] = []
        var corrections: [[UInt8]] = []
        var offset = 0
        for length in spec.blocks {
            let block = Array(data[offset..<offset + length])
            blocks.append(block)
            corrections.append(ReedSolomon.remainder(block, divisor: divisor))
            offset += length
        }
        var result: [UInt8] = []
        for index in 0..<(spec.blocks.max() ?? 0) {
            for block in blocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<spec.ecPerBlock {
            for correction in corrections { result.append(correction[index]) }
        }
        return result
    }
}

/// Reed–Solomon codes over GF(2⁸) with the polynomial x⁸ + x⁴ + x³ + x² + 1, as QR codes use them.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for bit in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> bit) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    /// The generator polynomial of `degree`, highest coefficient (always 1) left out.
    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}

/// The modules of a symbol being drawn, and which of them are function patterns (not data).
struct Grid {
    let size: Int
    var modules: [Bool]
    var reserved: [Bool]

    init(size: Int) {
        self.size = size
        modules = Array(repeating: false, count: size * size)
        reserved = Array(repeating: false, count: size * size)
    }

    mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y * size + x] = dark
        reserved[y * size + x] = true
    }

    func dark(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

    mutating func drawFunctionPatterns(version: Int) {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                    let distance = max(abs(dx), abs(dy))
                    set(x + dx, y + dy, distance != 2 && distance != 4)
                }
            }
        }
        let centres = Self.alignment[version - 1]
        for (i, x) in centres.enumerated() {
            for (j, y) in centres.enumerated() {
                let last = centres.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormatBits(mask: 0)  // reserves the format areas; the real bits come with the mask
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let dark = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                set(a, b, dark)
                set(b, a, dark)
            }
        }
    }

    /// Alignment pattern centres of versions 1–10.
    static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    /// The 15 format bits (level M, `mask`) in both copies, and the dark module.
    mutating func drawFormatBits(mask: Int) {
        let data = 0b00 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { set(8, index, bit(index)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for index in 9..<15 { set(14 - index, 8, bit(index)) }
        for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
        set(8, size - 8, true)
    }

    /// Places the codewords in the zigzag of two-module columns from the bottom right.
    mutating func drawCodewords(_ data: [UInt8]) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for offset in 0..<2 {
                    let x = right - offset
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    guard !reserved[y * size + x], index < data.count * 8 else { continue }
                    modules[y * size + x] = (data[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !reserved[y * size + x] {
                let invert: Bool =
                    switch mask {
                    case 0: (x + y) % 2 == 0
                    case 1: y % 2 == 0
                    case 2: x % 3 == 0
                    case 3: (x + y) % 3 == 0
                    case 4: (x / 3 + y / 2) % 2 == 0
                    case 5: x * y % 2 + x * y % 3 == 0
                    case 6: (x * y % 2 + x * y % 3) % 2 == 0
                    default: ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                if invert { modules[y * size + x].toggle() }
            }
        }
    }

    /// The standard's penalty score: long runs, 2×2 blocks, finder-like patterns, dark/light balance.
    func penalty() -> Int {
        var score = 0
        for line in 0..<size {
            for horizontal in [true, false] {
                var run = 1
                var previous = horizontal ? dark(0, line) : dark(line, 0)
                var sequence: [Bool] = [previous]
                for index in 1..<size {
                    let current = horizontal ? dark(index, line) : dark(line, index)
                    sequence.append(current)
                    if current == previous {
                        run += 1
                        if run == 5 { score += 3 } else if run > 5 { score += 1 }
                    } else {
                        run = 1
                        previous = current
                    }
                }
                score += 40 * Self.finderLike(in: sequence)
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = dark(x, y)
                if colour == dark(x + 1, y) && colour == dark(x, y + 1) && colour == dark(x + 1, y + 1) { score += 3 }
            }
        }
        let darkCount = modules.filter { $0 }.count
        let total = size * size
        let k = (abs(darkCount * 20 - total * 10) + total - 1) / total - 1
        score += max(0, k) * 10
        return score
    }

    /// Occurrences of dark-light-dark×3-light-dark with four light modules on one side.
    static func finderLike(in line: [Bool]) -> Int {
        let core: [Bool] = [true, false, true, true, true, false, true]
        var count = 0
        guard line.count >= 11 else { return 0 }
        for start in 0...(line.count - 7) where Array(line[start..<start + 7]) == core {
            let before = start >= 4 && line[(start - 4)..<start].allSatisfy { !$0 }
            let after = start + 11 <= line.count && line[(start + 7)..<(start + 11)].allSatisfy { !$0 }
            if before || after { count += 1 }
        }
        return count
    }
}
