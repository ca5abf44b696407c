import Foundation

/// An e-mail address with an optional display name.
public struct MailAddress: Sendable, Hashable, Codable {
    public var name: String?
    public var email: String

    public init(_ email: String, name: String? = nil) {
        self.email = email
        self.name = name
    }

    /// Parses `Name <user@host>` or a bare `user@host`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let email = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            guard MailAddress.looksValid(email) else { return nil }
            self.init(email, name: name.isEmpty ? nil : name)
        } else {
            guard MailAddress.looksValid(trimmed) else { return nil }
            self.init(trimmed)
        }
    }

    /// A structural check: one `@`, a non-empty local part and domain, no spaces or control characters.
    public static func looksValid(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, email.utf8.count <= 254 else { return false }
        return !email.unicodeScalars.contains { $0.value <= 0x20 || $0 == "<" || $0 == ">" || $0 == "\u{7F}" }
    }
}

/// A file attached to a message.
public struct MailAttachment: Sendable, Hashable {
    public var filename: String
    public var contentType: String
    public var data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// An e-mail: plain text with an optional HTML alternative and attachments.
public struct MailMessage: Sendable, Hashable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    public var date: Date
    public var messageID: String

    public init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil,
        attachments: [MailAttachment] = [], date: Date, messageID: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.date = date
        let domain = from.email.split(separator: "@").last.map(String.init) ?? "localhost"
        self.messageID = messageID ?? "<\(UUID().uuidString.lowercased())@\(domain)>"
    }
}
