/// A cell address such as `B12`: column and row, both counted from 1.
public struct CellReference: Sendable, Hashable, CustomStringConvertible {
    public let column: Int
    public let row: Int

    public init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }

    /// Parses `B12`, `AA3`, `XFD1048576`.
    public init(_ text: String) throws {
        var column = 0
        var row = 0
        var seenDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where !seenDigit:
                column = column * 26 + Int(byte - UInt8(ascii: "A") + 1)
            case UInt8(ascii: "a")...UInt8(ascii: "z") where !seenDigit:
                column = column * 26 + Int(byte - UInt8(ascii: "a") + 1)
            case UInt8(ascii: "0")...UInt8(ascii: "9") where column > 0:
                seenDigit = true
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
            default:
                throw XLSXError.invalidCellReference(text)
            }
            if column > 16_384 || row > 1_048_576 { throw XLSXError.invalidCellReference(text) }
        }
        guard column > 0, row > 0 else { throw XLSXError.invalidCellReference(text) }
        self.column = column
        self.row = row
    }

    public var description: String { CellReference.letters(column) + String(row) }

    /// 1 → `A`, 27 → `AA`.
    public static func letters(_ column: Int) -> String {
        var n = column
        var out: [UInt8] = []
        while n > 0 {
            let remainder = (n - 1) % 26
            out.append(UInt8(ascii: "A") + UInt8(remainder))
            n = (n - 1) / 26
        }
        return String(decoding: out.reversed(), as: UTF8.self)
    }

    /// `A` → 1, `AA` → 27; `nil` for anything else.
    public static func column(_ letters: String) -> Int? {
        guard !letters.isEmpty, letters.count <= 3 else { return nil }
        var column = 0
        for byte in letters.utf8 {
            guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) else { return nil }
            column = column * 26 + Int(byte - UInt8(ascii: "A") + 1)
        }
        return column <= 16_384 ? column : nil
    }
}
