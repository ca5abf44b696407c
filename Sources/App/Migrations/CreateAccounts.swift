import Fluent
import SQLKit

/// Accounts, and the registrations and password recoveries waiting for their e-mailed code.
struct CreateAccounts: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("accounts")
            .id()
            .field("email", .string)
            .field("email_confirmed", .bool, .required)
            .field("login", .string)
            .field("password_hash", .string, .required)
            .field("last_name", .string)
            .field("first_name", .string)
            .field("middle_name", .string)
            .field("organization", .string)
            .field("position", .string)
            .field("address", .string)
            .field("phone", .string)
            .field("notify_by_email", .bool, .required)
            .field("marketing", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("password_changed_at", .datetime, .required)
            .unique(on: "login")
            .create()
        let sql = database.sql
        try await sql.create(index: "accounts_email_idx").on("accounts").column("email").run()

        // One row per pending code, tied to the browser session that asked for it.
        try await database.schema("pending_codes")
            .id()
            .field("purpose", .string, .required)
            .field("session_id", .uuid, .required)
            .field("email", .string, .required)
            .field("account_id", .uuid)
            .field("password_hash", .string)
            .field("marketing", .bool, .required)
            .field("code_hash", .string, .required)
            .field("issued_at", .datetime, .required)
            .field("last_sent_at", .datetime, .required)
            .field("failed_attempts", .int, .required)
            .field("used", .bool, .required)
            .create()
        try await sql.create(index: "pending_codes_session_idx").on("pending_codes").column("session_id").column(
            "purpose"
        )
        .run()
        try await sql.create(index: "pending_codes_issued_idx").on("pending_codes").column("issued_at").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("pending_codes").delete()
        try await database.schema("accounts").delete()
    }
}
