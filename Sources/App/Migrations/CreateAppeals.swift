import Fluent
import Foundation
import SQLKit

/// «Обращения» (manual §7): the catalogue of topics and sections the staff edit, the appeals with their
/// messages and files, and each account's count of appeals with unread replies (shown in the menu).
struct CreateAppeals: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await database.schema("appeal_sections")
            .field("id", .uuid, .identifier(auto: false))
            .field("topic", .string, .required)
            .field("title", .string, .required)
            // JSON: [{"key", "label", "kind": "text" | "month" | "money"}]
            .field("fields", .string, .required)
            .field("position", .int, .required)
            .field("published", .bool, .required)
            .create()

        try await database.schema("appeals")
            .field("id", .uuid, .identifier(auto: false))
            .field("number", .int64, .required)
            .field("account_id", .uuid, .required)
            .field("contract_id", .string, .required)
            .field("section_id", .uuid, .required)
            .field("topic", .string, .required)
            .field("section", .string, .required)
            // JSON: [{"label", "value"}] as the customer filled the section's fields
            .field("fields", .string, .required)
            // new, inProgress, documentsRequired, closed
            .field("status", .string, .required)
            .field("resolution", .string)
            .field("assignee_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("last_message_at", .datetime, .required)
            // replies the customer has not opened yet
            .field("customer_unread", .int, .required)
            // the customer wrote last and nobody has answered
            .field("awaiting_staff", .bool, .required)
            .create()
        try await sql.create(index: "appeals_number_idx").on("appeals").column("number").unique().run()
        try await sql.create(index: "appeals_account_idx").on("appeals").column("account_id")
            .column("last_message_at").run()
        try await sql.create(index: "appeals_inbox_idx").on("appeals").column("status").column("last_message_at")
            .run()

        try await database.schema("appeal_messages")
            .field("id", .uuid, .identifier(auto: false))
            .field("appeal_id", .uuid, .required)
            // customer or staff
            .field("author", .string, .required)
            .field("staff_id", .uuid)
            .field("text", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "appeal_messages_appeal_idx").on("appeal_messages").column("appeal_id")
            .column("created_at").run()

        try await database.schema("appeal_files")
            .field("id", .uuid, .identifier(auto: false))
            .field("appeal_id", .uuid, .required)
            .field("message_id", .uuid, .required)
            .field("file_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int64, .required)
            .field("data", .data, .required)
            .create()
        try await sql.create(index: "appeal_files_appeal_idx").on("appeal_files").column("appeal_id").run()

        try await database.schema("accounts").field("unread_appeals", .int, .required, .sql(.default(0))).update()

        try await CreateBytewiseKeys.collate([("appeals", ["contract_id", "status"])], on: database)

        for (position, section) in Self.catalogue.enumerated() {
            let fields = String(decoding: try JSONEncoder.sorted.encode(section.fields), as: UTF8.self)
            try await sql.insert(into: "appeal_sections")
                .columns("id", "topic", "title", "fields", "position", "published")
                .values(
                    SQLBind(UUID()), SQLBind(section.topic), SQLBind(section.title), SQLBind(fields),
                    SQLBind(position + 1), SQLBind(true)
                )
                .run()
        }
    }

    func revert(on database: Database) async throws {
        try await database.schema("accounts").deleteField("unread_appeals").update()
        for table in ["appeal_files", "appeal_messages", "appeals", "appeal_sections"] {
            try await database.schema(table).delete()
        }
    }

    /// The topics and sections a supplier starts with; the staff edit them afterwards.
    static let catalogue: [(topic: String, title: String, fields: [AppealField])] = [
        ("ЛКК ЮЛ", "Права доступа", []),
        ("ЛКК ЮЛ", "Работа личного кабинета", []),
        ("Расчеты", "Зачет переплаты", [.init(key: "amount", label: "Сумма переплаты, ₽", kind: .money)]),
        ("Расчеты", "Вопрос по счету", [.init(key: "period", label: "Расчетный период", kind: .month)]),
        ("Расчеты", "Акт сверки", [.init(key: "period", label: "Период", kind: .month)]),
        (
            "Показания", "Исправление показаний",
            [
                .init(key: "meter", label: "Номер прибора учета", kind: .text),
                .init(key: "period", label: "Расчетный период", kind: .month),
            ]
        ),
        ("Показания", "Замена прибора учета", [.init(key: "meter", label: "Номер прибора учета", kind: .text)]),
        ("Договор", "Изменение реквизитов", []),
        ("Договор", "Расторжение договора", []),
        ("Другое", "Прочие вопросы", []),
    ]
}

/// A field a section asks for besides the text.
struct AppealField: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case text, month, money
    }

    var key: String
    var label: String
    var kind: Kind
}
