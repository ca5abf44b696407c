/// A fragment of HTML that is safe to send to a browser.
///
/// Every value interpolated into an `HTML` literal is escaped unless it is itself `HTML`,
/// so user data cannot inject markup:
///
/// ```swift
/// let name = "<b>ООО «Ромашка»</b>"
/// let page: HTML = "<p>\(name)</p>"   // <p>&lt;b&gt;ООО «Ромашка»&lt;/b&gt;</p>
/// ```
///
/// Attribute values are written with ``Attribute`` (or the `attr` interpolation), which escapes
/// quotes too. Markup that is trusted (a constant written by us) can be wrapped with
/// ``HTML/init(trusted:)``.
public struct HTML: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The markup as UTF-8 bytes. A page is built by appending bytes, which is cheaper than appending
    /// `String`s (no per-append bookkeeping of the string's flags), and the response body is made from
    /// them with one copy.
    public private(set) var bytes: [UInt8]

    /// The markup as text.
    public var rendered: String { String(decoding: bytes, as: UTF8.self) }

    /// Wraps markup that is known to be safe. Never pass user data here.
    public init(trusted: String) { bytes = Array(trusted.utf8) }

    /// An empty fragment.
    public static let empty = HTML(trusted: "")

    public init(stringLiteral value: String) { bytes = Array(value.utf8) }

    public init(stringInterpolation: Interpolation) { bytes = stringInterpolation.output }

    public var description: String { rendered }

    /// Whether the fragment has no markup at all.
    public var isEmpty: Bool { bytes.isEmpty }

    /// Appends another fragment.
    public mutating func append(_ other: HTML) { bytes += other.bytes }

    /// Joins fragments, with an optional trusted separator between them.
    public static func join<S: Sequence>(_ parts: S, separator: HTML = .empty) -> HTML where S.Element == HTML {
        var out = HTML.empty
        var first = true
        for part in parts {
            if !first { out.bytes += separator.bytes }
            out.bytes += part.bytes
            first = false
        }
        return out
    }

    /// The interpolation that escapes everything but `HTML`.
    public struct Interpolation: StringInterpolationProtocol {
        var output: [UInt8]

        public init(literalCapacity: Int, interpolationCount: Int) {
            output = []
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) { output.append(contentsOf: literal.utf8) }

        /// Trusted markup goes in as it is.
        public mutating func appendInterpolation(_ html: HTML) { output += html.bytes }

        /// Text is escaped for element content and attribute values alike.
        public mutating func appendInterpolation(_ text: String) { HTML.escape(text, into: &output) }

        /// Any other value is escaped through its description.
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            HTML.escape(value.description, into: &output)
        }

        /// An optional part: nothing when `nil`.
        public mutating func appendInterpolation(_ html: HTML?) { if let html { output += html.bytes } }

        /// An optional text: nothing when `nil`.
        public mutating func appendInterpolation(_ text: String?) { if let text { HTML.escape(text, into: &output) } }

        /// A repeated part: each element rendered by `content`, in order.
        public mutating func appendInterpolation<S: Sequence>(each items: S, _ content: (S.Element) -> HTML) {
            for item in items { output += content(item).bytes }
        }

        /// A repeated part written straight into this fragment: `content` appends each element's markup to the
        /// fragment it is given, which is this one's bytes (no buffer of its own per element, copied in after;
        /// the copies of each part into the next were 3–4 % of «Показания»'s CPU).
        public mutating func appendInterpolation<S: Sequence>(
            each items: S, appending content: (S.Element, inout HTML) -> Void
        ) {
            var html = HTML.empty
            swap(&html.bytes, &output)
            for item in items { content(item, &html) }
            swap(&html.bytes, &output)
        }

        /// An attribute ` name="value"`, escaped; omitted when `value` is `nil`.
        public mutating func appendInterpolation(attr name: String, _ value: String?) {
            guard let value else { return }
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: name.utf8)
            output.append(contentsOf: "=\"".utf8)
            HTML.escape(value, into: &output)
            output.append(UInt8(ascii: "\""))
        }

        /// A boolean attribute such as `checked` or `disabled`, present only when `on` is true.
        public mutating func appendInterpolation(flag name: String, _ on: Bool) {
            if on {
                output.append(UInt8(ascii: " "))
                output.append(contentsOf: name.utf8)
            }
        }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        escape(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Byte by byte: the five are ASCII, and no byte of a longer UTF-8 sequence is below 0x80, so a
    /// multi-byte character is copied as it is.
    static func escape(_ text: String, into out: inout [UInt8]) {
        @inline(__always) func special(_ byte: UInt8) -> Bool {
            byte <= 0x3E && (byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27)
        }
        var text = text
        text.withUTF8 { bytes in
            // Fast path: most values contain nothing to escape.
            guard bytes.contains(where: special) else {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
                default: out.append(byte)
                }
            }
        }
    }
}

extension HTML {
    /// `content` when `condition` holds, otherwise nothing.
    public static func when(_ condition: Bool, _ content: () -> HTML) -> HTML {
        condition ? content() : .empty
    }
}

/// Values put into a link's query string.
public enum URLQuery {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `text` percent-encoded as UTF-8, all but ASCII letters, digits and `-._~` (RFC 3986's unreserved).
    public static func component(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Which of several fields with one name is read.
    public enum Occurrence: Sendable { case first, last }

    /// The value of the first (or last) field called `name` in an `application/x-www-form-urlencoded` body or a
    /// query string, decoded; `nil` when there is no such field, it has no `=` (a flag, which Vapor's decoder
    /// does not read as a value either) or its value is not valid percent-encoded UTF-8. One pass over the bytes, where decoding the whole form builds every
    /// field. Vapor's decoder reads the last of repeated fields, so routes ask for `.last`.
    public static func formValue<Bytes: Collection>(
        named name: String, in form: Bytes, occurrence: Occurrence = .first
    ) -> String? where Bytes.Element == UInt8 {
        var found: Bytes.SubSequence?
        for field in form.split(separator: UInt8(ascii: "&")) {
            let equals = field.firstIndex(of: UInt8(ascii: "="))
            let key = field[..<(equals ?? field.endIndex)]
            let plain = !key.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }
            guard plain ? key.elementsEqual(name.utf8) : decoded(key) == name else { continue }
            found = field
            if occurrence == .first { break }
        }
        guard let field = found else { return nil }
        guard let equals = field.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        return decoded(field[field.index(after: equals)...])
    }

    /// Every field of an `application/x-www-form-urlencoded` body, decoded; the last of repeated fields wins,
    /// as in Vapor's decoder. `nil`, as Vapor's decoder fails, when a name or a value is not valid
    /// percent-encoded UTF-8 or a field has no `=`.
    public static func fields<Bytes: Collection>(in form: Bytes) -> [String: String]? where Bytes.Element == UInt8 {
        var fields: [String: String] = [:]
        for field in form.split(separator: UInt8(ascii: "&")) {
            let equals = field.firstIndex(of: UInt8(ascii: "="))
            guard let equals, let key = decoded(field[..<equals]),
                let value = decoded(field[field.index(after: equals)...])
            else { return nil }
            fields[key] = value
        }
        return fields
    }

    /// Percent-encoded bytes decoded, `+` as a space; `nil` for a broken escape, bytes that are not UTF-8, or a
    /// NUL character, which no field of the portal may hold and which PostgreSQL refuses in any text (a
    /// `?chart=%00` was a server error on PostgreSQL).
    public static func decoded<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        // Most names and values (ids, digits) have nothing to decode: made straight from the bytes.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") || $0 == 0 }) {
            return String(validating: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high != bytes.endIndex, let upper = hex(bytes[high]) else { return nil }
                let low = bytes.index(after: high)
                guard low != bytes.endIndex, let lower = hex(bytes[low]) else { return nil }
                out.append(upper << 4 | lower)
                index = low
            } else {
                out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
            index = bytes.index(after: index)
        }
        guard !out.contains(0) else { return nil }
        return String(validating: out, as: UTF8.self)
    }
}
