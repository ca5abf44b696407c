import Fluent
import SQLKit

/// Each channel's latest accepted reading, kept on the channel (`BillingSummary.latestReading`), filled in
/// from the readings already stored.
struct CreateLatestAcceptedReadings: AsyncMigration {
    /// One column per statement: SQLite adds one at a time.
    static let columns: [(name: String, type: DatabaseSchema.DataType)] = [
        ("latest_period", .string), ("latest_value_milli", .int64), ("latest_read_on", .string),
    ]

    func prepare(on database: Database) async throws {
        for column in Self.columns {
            try await database.schema("meter_channels").field(.string(column.name), column.type).update()
        }
        try await BillingSummary.latestReading.refreshAll(on: database.sql)
    }

    func revert(on database: Database) async throws {
        for column in Self.columns {
            try await database.schema("meter_channels").deleteField(.string(column.name)).update()
        }
    }
}
