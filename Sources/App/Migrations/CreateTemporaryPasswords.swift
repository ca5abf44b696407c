import Fluent

/// Accounts an administrator makes for a colleague's address: a temporary password that stops working after
/// 72 hours and must be changed at the first sign-in.
struct CreateTemporaryPasswords: AsyncMigration {
    func prepare(on database: Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema("accounts").field("password_expires_at", .datetime).update()
        try await database.schema("accounts").field("must_change_password", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on database: Database) async throws {
        try await database.schema("accounts").deleteField("must_change_password").update()
        try await database.schema("accounts").deleteField("password_expires_at").update()
    }
}
