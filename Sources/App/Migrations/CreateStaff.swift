import Fluent
import SQLKit

/// The supplier's staff: their accounts (apart from customers'), two-factor enrolment, one-time recovery
/// codes, and their sessions (a cookie of their own, on `/admin`).
struct CreateStaff: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await database.schema("staff_accounts")
            .field("id", .uuid, .identifier(auto: false))
            .field("email", .string, .required)
            .field("name", .string, .required)
            // operator or admin
            .field("role", .string, .required)
            .field("password_hash", .string)
            // base32; set when the setup page is first opened, kept until enrolment is confirmed
            .field("totp_secret", .string)
            // the last accepted TOTP step: a code is never accepted twice
            .field("totp_last_step", .int64)
            .field("enrolled", .bool, .required)
            .field("blocked", .bool, .required)
            .field("setup_token_hash", .string)
            .field("setup_expires_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("last_sign_in_at", .datetime)
            .create()
        try await sql.create(index: "staff_accounts_email_idx").on("staff_accounts").column("email").unique().run()
        try await sql.create(index: "staff_accounts_setup_idx").on("staff_accounts").column("setup_token_hash").run()

        try await database.schema("staff_recovery_codes")
            .field("id", .uuid, .identifier(auto: false))
            .field("staff_id", .uuid, .required)
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .create()
        try await sql.create(index: "staff_recovery_codes_staff_idx").on("staff_recovery_codes").column("staff_id")
            .run()

        try await database.schema("staff_sessions")
            .field("id", .uuid, .identifier(auto: false))
            .field("token_hash", .string, .required)
            .field("staff_id", .uuid, .required)
            .field("csrf_token", .string, .required)
            // false after the password, true after the second factor
            .field("verified", .bool, .required)
            .field("failed_codes", .int, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .create()
        try await sql.create(index: "staff_sessions_token_idx").on("staff_sessions").column("token_hash").unique()
            .run()
        // Customer lookup finds accounts through the ИНН of their contracts.
        try await sql.create(index: "contracts_inn_idx").on("contracts").column("inn").run()
        try await CreateBytewiseKeys.collate(
            [("staff_accounts", ["setup_token_hash"]), ("staff_sessions", ["token_hash"]), ("contracts", ["inn"])],
            on: database)
    }

    func revert(on database: Database) async throws {
        try await database.sql.drop(index: "contracts_inn_idx").run()
        for table in ["staff_sessions", "staff_recovery_codes", "staff_accounts"] {
            try await database.schema(table).delete()
        }
    }
}
