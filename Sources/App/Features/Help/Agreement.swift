import Fluent
import Foundation
import SQLKit

/// «Пользовательское соглашение» in versions (HLP-3, ADM-5): the staff publish a new text, every account is
/// then asked to accept it before going on, and each acceptance is kept with its time and address.
enum Agreement {
    struct Version: Decodable, Sendable, Equatable {
        let version: Int
        let body: String
        let publishedAt: Date
        let publishedBy: String?
    }

    static func current(on sql: any SQLDatabase) async throws -> Version? {
        try await sql.raw(
            "SELECT version, body, published_at, published_by FROM agreement_versions ORDER BY version DESC LIMIT 1"
        ).first(decoding: Version.self, with: .snakeCase)
    }

    struct Summary: Decodable, Sendable {
        let version: Int
        let publishedAt: Date
        let publishedBy: String?
        let accepted: Int
    }

    /// Every version, newest first, with how many accounts accepted it.
    static func versions(on sql: any SQLDatabase) async throws -> [Summary] {
        try await sql.raw(
            """
            SELECT v.version, v.published_at, v.published_by,
                (SELECT COUNT(*) FROM agreement_acceptances a WHERE a.version = v.version) AS accepted
            FROM agreement_versions v ORDER BY v.version DESC
            """
        ).all(decoding: Summary.self, with: .snakeCase)
    }

    /// Records that `account` accepted `version` (once), and clears its pending flag.
    static func accept(account: UUID, version: Int, ipAddress: String?, now: Date, on db: any Database) async throws {
        let sql = db.sql
        try await sql.insert(into: "agreement_acceptances").columns(
            "account_id", "version", "accepted_at", "ip_address"
        )
        .values(SQLBind(account), SQLBind(version), SQLBind(now), SQLBind(ipAddress))
        .ignoringConflicts(with: ["account_id", "version"]).run()
        try await sql.update("accounts").set("agreement_pending", to: false).where("id", .equal, account).run()
    }

    /// Publishes `body` as the next version; every account must accept it. Returns its number.
    static func publish(_ body: String, by staff: String, now: Date, on db: any Database) async throws -> Int {
        try await db.writeTransaction { tx in
            let sql = tx.sql
            let last =
                try await sql.raw("SELECT MAX(version) AS v FROM agreement_versions").first()?
                .decode(column: "v", as: Int?.self) ?? 0
            let version = last + 1
            try await sql.insert(into: "agreement_versions").columns("version", "body", "published_at", "published_by")
                .values(SQLBind(version), SQLBind(body), SQLBind(now), SQLBind(staff)).run()
            try await sql.update("accounts").set("agreement_pending", to: true).run()
            return version
        }
    }

    /// The versions an account accepted, newest first.
    struct Acceptance: Decodable, Sendable {
        let accountId: UUID
        let version: Int
        let acceptedAt: Date
    }

    static func acceptances(of accounts: [UUID], on sql: any SQLDatabase) async throws -> [Acceptance] {
        guard !accounts.isEmpty else { return [] }
        return try await sql.raw(
            """
            SELECT account_id, version, accepted_at FROM agreement_acceptances
            WHERE account_id IN (\(binds: accounts)) ORDER BY version DESC
            """
        ).all(decoding: Acceptance.self, with: .snakeCase)
    }
}
