import Fluent
import SQLKit

/// Keys compared byte by byte on PostgreSQL: billing's identifiers and the references to them, periods,
/// ISO dates, codes, numbers, hashes and states — every text column an index is built on or a join compares. They
/// are opaque strings, so the database's linguistic collation only slowed them down: a database made with
/// `C.UTF-8` or `ru_RU.UTF-8` compares such text through `strcoll`, which was a tenth of PostgreSQL's time on
/// a page of «Показания» (its query ran 3,550 times a second on two clients against 2,850). `"C"`
/// compares the bytes, which for UTF-8 is also the characters' order, so nothing sorts differently on a
/// `C.UTF-8` database, and these columns hold digits, Latin letters and hyphens on any other. Names, addresses
/// and what people type keep the database's collation. SQLite already compares text byte by byte.
struct CreateBytewiseKeys: AsyncMigration {
    static let columns: [(table: String, columns: [String])] = [
        ("contracts", ["id", "number"]),
        ("energy_objects", ["id", "contract_id", "code"]),
        ("meters", ["id", "contract_id", "energy_object_id", "number"]),
        ("meter_channels", ["id", "contract_id", "meter_id"]),
        ("accepted_readings", ["id", "contract_id", "channel_id", "period"]),
        ("submitted_readings", ["contract_id", "channel_id", "period"]),
        ("interval_acts", ["contract_id", "meter_id", "channel_id", "period"]),
        ("reading_uploads", ["contract_id"]),
        ("payment_documents", ["id", "contract_id", "due_on"]),
        ("advances", ["id", "contract_id", "period"]),
        ("payments_received", ["id", "contract_id", "paid_on", "payment_document_id", "online_payment_id"]),
        ("documents", ["id", "contract_id", "period"]),
        ("billing_periods", ["period"]),
        ("billing_tokens", ["token_hash"]),
        ("contract_links", ["contract_id"]),
        ("contract_additions", ["contract_id", "token_hash"]),
        ("online_payments", ["id", "contract_id", "acquirer", "external_id", "state"]),
        ("saved_cards", ["acquirer", "method_id"]),
        ("sandbox_acquirer_payments", ["id", "idempotence_key"]),
        ("sandbox_acquirer_methods", ["id"]),
        ("sessions", ["token_hash"]),
        ("rate_limits", ["bucket"]),
        ("pending_codes", ["purpose"]),
        ("jobs", ["status"]),
        ("outbox_messages", ["status"]),
    ]

    func prepare(on database: Database) async throws {
        try await collate(database, as: "\"C\"")
    }

    func revert(on database: Database) async throws {
        try await collate(database, as: "\"default\"")
    }

    /// One `ALTER TABLE` per table, which rebuilds its indexes on these columns once, then its statistics.
    private func collate(_ database: Database, as collation: String) async throws {
        try await Self.collate(Self.columns, on: database, as: collation)
    }

    /// Gives `columns` of each table the collation (on PostgreSQL; SQLite compares bytes already). Later
    /// migrations call it for the key columns of their tables.
    static func collate(
        _ columns: [(table: String, columns: [String])], on database: Database, as collation: String = "\"C\""
    ) async throws {
        let sql = database.sql
        guard sql.dialect.name == "postgresql" else { return }
        for (table, columns) in columns {
            let changes = columns.map { "ALTER COLUMN \($0) TYPE TEXT COLLATE \(collation)" }
            try await sql.raw(
                SQLQueryString("ALTER TABLE \(unsafeRaw: table) \(unsafeRaw: changes.joined(separator: ", "))")
            )
            .run()
            // A column whose type changes loses its statistics, and nothing else would gather them again
            // soon: without them «Оплата» planned its query blind and ran 6 times slower.
            try await sql.raw(SQLQueryString("ANALYZE \(unsafeRaw: table)")).run()
        }
    }
}
