import Fluent
import SQLKit

/// Sessions: one row per browser session; only the SHA-256 of the cookie token is stored.
struct CreateSessions: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("csrf_token", .string, .required)
            .field("account_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("user_agent", .string)
            .field("ip_address", .string)
            .unique(on: "token_hash")
            .create()
        try await database.sql.create(index: "sessions_account_idx").on("sessions").column("account_id")
            .run()
        try await database.sql.create(index: "sessions_last_seen_idx").on("sessions").column(
            "last_seen_at"
        ).run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("sessions").delete()
    }
}

/// Background jobs, claimed by workers with a lease.
struct CreateJobs: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .datetime, .required)
            .field("locked_until", .datetime)
            .field("locked_by", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        try await database.sql.create(index: "jobs_claim_idx").on("jobs").column("status").column(
            "run_at"
        ).run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("jobs").delete()
    }
}

/// E-mail waiting to be sent: written in the transaction of the action that sends it.
struct CreateOutbox: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("outbox_messages")
            .id()
            .field("sender", .string, .required)
            .field("recipients", .string, .required)
            .field("subject", .string, .required)
            .field("mime", .data, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .field("claimed_at", .datetime)
            .field("sent_at", .datetime)
            .field("last_error", .string)
            .create()
        try await database.sql.create(index: "outbox_status_idx").on("outbox_messages").column("status")
            .run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("outbox_messages").delete()
    }
}

/// Fixed-window counters shared by every instance of the portal.
struct CreateRateLimits: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("rate_limits")
            .field("bucket", .string, .required)
            .field("window_start", .int64, .required)
            .field("hits", .int, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "bucket", "window_start")
            .create()
        try await database.sql.create(index: "rate_limits_expiry_idx").on("rate_limits").column(
            "expires_at"
        ).run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("rate_limits").delete()
    }
}

/// Who did what, when and from where.
struct CreateAuditLog: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("audit_log")
            .id()
            .field("at", .datetime, .required)
            .field("actor", .string, .required)
            .field("account_id", .uuid)
            .field("action", .string, .required)
            .field("subject", .string)
            .field("ip_address", .string)
            .field("details", .string)
            .create()
        let sql = database.sql
        try await sql.create(index: "audit_log_at_idx").on("audit_log").column("at").run()
        try await sql.create(index: "audit_log_account_idx").on("audit_log").column("account_id").column("at").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("audit_log").delete()
    }
}
