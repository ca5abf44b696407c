import Fluent
import SQLKit

/// Each energy object's number of meters, kept on the object (`BillingSummary.meterCount`), counted from the
/// meters already stored.
struct CreateObjectMeterCounts: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("energy_objects").field("meter_count", .int64, .required, .sql(.default(0)))
            .update()
        try await BillingSummary.meterCount.refreshAll(on: database.sql)
    }

    func revert(on database: Database) async throws {
        try await database.schema("energy_objects").deleteField("meter_count").update()
    }
}
