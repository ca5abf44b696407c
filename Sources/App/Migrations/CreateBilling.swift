import Fluent
import SQLKit

/// What billing owns (contracts, energy objects, meters, channels, accepted readings, payment documents,
/// advances, payments received, documents), keyed by billing's own identifiers; the exchange API's tokens and
/// feed; and the portal's links of accounts to contracts. No foreign keys: billing loads in any order within
/// a batch and the API checks references itself.
struct CreateBilling: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        func index(_ name: String, _ table: String, _ columns: [String], unique: Bool = false) async throws {
            var builder = sql.create(index: name).on(table)
            if unique { builder = builder.unique() }
            for column in columns { builder = builder.column(column) }
            try await builder.run()
        }

        try await database.schema("contracts")
            .field("id", .string, .identifier(auto: false))
            .field("number", .string, .required)
            .field("name", .string, .required)
            .field("customer_full_name", .string, .required)
            .field("customer_short_name", .string, .required)
            .field("inn", .string, .required)
            .field("kpp", .string)
            .field("ogrn", .string)
            .field("legal_address", .string, .required)
            .field("postal_address", .string)
            .field("customer_phone", .string)
            .field("price_category", .int, .required)
            .field("contract_date", .string, .required)
            .field("emails", .string, .required)
            .field("customer_bank_name", .string)
            .field("customer_bik", .string)
            .field("customer_account", .string)
            .field("customer_corr_account", .string)
            .field("supplier_name", .string, .required)
            .field("supplier_inn", .string)
            .field("supplier_kpp", .string)
            .field("supplier_bank_name", .string)
            .field("supplier_bik", .string)
            .field("supplier_account", .string)
            .field("supplier_corr_account", .string)
            .field("branch_name", .string)
            .field("branch_head", .string)
            .field("branch_phone", .string)
            .field("branch_address", .string)
            .field("curator_name", .string)
            .field("curator_phone", .string)
            .field("curator_email", .string)
            .create()
        try await index("contracts_number_idx", "contracts", ["number"], unique: true)

        try await database.schema("energy_objects")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("status", .string, .required)
            .create()
        try await index("energy_objects_contract_idx", "energy_objects", ["contract_id", "code"])

        try await database.schema("meters")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("energy_object_id", .string, .required)
            .field("number", .string, .required)
            .field("model", .string, .required)
            .field("complex_name", .string, .required)
            .field("digits", .int, .required)
            .field("ratio", .int, .required)
            .field("verified_on", .string)
            .field("hourly", .bool, .required)
            .field("status", .string, .required)
            .create()
        try await index("meters_energy_object_idx", "meters", ["energy_object_id", "number"])
        try await index("meters_contract_idx", "meters", ["contract_id", "number"])

        try await database.schema("meter_channels")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("meter_id", .string, .required)
            .field("quantity", .string, .required)
            .field("zone", .string, .required)
            .create()
        try await index("meter_channels_meter_idx", "meter_channels", ["meter_id"])
        try await index("meter_channels_contract_idx", "meter_channels", ["contract_id"])

        try await database.schema("accepted_readings")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("channel_id", .string, .required)
            .field("period", .string, .required)
            .field("value_milli", .int64, .required)
            .field("read_on", .string, .required)
            .create()
        try await index("accepted_readings_channel_idx", "accepted_readings", ["channel_id", "period"], unique: true)
        try await index("accepted_readings_contract_idx", "accepted_readings", ["contract_id", "period"])

        try await database.schema("payment_documents")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("number", .string, .required)
            .field("sale_kind", .string, .required)
            .field("issued_on", .string, .required)
            .field("due_on", .string, .required)
            .field("amount_kopecks", .int64, .required)
            .field("outstanding_kopecks", .int64, .required)
            .create()
        try await index("payment_documents_contract_idx", "payment_documents", ["contract_id", "due_on"])

        try await database.schema("advances")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("sale_kind", .string, .required)
            .field("period", .string, .required)
            .field("amount_kopecks", .int64, .required)
            .field("overpayment", .bool, .required)
            .create()
        try await index("advances_contract_idx", "advances", ["contract_id", "period"])

        try await database.schema("payments_received")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("paid_on", .string, .required)
            .field("amount_kopecks", .int64, .required)
            .field("payment_document_id", .string)
            .field("purpose", .string)
            .create()
        try await index("payments_received_contract_idx", "payments_received", ["contract_id", "paid_on"])

        try await database.schema("documents")
            .field("id", .string, .identifier(auto: false))
            .field("contract_id", .string, .required)
            .field("type", .string, .required)
            .field("number", .string, .required)
            .field("issued_on", .string, .required)
            .field("period", .string, .required)
            .field("file_name", .string)
            .field("file_data", .data)
            .create()
        try await index("documents_contract_idx", "documents", ["contract_id", "period"])

        try await database.schema("billing_tokens")
            .id()
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .create()
        try await index("billing_tokens_hash_idx", "billing_tokens", ["token_hash"], unique: true)

        try await database.schema("billing_feed")
            .field("seq", .int64, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("entity_id", .string, .required)
            .field("payload", .string, .required)
            .field("created_at", .datetime, .required)
            .create()

        // Closed billing periods; the open one is the month after the last closed.
        try await database.schema("billing_periods")
            .field("period", .string, .identifier(auto: false))
            .field("closed_at", .datetime, .required)
            .create()

        // Readings people sent, until billing accepts them.
        try await database.schema("submitted_readings")
            .id()
            .field("contract_id", .string, .required)
            .field("channel_id", .string, .required)
            .field("period", .string, .required)
            .field("value_milli", .int64, .required)
            .field("account_id", .uuid)
            .field("source", .string, .required)
            .field("submitted_at", .datetime, .required)
            .create()
        try await index("submitted_readings_channel_idx", "submitted_readings", ["channel_id", "period"], unique: true)
        try await index("submitted_readings_contract_idx", "submitted_readings", ["contract_id", "period"])

        // The portal's own data: which account holds which contract, with one role (ROLE-1).
        try await database.schema("contract_links")
            .id()
            .field("account_id", .uuid, .required)
            .field("contract_id", .string, .required)
            .field("role", .string, .required)
            .field("energy_object_ids", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await index("contract_links_account_idx", "contract_links", ["account_id", "contract_id"], unique: true)
        try await index("contract_links_contract_idx", "contract_links", ["contract_id"])
        // At most one «Администратор» per contract, whatever the code above the database does.
        try await sql.raw(
            "CREATE UNIQUE INDEX contract_links_one_administrator ON contract_links (contract_id) WHERE role = 'administrator'"
        ).run()

        // «Добавить договор» waiting for its e-mailed link (CON-1). `contract_id` is empty when the number or
        // the e-mail did not match: the row exists all the same, so the page cannot tell the two apart.
        try await database.schema("contract_additions")
            .id()
            .field("account_id", .uuid, .required)
            .field("number", .string, .required)
            .field("email", .string, .required)
            .field("contract_id", .string)
            .field("token_hash", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await index("contract_additions_account_idx", "contract_additions", ["account_id"])
        try await index("contract_additions_token_idx", "contract_additions", ["token_hash"])
        try await index("contract_additions_created_idx", "contract_additions", ["created_at"])
    }

    func revert(on database: Database) async throws {
        for table in [
            "contract_additions", "contract_links", "submitted_readings", "billing_periods", "billing_feed",
            "billing_tokens", "documents", "payments_received",
            "advances", "payment_documents", "accepted_readings", "meter_channels", "meters", "energy_objects",
            "contracts",
        ] {
            try await database.schema(table).delete()
        }
    }
}
