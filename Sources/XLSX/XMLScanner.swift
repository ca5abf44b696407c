import Foundation

/// What the scanner reports. Names are local names (any namespace prefix removed), as raw UTF-8.
protocol XMLEventHandler {
    /// Whether the next text node is wanted; text that is not wanted is skipped without decoding.
    var wantsText: Bool { get }
    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: XMLAttributes) throws
    mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws
    mutating func text(_ text: String) throws
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether these bytes spell `literal`.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let other = literal.utf8Start
        for index in 0..<count where self[index] != other[index] { return false }
        return true
    }
}

/// The attribute text of one start tag, read on demand.
struct XMLAttributes {
    let bytes: UnsafeBufferPointer<UInt8>
    let part: String

    /// The value of the attribute whose local name is `name`, entities decoded.
    func value(_ name: StaticString) throws -> String? {
        guard let range = try find(name) else { return nil }
        return try XMLText.decode(UnsafeBufferPointer(rebasing: bytes[range]), part: part)
    }

    /// The raw bytes of the attribute's value (for numbers and references, which have no entities).
    func rawValue(_ name: StaticString) throws -> UnsafeBufferPointer<UInt8>? {
        guard let range = try find(name) else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    private func find(_ name: StaticString) throws -> Range<Int>? {
        var i = 0
        let n = bytes.count
        while i < n {
            while i < n, XMLText.isSpace(bytes[i]) { i += 1 }
            if i >= n { break }
            let nameStart = i
            var localStart = i
            while i < n, bytes[i] != UInt8(ascii: "="), !XMLText.isSpace(bytes[i]) {
                if bytes[i] == UInt8(ascii: ":") { localStart = i + 1 }
                i += 1
            }
            let nameEnd = i
            while i < n, XMLText.isSpace(bytes[i]) { i += 1 }
            guard i < n, bytes[i] == UInt8(ascii: "="), nameEnd > nameStart else {
                throw XLSXError.malformedXML(part: part, detail: "attribute without a value")
            }
            i += 1
            while i < n, XMLText.isSpace(bytes[i]) { i += 1 }
            guard i < n, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw XLSXError.malformedXML(part: part, detail: "unquoted attribute value")
            }
            let quote = bytes[i]
            i += 1
            let valueStart = i
            while i < n, bytes[i] != quote { i += 1 }
            guard i < n else { throw XLSXError.malformedXML(part: part, detail: "unterminated attribute value") }
            let valueEnd = i
            i += 1
            if UnsafeBufferPointer(rebasing: bytes[localStart..<nameEnd]).equals(name) { return valueStart..<valueEnd }
        }
        return nil
    }
}

enum XMLText {
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    /// Decodes the five predefined entities and character references. Any other entity needs a DTD,
    /// which these files may not have: refused.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, part: String) throws -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                i += 1
                continue
            }
            var end = i + 1
            while end < bytes.count, end - i <= 12, bytes[end] != UInt8(ascii: ";") { end += 1 }
            guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else {
                throw XLSXError.malformedXML(part: part, detail: "bare & in text")
            }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<end]), as: UTF8.self)
            switch name {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                guard name.hasPrefix("#") else { throw XLSXError.forbiddenDTD(part: part) }
                let digits = name.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                    throw XLSXError.malformedXML(part: part, detail: "bad character reference &\(name);")
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A small, strict, streaming XML reader for the parts of a workbook: elements, attributes, text,
/// comments, CDATA and processing instructions. A DTD (`<!DOCTYPE`) is refused outright, so no entity is
/// ever expanded; end tags must match; a document that ends early is reported as damaged.
///
/// Foundation's `XMLParser` cannot be fed a part chunk by chunk as it is unpacked, and is several times
/// slower on large sheets; this reader keeps only the unparsed tail of the last chunk in memory.
final class XMLScanner<Handler: XMLEventHandler> {
    var handler: Handler
    let part: String
    private var pending: [UInt8] = []
    private var stack: [UInt64] = []
    private var seenRoot = false

    init(handler: Handler, part: String) {
        self.handler = handler
        self.part = part
    }

    func feed(_ data: Data) throws {
        if pending.isEmpty {
            let consumed = try data.withUnsafeBytes { raw in
                try scan(raw.bindMemory(to: UInt8.self), final: false)
            }
            if consumed < data.count { pending = Array(data[(data.startIndex + consumed)...]) }
        } else {
            pending.append(contentsOf: data)
            let consumed = try pending.withUnsafeBufferPointer { try scan($0, final: false) }
            pending.removeFirst(consumed)
        }
        if pending.count > 16 << 20 {
            throw XLSXError.malformedXML(part: part, detail: "a single XML token longer than 16 MB")
        }
    }

    func finish() throws {
        let consumed = try pending.withUnsafeBufferPointer { try scan($0, final: true) }
        let rest = pending[consumed...]
        guard rest.allSatisfy(XMLText.isSpace), stack.isEmpty, seenRoot else {
            throw XLSXError.damaged("\(part) ends before its last element is closed")
        }
    }

    @inline(__always)
    private func hash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    private func localName(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        var start = range.lowerBound
        for index in range where buf[index] == UInt8(ascii: ":") { start = index + 1 }
        return UnsafeBufferPointer(rebasing: buf[start..<range.upperBound])
    }

    private func startsWith(_ buf: UnsafeBufferPointer<UInt8>, at i: Int, _ literal: StaticString) -> Bool? {
        let count = literal.utf8CodeUnitCount
        let available = min(count, buf.count - i)
        let bytes = literal.utf8Start
        for k in 0..<available where buf[i + k] != bytes[k] { return false }
        return available == count ? true : nil  // nil: not enough bytes yet to tell
    }

    private func find(_ buf: UnsafeBufferPointer<UInt8>, _ literal: StaticString, from: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        let first = literal.utf8Start[0]
        var i = from
        while i + count <= buf.count {
            if buf[i] == first, startsWith(buf, at: i, literal) == true { return i }
            i += 1
        }
        return nil
    }

    /// Handles every complete token in `buf`; returns how many bytes were consumed.
    private func scan(_ buf: UnsafeBufferPointer<UInt8>, final: Bool) throws -> Int {
        let n = buf.count
        var i = 0
        var consumed = 0
        let lt = UInt8(ascii: "<")
        let gt = UInt8(ascii: ">")
        while i < n {
            if buf[i] != lt {
                var j = i
                while j < n, buf[j] != lt { j += 1 }
                if j == n && !final { break }  // the text may go on in the next chunk
                if handler.wantsText {
                    try handler.text(XMLText.decode(UnsafeBufferPointer(rebasing: buf[i..<j]), part: part))
                } else if stack.isEmpty, !buf[i..<j].allSatisfy(XMLText.isSpace) {
                    throw XLSXError.malformedXML(part: part, detail: "text outside the root element")
                }
                i = j
                consumed = i
                continue
            }
            guard i + 1 < n else { break }
            let next = buf[i + 1]
            if next == UInt8(ascii: "?") {
                guard let end = find(buf, "?>", from: i + 2) else { break }
                i = end + 2
                consumed = i
                continue
            }
            if next == UInt8(ascii: "!") {
                if let isComment = startsWith(buf, at: i, "<!--"), isComment {
                    guard let end = find(buf, "-->", from: i + 4) else { break }
                    i = end + 3
                    consumed = i
                    continue
                }
                guard let isCDATA = startsWith(buf, at: i, "<![CDATA[") else { break }
                if isCDATA {
                    guard let end = find(buf, "]]>", from: i + 9) else { break }
                    if handler.wantsText {
                        try handler.text(
                            String(decoding: UnsafeBufferPointer(rebasing: buf[(i + 9)..<end]), as: UTF8.self))
                    }
                    i = end + 3
                    consumed = i
                    continue
                }
                if startsWith(buf, at: i, "<!--") == nil { break }
                throw XLSXError.forbiddenDTD(part: part)
            }
            var j = i + 1
            var quote: UInt8 = 0
            while j < n {
                let byte = buf[j]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == gt {
                    break
                } else if byte == lt {
                    throw XLSXError.malformedXML(part: part, detail: "< inside a tag")
                }
                j += 1
            }
            guard j < n else { break }
            if next == UInt8(ascii: "/") {
                var end = j
                while end > i + 2, XMLText.isSpace(buf[end - 1]) { end -= 1 }
                let name = localName(buf, (i + 2)..<end)
                guard let open = stack.popLast(), open == hash(UnsafeBufferPointer(rebasing: buf[(i + 2)..<end])) else {
                    throw XLSXError.malformedXML(part: part, detail: "unexpected end tag")
                }
                try handler.end(name)
            } else {
                let selfClosing = buf[j - 1] == UInt8(ascii: "/")
                let tagEnd = selfClosing ? j - 1 : j
                var nameEnd = i + 1
                while nameEnd < tagEnd, !XMLText.isSpace(buf[nameEnd]) { nameEnd += 1 }
                guard nameEnd > i + 1 else { throw XLSXError.malformedXML(part: part, detail: "empty tag name") }
                if stack.isEmpty {
                    if seenRoot { throw XLSXError.malformedXML(part: part, detail: "a second root element") }
                    seenRoot = true
                }
                if stack.count > 256 { throw XLSXError.malformedXML(part: part, detail: "elements nested too deep") }
                let name = localName(buf, (i + 1)..<nameEnd)
                let attributes = XMLAttributes(bytes: UnsafeBufferPointer(rebasing: buf[nameEnd..<tagEnd]), part: part)
                try handler.start(name, attributes)
                if selfClosing {
                    try handler.end(name)
                } else {
                    stack.append(hash(UnsafeBufferPointer(rebasing: buf[(i + 1)..<nameEnd])))
                }
            }
            i = j + 1
            consumed = i
        }
        return consumed
    }
}
