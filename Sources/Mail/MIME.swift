import Foundation

/// Renders a ``MailMessage`` as an RFC 5322 / MIME document with CRLF line ends.
///
/// Headers with non-ASCII text are written as RFC 2047 encoded words; bodies are UTF-8 in base64,
/// so no line of the output is longer than 78 characters whatever the text.
public enum MIME {
    /// The message as bytes ready for SMTP `DATA` (before dot-stuffing).
    public static func render(_ message: MailMessage, boundarySeed: String = UUID().uuidString) -> Data {
        var out = ""
        header("From", address(message.from), into: &out)
        header("To", message.to.map(address).joined(separator: ",\r\n "), into: &out)
        header("Subject", encodedWords(message.subject, prefixLength: "Subject: ".count), into: &out)
        header("Date", rfc5322Date(message.date), into: &out)
        header("Message-ID", message.messageID, into: &out)
        header("MIME-Version", "1.0", into: &out)

        let seed = boundarySeed.replacingOccurrences(of: "-", with: "")
        let textPart = part(contentType: "text/plain; charset=utf-8", body: Data(normalized(message.text).utf8))
        var content: String
        if let html = message.html {
            let boundary = "alt_" + seed
            content = multipart(
                "alternative", boundary: boundary,
                parts: [
                    textPart, part(contentType: "text/html; charset=utf-8", body: Data(normalized(html).utf8)),
                ])
        } else {
            content = textPart
        }
        if !message.attachments.isEmpty {
            let boundary = "mix_" + seed
            var parts = [content]
            for attachment in message.attachments {
                let name = encodedWords(attachment.filename, prefixLength: 40)
                parts.append(
                    part(
                        contentType: "\(attachment.contentType); name=\"\(name)\"",
                        disposition: "attachment; filename=\"\(name)\"", body: attachment.data))
            }
            content = multipart("mixed", boundary: boundary, parts: parts)
        }
        out += content
        return Data(out.utf8)
    }

    static func header(_ name: String, _ value: String, into out: inout String) {
        out += name + ": " + value + "\r\n"
    }

    /// A part: its headers, a blank line and the base64 body.
    static func part(contentType: String, disposition: String? = nil, body: Data) -> String {
        var out = "Content-Type: \(contentType)\r\nContent-Transfer-Encoding: base64\r\n"
        if let disposition { out += "Content-Disposition: \(disposition)\r\n" }
        out += "\r\n" + base64Lines(body)
        return out
    }

    static func multipart(_ subtype: String, boundary: String, parts: [String]) -> String {
        var out = "Content-Type: multipart/\(subtype); boundary=\"\(boundary)\"\r\n\r\n"
        for part in parts { out += "--\(boundary)\r\n" + part }
        out += "--\(boundary)--\r\n"
        return out
    }

    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return encoded.isEmpty ? "" : encoded + "\r\n"
    }

    /// Bare LF and CR become CRLF, as SMTP requires.
    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func address(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return "<\(address.email)>" }
        let isPlain = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || $0 == " " || ("0"..."9").contains($0))
        }
        let shown = isPlain ? name : encodedWords(name, prefixLength: 6)
        return "\(shown) <\(address.email)>"
    }

    /// RFC 2047: `=?UTF-8?B?…?=` words of at most 75 characters, split on character boundaries and
    /// folded onto continuation lines. ASCII text without specials is left as it is.
    public static func encodedWords(_ text: String, prefixLength: Int = 0) -> String {
        let printable = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0 != "=" && $0 != "?" }
        if printable && text.count + prefixLength <= 76 { return text }
        // 75 = len("=?UTF-8?B?") + 60 base64 chars (45 bytes) + len("?=") + a margin.
        let maxBytes = 45
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > maxBytes, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + chunk.base64EncodedString() + "?=")
                chunk.removeAll()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + chunk.base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Sun, 29 Nov 2026 05:50:43 +0000`
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
