import Foundation

/// Reads back the `.eml` files the file mailer wrote, for `/dev/mail`.
struct DevMailbox: Sendable {
    let directory: String

    struct Message: Sendable, Equatable {
        var name: String
        var to: String
        var subject: String
        var date: String
        var text: String
    }

    /// Names are what the file mailer writes: digits, dashes, hex, `.eml`. Anything else is not ours.
    static func isValidName(_ name: String) -> Bool {
        name.hasSuffix(".eml") && name.count <= 80
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            && !name.hasPrefix(".")
    }

    /// Newest first, at most `limit`.
    func list(limit: Int = 200) -> [Message] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter(Self.isValidName).sorted(by: >).prefix(limit).compactMap(read)
    }

    func read(_ name: String) -> Message? {
        guard Self.isValidName(name),
            let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name))
        else { return nil }
        return Self.parse(name: name, data: data)
    }

    static func parse(name: String, data: Data) -> Message {
        let text = String(decoding: data, as: UTF8.self)
        let headerEnd = text.range(of: "\r\n\r\n")
        let headerText = headerEnd.map { String(text[..<$0.lowerBound]) } ?? text
        var headers: [String: String] = [:]
        var lastName: String?
        for line in headerText.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let lastName {
                headers[lastName, default: ""] += line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lastName = key
            }
        }
        return Message(
            name: name, to: decodeWords(headers["to"] ?? ""), subject: decodeWords(headers["subject"] ?? ""),
            date: headers["date"] ?? "", text: plainText(text))
    }

    /// Decodes RFC 2047 `=?UTF-8?B?…?=` words (the only kind our MIME writer makes).
    static func decodeWords(_ value: String) -> String {
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "=?UTF-8?B?") {
            out +=
                rest[..<start.lowerBound].trimmingCharacters(in: .whitespaces).isEmpty
                ? "" : String(rest[..<start.lowerBound])
            let afterStart = rest[start.upperBound...]
            guard let end = afterStart.range(of: "?=") else { break }
            let bytes = Data(base64Encoded: String(afterStart[..<end.lowerBound])) ?? Data()
            out += String(decoding: bytes, as: UTF8.self)
            rest = afterStart[end.upperBound...]
        }
        return out + rest
    }

    /// The first `text/plain` part, base64-decoded.
    static func plainText(_ message: String) -> String {
        guard let part = message.range(of: "Content-Type: text/plain") else { return "" }
        let afterPart = message[part.upperBound...]
        guard let bodyStart = afterPart.range(of: "\r\n\r\n") else { return "" }
        let body = afterPart[bodyStart.upperBound...]
        let base64 = body.components(separatedBy: "\r\n").prefix { !$0.isEmpty && !$0.hasPrefix("--") }.joined()
        return String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
    }
}
