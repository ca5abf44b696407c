import SQLKit

/// What a parent's row keeps of its children's rows, so that a page reads it with the parent instead of
/// looking among the children: each channel's latest accepted reading and each energy object's
/// number of meters. `BillingIntake.upsert`, the one writer of billing's rows (the exchange API, the demo data
/// and the demo's period closing), sets them again for the parents a batch touches — including a parent a
/// row sent again has left.
struct BillingSummary: Sendable {
    /// The children's table and their column naming the parent.
    let table: String
    let parentColumn: String
    /// `UPDATE` of the parents' table setting the summary from the children, without a `WHERE`.
    let update: String

    /// On `meter_channels`: `latest_period`, `latest_value_milli`, `latest_read_on` of the latest period billing
    /// has sent (none: `NULL`). A page of «Показания» shows the last closed period's reading of every channel,
    /// and that is nearly always the latest: read from the channel's row, it costs no lookup in the largest
    /// table (13 million readings on the bench's data set; the lookup was 0.25 of the page query's 0.65 ms on
    /// PostgreSQL). When billing has already sent a later period, the page looks the closed one up
    /// (`ReadingsData.PageQuery`).
    static let latestReading = BillingSummary(
        table: "accepted_readings", parentColumn: "channel_id",
        update: """
            UPDATE meter_channels SET (latest_period, latest_value_milli, latest_read_on) = (
                SELECT a.period, a.value_milli, a.read_on FROM accepted_readings a
                WHERE a.channel_id = meter_channels.id ORDER BY a.period DESC LIMIT 1)
            """)

    /// On `energy_objects`: `meter_count`, which «Показания» needs for every object of a contract to cut its
    /// pages (a count per object was 0.13 of that query's 0.22 ms on PostgreSQL).
    static let meterCount = BillingSummary(
        table: "meters", parentColumn: "energy_object_id",
        update: """
            UPDATE energy_objects SET meter_count = (
                SELECT count(*) FROM meters m WHERE m.energy_object_id = energy_objects.id)
            """)

    static let all = [latestReading, meterCount]

    /// The parents of the stored rows with these ids (before they are written again).
    func parents(ofRows ids: [String], on sql: any SQLDatabase) async throws -> [String] {
        var found: [String] = []
        for chunk in ids.chunked(500) {
            for row in try await sql.select().column(SQLIdentifier(parentColumn)).from(table).where("id", .in, chunk)
                .all()
            {
                found.append(try row.decode(column: parentColumn, as: String.self))
            }
        }
        return found
    }

    /// Sets the summary of these parents, in statements small enough for both databases' bind limits.
    func refresh(parents: some Collection<String>, on sql: any SQLDatabase) async throws {
        for chunk in Array(Set(parents)).sorted().chunked(500) {
            try await sql.raw("\(unsafeRaw: update) WHERE id IN (\(binds: chunk))").run()
        }
    }

    /// Sets every parent's, as the migration that adds the columns does.
    func refreshAll(on sql: any SQLDatabase) async throws {
        try await sql.raw("\(unsafeRaw: update)").run()
    }
}
