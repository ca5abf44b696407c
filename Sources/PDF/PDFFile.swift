import Foundation
import ZIPFoundation

/// The objects of a PDF file and how they are written: numbered objects, a cross-reference table and a
/// trailer (PDF 1.7, ISO 32000-1 §7.5).
struct PDFFile {
    private(set) var objects: [[UInt8]?] = []

    /// Reserves an object number to be filled in later (for objects that refer to each other).
    mutating func reserve() -> Int {
        objects.append(nil)
        return objects.count
    }

    mutating func set(_ number: Int, _ body: String) {
        objects[number - 1] = Array(body.utf8)
    }

    mutating func add(_ body: String) -> Int {
        let number = reserve()
        set(number, body)
        return number
    }

    /// A stream object, compressed with Flate; `dictionary` holds any entries besides /Length and /Filter.
    mutating func addStream(_ content: [UInt8], dictionary: String = "") -> Int {
        let number = reserve()
        setStream(number, content, dictionary: dictionary)
        return number
    }

    /// A stream whose content is already encoded (a JPEG under `/DCTDecode`): written as it is.
    mutating func addRawStream(_ content: [UInt8], dictionary: String) -> Int {
        let number = reserve()
        var body = Array("<< /Length \(content.count) \(dictionary) >>\nstream\n".utf8)
        body += content
        body += Array("\nendstream".utf8)
        objects[number - 1] = body
        return number
    }

    mutating func setStream(_ number: Int, _ content: [UInt8], dictionary: String = "") {
        let packed = Flate.compress(content)
        var body = Array("<< /Length \(packed.count) /Filter /FlateDecode \(dictionary) >>\nstream\n".utf8)
        body += packed
        body += Array("\nendstream".utf8)
        objects[number - 1] = body
    }

    /// The whole file, with `root` as the catalog and `info` as the document information dictionary.
    func bytes(root: Int, info: Int, id: String) -> [UInt8] {
        var out = Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n".utf8)
            out += body ?? Array("null".utf8)
            out += Array("\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            table += String(repeating: "0", count: max(0, 10 - String(offset).count)) + "\(offset) 00000 n \n"
        }
        table +=
            "trailer\n<< /Size \(objects.count + 1) /Root \(root) 0 R /Info \(info) 0 R /ID [<\(id)> <\(id)>] >>\nstartxref\n\(xref)\n%%EOF\n"
        out += Array(table.utf8)
        return out
    }
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with a byte order mark (§7.9.2.2).
func pdfTextString(_ text: String) -> String {
    if text.allSatisfy({ $0.isASCII && !$0.isNewline }) {
        var out = "("
        for character in text.unicodeScalars {
            switch character {
            case "(", ")", "\\": out += "\\" + String(character)
            case _ where character.value < 0x20: out += " "
            default: out.unicodeScalars.append(character)
            }
        }
        return out + ")"
    }
    var hex = "<FEFF"
    for unit in text.utf16 { hex += String(format: "%04X", unit) }
    return hex + ">"
}

/// zlib streams (RFC 1950) around the raw deflate ZIPFoundation makes.
enum Flate {
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        let input = Data(bytes)
        var deflated = Data()
        let done: Bool
        do {
            _ = try Data.compress(
                size: Int64(input.count), bufferSize: 64 * 1024,
                provider: { position, size in input.subdata(in: Int(position)..<Int(position) + size) },
                consumer: { deflated.append($0) })
            done = true
        } catch {
            done = false
        }
        var out: [UInt8] = [0x78, 0x9C]
        if done {
            out += deflated
        } else {
            out += stored(bytes)
        }
        out.appendU32(adler32(bytes))
        return out
    }

    /// Deflate's stored blocks: no compression, used only if the compressor fails.
    private static func stored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let end = min(bytes.count, start + 65535)
            let length = UInt16(end - start)
            out.append(end == bytes.count ? 1 : 0)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += bytes[start..<end]
            start = end
        } while start < bytes.count
        return out
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + 5552)
            while index < end {
                a += UInt32(bytes[index])
                b += a
                index += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }
}
