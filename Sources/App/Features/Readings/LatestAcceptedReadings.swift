import SQLKit

/// Each channel keeps its latest accepted reading (`meter_channels.latest_period`, `latest_value_milli`,
/// `latest_read_on`: the one of the latest period billing has sent), written with the readings. A page of
/// «Показания» shows the last closed period's reading of every channel, and that is nearly always the latest:
/// read from the channel's row, it costs no lookup of its own in the largest table (13 million readings on
/// the bench's data set, a lookup 0.25 of the page query's 0.65 ms; issue 8). When billing has already sent a
/// later period's readings, the page looks the closed period's one up as before (`ReadingsData.PageQuery`).
enum LatestAcceptedReadings {
    static let table = "accepted_readings"

    /// Sets the latest accepted reading of these channels from their readings (none: `NULL`), in statements
    /// small enough for both databases' bind limits.
    static func refresh(channels: some Collection<String>, on sql: any SQLDatabase) async throws {
        for chunk in Array(Set(channels)).sorted().chunked(500) {
            try await sql.raw("\(unsafeRaw: update) WHERE id IN (\(binds: chunk))").run()
        }
    }

    /// Sets every channel's, as the migration that added the columns does.
    static func refreshAll(on sql: any SQLDatabase) async throws {
        try await sql.raw("\(unsafeRaw: update)").run()
    }

    /// The channels whose stored readings have these ids: a reading sent again may name another channel, and
    /// the one it leaves needs its latest reading worked out again too.
    static func channels(ofReadings ids: [String], on sql: any SQLDatabase) async throws -> [String] {
        var found: [String] = []
        for chunk in ids.chunked(500) {
            for row in try await sql.select().column("channel_id").from(table).where("id", .in, chunk).all() {
                found.append(try row.decode(column: "channel_id", as: String.self))
            }
        }
        return found
    }

    private static let update = """
        UPDATE meter_channels SET (latest_period, latest_value_milli, latest_read_on) = (
            SELECT a.period, a.value_milli, a.read_on FROM accepted_readings a
            WHERE a.channel_id = meter_channels.id ORDER BY a.period DESC LIMIT 1)
        """
}
