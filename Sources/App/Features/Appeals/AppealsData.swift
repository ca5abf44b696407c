import Foundation
import PortalDomain
import SQLKit
import Vapor

/// «Обращения»: the catalogue, appeals, their messages and files. Each query is a row struct with the
/// function that runs it.
enum Appeals {
    enum Status: String, Sendable, CaseIterable {
        case new, inProgress, documentsRequired, closed

        var title: String {
            switch self {
            case .new: "Новое"
            case .inProgress: "В работе"
            case .documentsRequired: "Требуются документы"
            case .closed: "Закрыто"
            }
        }
    }

    static let maxText = 5000

    struct Section: Decodable, Sendable, Equatable {
        let id: UUID
        let topic: String
        let title: String
        let fields: String
        let position: Int
        let published: Bool

        var fieldList: [AppealField] {
            (try? JSONDecoder().decode([AppealField].self, from: Data(fields.utf8))) ?? []
        }

        static func all(publishedOnly: Bool, on sql: any SQLDatabase) async throws -> [Section] {
            let filter: SQLQueryString = publishedOnly ? "WHERE published = \(bind: true)" : ""
            return try await sql.raw(
                "SELECT id, topic, title, fields, position, published FROM appeal_sections \(filter) ORDER BY position, title"
            ).all(decoding: Section.self, with: .snakeCase)
        }

        /// «ЛКК ЮЛ» → «Права доступа»: where a request for the «Администратор» role goes (ROLE-4).
        static func accessRequest(on sql: any SQLDatabase) async throws -> Section? {
            try await sql.raw(
                """
                SELECT id, topic, title, fields, position, published FROM appeal_sections
                WHERE topic = \(bind: "ЛКК ЮЛ") AND title = \(bind: "Права доступа") AND published = \(bind: true)
                """
            ).first(decoding: Section.self, with: .snakeCase)
        }

        static func find(_ id: UUID, on sql: any SQLDatabase) async throws -> Section? {
            try await sql.raw(
                "SELECT id, topic, title, fields, position, published FROM appeal_sections WHERE id = \(bind: id)"
            ).first(decoding: Section.self, with: .snakeCase)
        }
    }

    /// An appeal in the customer's list.
    struct ListRow: Decodable, Sendable, Equatable {
        let number: Int64
        let topic: String
        let section: String
        let status: String
        let resolution: String?
        let lastMessageAt: Date
        let customerUnread: Int
        let contractNumber: String

        /// The account's appeals on contracts it still holds, the latest message first.
        static func all(of accountID: UUID, on sql: any SQLDatabase) async throws -> [ListRow] {
            try await sql.raw(
                """
                SELECT p.number, p.topic, p.section, p.status, p.resolution, p.last_message_at, p.customer_unread,
                    c.number AS contract_number
                FROM appeals p JOIN contracts c ON c.id = p.contract_id
                    JOIN contract_links l ON l.account_id = p.account_id AND l.contract_id = p.contract_id
                WHERE p.account_id = \(bind: accountID)
                ORDER BY p.last_message_at DESC, p.number DESC
                """
            ).all(decoding: ListRow.self, with: .snakeCase)
        }
    }

    /// One appeal with its contract, for its card on either side.
    struct Card: Decodable, Sendable {
        let id: UUID
        let number: Int64
        let accountId: UUID
        let contractId: String
        let contractNumber: String
        let contractName: String
        let topic: String
        let section: String
        let fields: String
        let status: String
        let resolution: String?
        let assigneeId: UUID?
        let createdAt: Date
        let lastMessageAt: Date
        let customerUnread: Int
        let awaitingStaff: Bool

        var appealStatus: Status? { Status(rawValue: status) }
        var isClosed: Bool { appealStatus == .closed }
        var filledFields: [FilledField] {
            (try? JSONDecoder().decode([FilledField].self, from: Data(fields.utf8))) ?? []
        }
        var statusTitle: String {
            let title = appealStatus?.title ?? status
            guard let resolution, !resolution.isEmpty else { return title }
            return "\(title): \(resolution)"
        }

        static func find(number: Int64, on sql: any SQLDatabase) async throws -> Card? {
            try await sql.raw(
                """
                SELECT p.id, p.number, p.account_id, p.contract_id, c.number AS contract_number, c.name AS contract_name,
                    p.topic, p.section, p.fields, p.status, p.resolution, p.assignee_id, p.created_at, p.last_message_at,
                    p.customer_unread, p.awaiting_staff
                FROM appeals p JOIN contracts c ON c.id = p.contract_id WHERE p.number = \(bind: number)
                """
            ).first(decoding: Card.self, with: .snakeCase)
        }
    }

    struct FilledField: Codable, Sendable, Equatable {
        var label: String
        var value: String
    }

    struct Message: Decodable, Sendable, Equatable {
        let id: UUID
        let author: String
        let text: String
        let createdAt: Date
        let staffName: String?

        static func all(of appealID: UUID, on sql: any SQLDatabase) async throws -> [Message] {
            try await sql.raw(
                """
                SELECT m.id, m.author, m.text, m.created_at, s.name AS staff_name FROM appeal_messages m
                LEFT JOIN staff_accounts s ON s.id = m.staff_id
                WHERE m.appeal_id = \(bind: appealID) ORDER BY m.created_at, m.id
                """
            ).all(decoding: Message.self, with: .snakeCase)
        }
    }

    struct FileRow: Decodable, Sendable, Equatable {
        let id: UUID
        let messageId: UUID
        let fileName: String
        let size: Int64

        static func all(of appealID: UUID, on sql: any SQLDatabase) async throws -> [FileRow] {
            try await sql.raw(
                "SELECT id, message_id, file_name, size FROM appeal_files WHERE appeal_id = \(bind: appealID) ORDER BY file_name"
            ).all(decoding: FileRow.self, with: .snakeCase)
        }
    }

    struct FileData: Decodable {
        let fileName: String
        let contentType: String
        let data: Data

        static func find(_ id: UUID, appealID: UUID, on sql: any SQLDatabase) async throws -> FileData? {
            try await sql.raw(
                "SELECT file_name, content_type, data FROM appeal_files WHERE id = \(bind: id) AND appeal_id = \(bind: appealID)"
            ).first(decoding: FileData.self, with: .snakeCase)
        }
    }

    /// A file taken from a form, checked.
    struct Upload: Sendable {
        let name: String
        let kind: AppealFiles.Kind
        let data: Data
    }

    /// Writes a new appeal with its first message and files; returns its number. Run in a transaction.
    static func create(
        accountID: UUID, contractID: String, section: Section, fields: [FilledField], text: String,
        files: [Upload], now: Date, on sql: any SQLDatabase
    ) async throws -> (id: UUID, number: Int64) {
        let id = UUID()
        let number = try await sql.nextNumber(in: "appeals")
        let filled = String(decoding: try JSONEncoder.sorted.encode(fields), as: UTF8.self)
        try await sql.insert(into: "appeals")
            .columns(
                "id", "number", "account_id", "contract_id", "section_id", "topic", "section", "fields", "status",
                "created_at", "last_message_at", "customer_unread", "awaiting_staff"
            )
            .values(
                SQLBind(id), SQLBind(number), SQLBind(accountID), SQLBind(contractID), SQLBind(section.id),
                SQLBind(section.topic), SQLBind(section.title), SQLBind(filled), SQLBind(Status.new.rawValue),
                SQLBind(now), SQLBind(now), SQLBind(0), SQLBind(true)
            )
            .run()
        let message = try await addMessage(
            appealID: id, author: "customer", staffID: nil, text: text, files: files, now: now, on: sql)
        var data: [String: JSONValue] = [
            "appealId": .string(id.uuidString), "number": .number(Double(number)), "contractId": .string(contractID),
            "accountId": .string(accountID.uuidString), "topic": .string(section.topic),
            "section": .string(section.title), "text": .string(text), "messageId": .string(message.uuidString),
        ]
        data["fields"] = .array(fields.map { .object(["label": .string($0.label), "value": .string($0.value)]) })
        try await BillingFeed.append(.appeal, entityID: id.uuidString, data: .object(data), now: now, on: sql)
        return (id, number)
    }

    /// Adds a message with its files to an appeal.
    @discardableResult
    static func addMessage(
        appealID: UUID, author: String, staffID: UUID?, text: String, files: [Upload], now: Date,
        on sql: any SQLDatabase
    ) async throws -> UUID {
        let id = UUID()
        try await sql.insert(into: "appeal_messages")
            .columns("id", "appeal_id", "author", "staff_id", "text", "created_at")
            .values(SQLBind(id), SQLBind(appealID), SQLBind(author), SQLBind(staffID), SQLBind(text), SQLBind(now))
            .run()
        for file in files {
            try await sql.insert(into: "appeal_files")
                .columns("id", "appeal_id", "message_id", "file_name", "content_type", "size", "data")
                .values(
                    SQLBind(UUID()), SQLBind(appealID), SQLBind(id), SQLBind(file.name), SQLBind(file.kind.contentType),
                    SQLBind(Int64(file.data.count)), SQLBind(file.data)
                )
                .run()
        }
        return id
    }

    /// Sets the account's menu counter to its appeals with unread replies.
    static func recount(accountID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE accounts SET unread_appeals = (SELECT COUNT(*) FROM appeals
                WHERE account_id = \(bind: accountID) AND customer_unread > 0)
            WHERE id = \(bind: accountID)
            """
        ).run()
    }

    /// The checked files of a form, or the first problem with one of them.
    static func uploads(_ files: [File]) -> (files: [Upload], problem: String?) {
        let given = files.filter { !$0.filename.isEmpty || $0.data.readableBytes > 0 }
        guard given.count <= AppealFiles.maxFiles else {
            return ([], "Можно прикрепить не больше \(AppealFiles.maxFiles) файлов")
        }
        var uploads: [Upload] = []
        for file in given {
            let data = Data(buffer: file.data)
            let name = AppealFiles.cleanName(file.filename)
            if let problem = AppealFiles.problem(name: name, data: data) { return ([], problem) }
            guard let kind = AppealFiles.kind(of: data) else { return ([], "Файл «\(name)» не подходит") }
            uploads.append(Upload(name: name, kind: kind, data: data))
        }
        return (uploads, nil)
    }
}
