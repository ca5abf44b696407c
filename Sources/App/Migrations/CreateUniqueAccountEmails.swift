import Fluent
import SQLKit

/// One account per e-mail address, whatever its case: two registrations confirmed at the same moment could
/// each find no account and make one.
///
/// An address that several accounts already share is taken off those accounts, as the manual says (§2.3):
/// it cannot be trusted to reach the right person, so it no longer signs in or recovers a password. The
/// accounts keep their logins; the address and its accounts are kept in `shared_emails`, where recovery
/// finds it and sends the person to the supplier's «Интернет-приемная». Each such address is logged.
struct CreateUniqueAccountEmails: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("shared_emails")
            .field("email", .string, .required)
            .field("account_id", .uuid, .required)
            .unique(on: "email", "account_id")
            .create()
        let sql = database.sql
        let shared = try await sql.raw(
            """
            SELECT lower(email) AS address FROM accounts WHERE email IS NOT NULL
            GROUP BY lower(email) HAVING count(*) > 1 ORDER BY lower(email)
            """
        ).all(decodingColumn: "address", as: String.self)
        for address in shared {
            database.logger.warning("e-mail \(address) was shared by several accounts: taken off them")
            try await sql.raw(
                """
                INSERT INTO shared_emails (email, account_id)
                SELECT lower(email), id FROM accounts WHERE lower(email) = \(bind: address)
                """
            ).run()
            try await sql.raw("UPDATE accounts SET email = NULL WHERE lower(email) = \(bind: address)").run()
        }
        try await sql.raw("CREATE UNIQUE INDEX accounts_email_unique ON accounts (lower(email))").run()
    }

    func revert(on database: Database) async throws {
        let sql = database.sql
        try await sql.raw("DROP INDEX accounts_email_unique").run()
        try await sql.raw(
            """
            UPDATE accounts SET email = (SELECT s.email FROM shared_emails s WHERE s.account_id = accounts.id)
            WHERE id IN (SELECT account_id FROM shared_emails)
            """
        ).run()
        try await database.schema("shared_emails").delete()
    }
}
