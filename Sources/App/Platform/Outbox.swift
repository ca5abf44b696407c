import Fluent
import Foundation
import Mail
import SQLKit
import Vapor

/// Where delivered mail goes: an SMTP server, or files for development.
public protocol MailTransport: Sendable {
    func send(_ mime: Data, from sender: String, to recipients: [String]) async throws
}

/// Writes each message as an `.eml` file; `/dev/mail` lists them.
public struct FileMailTransport: MailTransport {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func send(_ mime: Data, from sender: String, to recipients: [String]) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = String(format: "%.6f", Date().timeIntervalSince1970).replacingOccurrences(of: ".", with: "")
        let name = "\(stamp)-\(UUID().uuidString.prefix(8).lowercased()).eml"
        let envelope =
            "X-Envelope-From: <\(sender)>\r\nX-Envelope-To: \(recipients.map { "<\($0)>" }.joined(separator: ", "))\r\n"
        try (Data(envelope.utf8) + mime).write(
            to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
    }
}

/// Sends through the `Mail` library's SMTP client.
public struct SMTPMailTransport: MailTransport {
    let client: SMTPClient

    public init(configuration: SMTPConfiguration) { client = SMTPClient(configuration: configuration) }

    public func send(_ mime: Data, from sender: String, to recipients: [String]) async throws {
        try await client.send(mime, from: sender, to: recipients)
    }
}

/// The e-mail outbox: a message is written in the transaction of the action that sends it, and a job
/// delivers it afterwards. Delivery claims the row first, so a message goes out once however many times
/// its job runs.
public enum Outbox {
    static let jobKind = "mail.deliver"
    /// A row stuck in `sending` this long (its worker died mid-send) may be claimed again.
    static let staleClaim: TimeInterval = 600

    /// Queues `message` for delivery. Pass the transaction of the action that causes the mail.
    @discardableResult
    public static func enqueue(_ message: MailMessage, now: Date, on db: Database) async throws -> UUID {
        let id = UUID()
        try await db.sql.insert(into: "outbox_messages")
            .columns("id", "sender", "recipients", "subject", "mime", "status", "attempts", "created_at")
            .values(
                SQLBind(id), SQLBind(message.from.email), SQLBind(message.to.map(\.email).joined(separator: ",")),
                SQLBind(String(message.subject.prefix(500))), SQLBind(MIME.render(message)), SQLBind("pending"),
                SQLBind(0),
                SQLBind(now)
            )
            .run()
        try await JobQueue.enqueue(jobKind, payload: id.uuidString, runAt: now, on: db)
        return id
    }

    /// The job handler: claim, send, mark sent. A permanent refusal (5xx) marks the message failed.
    static func deliver(_ context: JobContext) async throws {
        guard let id = UUID(uuidString: context.payload) else { return }
        let sql = context.db.sql
        let now = context.now
        let claimed = try await sql.raw(
            """
            UPDATE outbox_messages SET status = 'sending', claimed_at = \(bind: now), attempts = attempts + 1
            WHERE id = \(bind: id) AND (status = 'pending' OR (status = 'sending' AND claimed_at < \(bind: now.addingTimeInterval(-staleClaim))))
            RETURNING sender, recipients, mime
            """
        ).first()
        guard let claimed else { return }  // already sent, or being sent by another worker
        let sender = try claimed.decode(column: "sender", as: String.self)
        let recipients = try claimed.decode(column: "recipients", as: String.self).split(separator: ",").map(
            String.init)
        let mime = try claimed.decode(column: "mime", as: Data.self)
        do {
            try await context.application.portal.mailTransport.send(mime, from: sender, to: recipients)
        } catch {
            let permanent = (error as? SMTPError).map { !$0.isTransient } ?? false
            try await sql.update("outbox_messages")
                .set("status", to: permanent ? "failed" : "pending").set("last_error", to: String(describing: error))
                .where("id", .equal, id).run()
            if permanent { return }
            throw error
        }
        try await sql.update("outbox_messages").set("status", to: "sent").set("sent_at", to: context.now)
            .where("id", .equal, id).run()
    }

    /// Messages not yet sent (for /metrics).
    static func backlog(on db: Database) async throws -> Int {
        let row = try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM outbox_messages WHERE status IN ('pending', 'sending')"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
