import Foundation

/// A font as a document uses it: measuring and wrapping text, and remembering which glyphs were drawn
/// (and for which characters) so only those are embedded.
final class EmbeddedFont {
    let font: TrueTypeFont
    /// Each drawn glyph with the character it was drawn for, for the `ToUnicode` map.
    private(set) var used: [UInt16: Unicode.Scalar] = [:]
    private let fallback: UInt16

    init(_ font: TrueTypeFont) {
        self.font = font
        fallback = font.glyph(for: "?") ?? 0
    }

    /// Characters a document can show: tabs and other control characters become spaces.
    static func clean(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            || (0xD800...0xDFFF).contains(scalar.value) ? " " : scalar
    }

    func glyphs(_ text: String) -> [(UInt16, Unicode.Scalar)] {
        text.unicodeScalars.map { raw in
            let scalar = Self.clean(raw)
            return (font.glyph(for: scalar) ?? fallback, scalar)
        }
    }

    func use(_ text: String) {
        for (glyph, scalar) in glyphs(text) where used[glyph] == nil {
            used[glyph] = glyph == fallback && scalar != "?" ? "?" : scalar
        }
    }

    func width(_ text: String, size: Double) -> Double {
        var units = 0
        for (glyph, _) in glyphs(text) { units += font.advance(glyph) }
        return Double(units) * size / Double(font.unitsPerEm)
    }

    func offset(of line: String, size: Double, width: Double, align: PDFDocument.Alignment) -> Double {
        switch align {
        case .left: 0
        case .center: max(0, (width - self.width(line, size: size)) / 2)
        case .right: max(0, width - self.width(line, size: size))
        }
    }

    /// The lines `text` takes at `size` in `width` points: broken at its own line breaks, then between
    /// words, and inside a word only when the word alone is too wide.
    func wrap(_ text: String, size: Double, width: Double) -> [String] {
        var lines: [String] = []
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        for paragraph in paragraphs {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if self.width(candidate, size: size) <= width {
                    line = candidate
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = ""
                var piece = ""
                for character in word {
                    if !piece.isEmpty && self.width(piece + String(character), size: size) > width {
                        lines.append(piece)
                        piece = ""
                    }
                    piece.append(character)
                }
                line = piece
            }
            lines.append(line)
        }
        return lines.isEmpty ? [""] : lines
    }
}
