import Fluent
import SQLKit

/// «Уведомления»: what the staff write and what events make, who received each and what they did with it,
/// and billing's readings windows, whose opening and closing make notifications.
struct CreateNotifications: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await database.schema("notifications")
            .field("id", .uuid, .identifier(auto: false))
            // bell, modal or top
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("needs_confirmation", .bool, .required)
            .field("link_url", .string)
            .field("link_title", .string)
            .field("shows_from", .datetime, .required)
            .field("shows_until", .datetime)
            // all, category, contracts, accounts (staff) or event
            .field("audience", .string, .required)
            // the category, or the contract numbers or e-mails one per line
            .field("audience_value", .string, .required)
            .field("audience_role", .string)
            // draft, published, withdrawn
            .field("status", .string, .required)
            // an event's own key, so that it makes its notification once
            .field("event_key", .string)
            .field("send_email", .bool, .required)
            .field("created_by", .string)
            .field("created_at", .datetime, .required)
            .field("published_at", .datetime)
            .field("withdrawn_at", .datetime)
            .create()
        // Keys compare byte by byte, as billing's others do (CreateBytewiseKeys).
        try await CreateBytewiseKeys.collate([("notifications", ["status", "event_key"])], on: database)
        try await sql.create(index: "notifications_event_idx").on("notifications").column("event_key").unique().run()
        try await sql.create(index: "notifications_status_idx").on("notifications").column("status")
            .column("created_at").run()

        try await database.schema("notification_recipients")
            .field("notification_id", .uuid, .required)
            .field("account_id", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .field("confirmed_at", .datetime)
            // a top banner the person closed
            .field("closed_at", .datetime)
            .field("emailed_at", .datetime)
            .create()
        try await sql.create(index: "notification_recipients_key").on("notification_recipients")
            .column("notification_id").column("account_id").unique().run()
        // The bell's count and the list: one account's rows, unread first.
        try await sql.create(index: "notification_recipients_account_idx").on("notification_recipients")
            .column("account_id").column("read_at").run()

        try await database.schema("reading_windows")
            .field("id", .string, .identifier(auto: false))
            .field("period", .string, .required)
            .field("opens_on", .string, .required)
            .field("closes_on", .string, .required)
            .create()
        try await CreateBytewiseKeys.collate([("reading_windows", ["id", "period"])], on: database)
        try await sql.create(index: "reading_windows_period_idx").on("reading_windows").column("period").unique()
            .run()
    }

    func revert(on database: Database) async throws {
        for table in ["reading_windows", "notification_recipients", "notifications"] {
            try await database.schema(table).delete()
        }
    }
}
