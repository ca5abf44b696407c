import Foundation
import Markup

/// Text the staff write (notifications, the agreement, the manual's sections) shown as HTML: paragraphs split
/// by blank lines, lines kept, a line starting with «## » a heading, and web addresses made links.
/// Everything is escaped, so the text cannot add markup of its own.
enum PlainText {
    static func html(_ text: String) -> HTML {
        let blocks = text.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        return HTML.join(
            blocks.map { block -> HTML in
                if block.hasPrefix("## ") && !block.contains("\n") {
                    return "<h2>\(String(block.dropFirst(3)))</h2>"
                }
                let lines = block.split(separator: "\n").map { linked(String($0)) }
                return "<p>\(HTML.join(lines, separator: HTML(trusted: "<br>")))</p>"
            }, separator: "")
    }

    /// `text` with its `http(s)://…` addresses as links.
    static func linked(_ text: String) -> HTML {
        var parts: [HTML] = []
        var rest = Substring(text)
        while let range = rest.range(of: "https?://[^\\s<>\"']+", options: [.regularExpression, .caseInsensitive]) {
            var address = String(rest[range])
            while let last = address.last, ".,;:!?)»".contains(last) { address.removeLast() }
            let end = rest.index(range.lowerBound, offsetBy: address.count)
            parts.append("\(String(rest[rest.startIndex..<range.lowerBound]))")
            parts.append("<a href=\"\(address)\" rel=\"noopener\">\(address)</a>")
            rest = rest[end...]
        }
        parts.append("\(String(rest))")
        return HTML.join(parts, separator: "")
    }
}
