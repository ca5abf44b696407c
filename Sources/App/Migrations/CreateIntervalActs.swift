import Fluent
import SQLKit

/// Hourly profiles people uploaded per meter and month (RD-5): each upload is an act, the first of a month
/// «Первичный акт», later ones «Корректировочный акт», all «В ожидании» until billing takes them.
struct CreateIntervalActs: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("interval_acts")
            .id()
            .field("contract_id", .string, .required)
            .field("meter_id", .string, .required)
            .field("channel_id", .string, .required)
            .field("period", .string, .required)
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("total_milli", .int64, .required)
            .field("hourly_values", .string, .required)
            .field("file_name", .string, .required)
            .field("file_data", .data, .required)
            .field("account_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sql.create(index: "interval_acts_meter_idx").on("interval_acts")
            .column("meter_id").column("period").run()
        try await database.sql.create(index: "interval_acts_contract_idx").on("interval_acts")
            .column("contract_id").column("period").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("interval_acts").delete()
    }
}
