import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit

/// What the «Показания» page shows for one contract, read in a fixed number of queries whatever its size.
struct ReadingsData: Sendable {
    struct ContractChoice: Sendable, Decodable {
        let id: String
        let number: String
        let name: String
        let priceCategory: Int

        /// Categories III–VI send hourly profiles (manual §5.3).
        var needsHourlyProfile: Bool { PriceCategory(rawValue: priceCategory)?.needsHourlyProfile ?? false }
    }

    struct Object: Sendable {
        let id: String
        let code: String
        let name: String
        let address: String
        let status: ReadingStatus?
        var meters: [Meter]
        /// How many meters the object has (known before its meters are read, for paging).
        var meterCount = 0
        /// Every channel of the object has a reading submitted this period.
        var submitted: Bool { !meters.isEmpty && meters.allSatisfy { $0.channels.allSatisfy { $0.submitted != nil } } }
    }

    struct Meter: Sendable {
        let id: String
        let number: String
        let complexName: String
        let ratio: Int
        let digits: Int
        let status: ReadingStatus?
        let hourly: Bool
        var channels: [Channel]
        /// The hourly profile's total this period (the latest act), thousandths of a kWh.
        var intervalTotal: Int64?

        /// The A+ channel an hourly profile belongs to.
        var activeImport: Channel? { hourly ? channels.first { $0.quantity == .activeImport } : nil }

        /// Integral consumption of the A+ channel this period, when both readings are known.
        var integralConsumption: Int64? {
            guard let channel = activeImport, let current = channel.submitted, let previous = channel.previous,
                case .success(let value) = RegisterReading.consumption(
                    previous: previous, current: current, ratio: ratio, digits: digits, rollover: true)
            else { return nil }
            return value
        }
    }

    struct Channel: Sendable {
        let id: String
        let quantity: Quantity?
        let zone: Zone?
        var previous: Int64?
        var previousDate: String?
        var submitted: Int64?
    }

    let contract: ContractChoice
    let period: BillingPeriod
    var objects: [Object]

    /// Contracts on which `accountID` may submit readings, by number ascending (RD-1).
    static func contracts(of accountID: UUID, on sql: any SQLDatabase) async throws -> [(ContractChoice, ContractLink)]
    {
        try await contracts(of: accountID, allowing: .submitReadings, on: sql)
    }

    /// The account's contracts whose role allows `action`, by number ascending, with their links: one query.
    static func contracts(of accountID: UUID, allowing action: ContractAction, on sql: any SQLDatabase) async throws
        -> [(ContractChoice, ContractLink)]
    {
        // Read column by column: this runs on every «Оплата» and «Показания» request and on each submission,
        // and a Decodable row costs twice as much (issue 8).
        try await sql.rows(ContractsQuery(accountID: accountID)).compactMap { row in
            let link = ContractLink(
                id: try row.decode(column: "link_id", as: UUID.self), accountID: accountID,
                contractID: try row.decode(column: "id", as: String.self),
                roleName: try row.decode(column: "role", as: String.self),
                energyObjectIDs: try row.decode(column: "energy_object_ids", as: String?.self))
            guard link.allows(action) else { return nil }
            return (
                ContractChoice(
                    id: link.contractID, number: try row.decode(column: "number", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    priceCategory: try row.decode(column: "price_category", as: Int.self)),
                link
            )
        }
    }

    /// The account's contracts with their links, by number.
    struct ContractsQuery: PreparedSQL {
        static let sql = """
            SELECT c.id, c.number, c.name, c.price_category, l.id AS link_id, l.role, l.energy_object_ids
            FROM contract_links l JOIN contracts c ON c.id = l.contract_id
            WHERE l.account_id = $1
            ORDER BY c.number
            """
        let accountID: UUID
        var values: [any PostgresEncodable & Encodable & Sendable] { [accountID] }
    }

    /// A contract's energy objects with their numbers of meters, by code.
    struct ObjectsQuery: PreparedSQL {
        static let sql = """
            SELECT o.id, o.code, o.name, o.address, o.status,
                   (SELECT count(*) FROM meters m WHERE m.energy_object_id = o.id) AS meter_count
            FROM energy_objects o WHERE o.contract_id = $1 ORDER BY o.code
            """
        let contractID: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID] }
    }

    /// Everything a whole contract's page or submission reads, in one query (one round trip, where it was
    /// six: the readings peak submits whole contracts, issue 8): its energy objects («o», with their numbers
    /// of meters), meters («m»), channels («k»), the last closed period's accepted readings («p», `$3`),
    /// this period's submitted ones («s», `$2`) and the latest hourly-profile act of each meter («t»).
    /// Objects come by code and meters by number, as their own queries sorted them.
    struct ContractQuery: PreparedSQL {
        static let sql = """
            WITH \(actsOfThePeriod)
            SELECT 'o' AS kind, o.id, CAST(NULL AS TEXT) AS parent, o.code AS a, o.name AS b, o.address AS c,
                   o.status AS d, (SELECT count(*) FROM meters m WHERE m.energy_object_id = o.id) AS n, 0 AS r, 0 AS g,
                   o.code AS ord
            FROM energy_objects o WHERE o.contract_id = $1
            UNION ALL
            SELECT 'm', id, energy_object_id, number, complex_name, CAST(NULL AS TEXT), status, ratio, digits,
                   CASE WHEN hourly THEN 1 ELSE 0 END, number
            FROM meters WHERE contract_id = $1
            UNION ALL
            SELECT 'k', id, meter_id, quantity, zone, CAST(NULL AS TEXT), CAST(NULL AS TEXT), 0, 0, 0,
                   CAST(NULL AS TEXT)
            FROM meter_channels WHERE contract_id = $1
            UNION ALL
            SELECT 'p', channel_id, CAST(NULL AS TEXT), read_on, CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), value_milli, 0, 0, CAST(NULL AS TEXT)
            FROM accepted_readings WHERE period = $3 AND contract_id = $1
            UNION ALL
            SELECT 's', channel_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), value_milli, 0, 0, CAST(NULL AS TEXT)
            FROM submitted_readings WHERE period = $2 AND contract_id = $1
            UNION ALL
            SELECT 't', meter_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), total_milli, 0, 0, CAST(NULL AS TEXT)
            FROM acts WHERE latest = 1
            ORDER BY kind, ord
            """
        let contractID: String
        let period: String
        let previous: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID, period, previous] }
    }

    /// A contract's (`$1`) hourly-profile acts of a period (`$2`), each marked `latest = 1` if it is its
    /// meter's latest: what the page shows is the latest act's total.
    static let actsOfThePeriod = """
        acts AS (
            SELECT meter_id, total_milli, ROW_NUMBER() OVER (PARTITION BY meter_id ORDER BY created_at DESC) AS latest
            FROM interval_acts WHERE contract_id = $1 AND period = $2)
        """

    /// The latest hourly-profile act of each of a contract's meters in a period.
    struct ActsQuery: PreparedSQL {
        static let sql = "WITH \(actsOfThePeriod) SELECT meter_id, total_milli FROM acts WHERE latest = 1"
        let contractID: String
        let period: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID, period] }
    }

    /// The contract's energy objects, meters and channels with the last closed period's readings and this
    /// period's submitted ones; objects outside the link's limits are left out. With `detailed`, every object
    /// is listed but only those it picks (say, one page of them) get their meters: the page of a 500-meter
    /// contract then reads the rows it shows, on the same indexes.
    static func load(
        _ contract: ContractChoice, link: ContractLink, period: BillingPeriod, on sql: any SQLDatabase,
        detailed: (([Object]) -> [Object])? = nil
    ) async throws -> ReadingsData {
        let allowed = link.energyObjects
        func objects(_ rows: [ObjectRow]) -> [Object] {
            rows.filter { allowed?.contains($0.id) ?? true }.map {
                Object(
                    id: $0.id, code: $0.code, name: $0.name, address: $0.address,
                    status: ReadingStatus(rawValue: $0.status), meters: [], meterCount: $0.meterCount)
            }
        }
        // A whole contract is read by one prepared query (on PostgreSQL planned once per connection); a page
        // of objects by its objects, then `IN (…)` lists of the ids it shows.
        let bare: [Object]
        var meterRows: [MeterRow] = []
        var channelRows: [ChannelRow] = []
        var previous: [ValueRow] = []
        var submitted: [ValueRow] = []
        var acts: [ActRow] = []
        if let detailed {
            bare = objects(try await sql.rows(ObjectsQuery(contractID: contract.id)).map { try ObjectRow(row: $0) })
            // The objects whose meters are read.
            let wanted = detailed(bare).map(\.id)
            guard !wanted.isEmpty else { return ReadingsData(contract: contract, period: period, objects: bare) }
            meterRows = try await sql.select()
                .columns("id", "energy_object_id", "number", "complex_name", "ratio", "digits", "status", "hourly")
                .from("meters").where("contract_id", .equal, contract.id)
                .where("energy_object_id", .in, SQLBind.group(wanted)).orderBy("number").rows(MeterRow.self)
            guard !meterRows.isEmpty else { return ReadingsData(contract: contract, period: period, objects: bare) }
            channelRows = try await sql.select().columns("id", "meter_id", "quantity", "zone").from("meter_channels")
                .where("meter_id", .in, SQLBind.group(meterRows.map(\.id))).rows(ChannelRow.self)
            /// Readings of the page's channels.
            func values(_ table: String, period: BillingPeriod, readOn: Bool) async throws -> [ValueRow] {
                guard !channelRows.isEmpty else { return [] }
                let query = sql.select().columns("channel_id", "value_milli")
                if readOn { query.column("read_on") } else { query.column(SQLLiteral.null, as: "read_on") }
                return try await query.from(table).where("period", .equal, period.description)
                    .where("channel_id", .in, SQLBind.group(channelRows.map(\.id))).rows(ValueRow.self)
            }
            previous = try await values("accepted_readings", period: period.previous, readOn: true)
            submitted = try await values("submitted_readings", period: period, readOn: false)
            acts = try await sql.rows(ActsQuery(contractID: contract.id, period: period.description)).map {
                try ActRow(row: $0)
            }
        } else {
            var objectRows: [ObjectRow] = []
            let rows = try await sql.rows(
                ContractQuery(
                    contractID: contract.id, period: period.description, previous: period.previous.description))
            for row in rows {
                let id = try row.decode(column: "id", as: String.self)
                let kind = try row.decode(column: "kind", as: String.self)
                switch kind {
                case "o":
                    objectRows.append(
                        ObjectRow(
                            id: id, code: try row.decode(column: "a", as: String.self),
                            name: try row.decode(column: "b", as: String.self),
                            address: try row.decode(column: "c", as: String.self),
                            status: try row.decode(column: "d", as: String.self),
                            meterCount: Int(try row.decode(column: "n", as: Int64.self))))
                case "m":
                    meterRows.append(
                        MeterRow(
                            id: id, energyObjectId: try row.decode(column: "parent", as: String.self),
                            number: try row.decode(column: "a", as: String.self),
                            complexName: try row.decode(column: "b", as: String.self),
                            ratio: Int(try row.decode(column: "n", as: Int64.self)),
                            digits: try row.decode(column: "r", as: Int.self),
                            status: try row.decode(column: "d", as: String.self),
                            hourly: try row.decode(column: "g", as: Int.self) != 0))
                case "k":
                    channelRows.append(
                        ChannelRow(
                            id: id, meterId: try row.decode(column: "parent", as: String.self),
                            quantity: try row.decode(column: "a", as: String.self),
                            zone: try row.decode(column: "b", as: String.self)))
                case "p", "s":
                    let value = ValueRow(
                        channelId: id, valueMilli: try row.decode(column: "n", as: Int64.self),
                        readOn: try row.decode(column: "a", as: String?.self))
                    if kind == "p" {
                        previous.append(value)
                    } else {
                        submitted.append(value)
                    }
                case "t":
                    acts.append(ActRow(meterId: id, totalMilli: try row.decode(column: "n", as: Int64.self)))
                default:
                    continue
                }
            }
            bare = objects(objectRows)
        }

        let intervalTotals = Dictionary(acts.map { ($0.meterId, $0.totalMilli) }, uniquingKeysWith: { a, _ in a })
        let previousByChannel = Dictionary(previous.map { ($0.channelId, $0) }, uniquingKeysWith: { a, _ in a })
        let submittedByChannel = Dictionary(
            submitted.map { ($0.channelId, $0.valueMilli) }, uniquingKeysWith: { a, _ in a })
        let quantityOrder = Dictionary(uniqueKeysWithValues: Quantity.allCases.enumerated().map { ($1.rawValue, $0) })
        let zoneOrder = Dictionary(uniqueKeysWithValues: Zone.allCases.enumerated().map { ($1.rawValue, $0) })
        var channelsByMeter: [String: [Channel]] = [:]
        let ordered = channelRows.map { ((quantityOrder[$0.quantity] ?? 9) * 16 + (zoneOrder[$0.zone] ?? 9), $0) }
            .sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.map(\.1)
        for row in ordered {
            channelsByMeter[row.meterId, default: []].append(
                Channel(
                    id: row.id, quantity: Quantity(rawValue: row.quantity), zone: Zone(rawValue: row.zone),
                    previous: previousByChannel[row.id]?.valueMilli,
                    previousDate: previousByChannel[row.id]?.readOn, submitted: submittedByChannel[row.id]))
        }
        var metersByObject: [String: [Meter]] = [:]
        for row in meterRows {
            metersByObject[row.energyObjectId, default: []].append(
                Meter(
                    id: row.id, number: row.number, complexName: row.complexName, ratio: row.ratio, digits: row.digits,
                    status: ReadingStatus(rawValue: row.status), hourly: row.hourly,
                    channels: channelsByMeter[row.id] ?? [], intervalTotal: intervalTotals[row.id]))
        }
        return ReadingsData(
            contract: contract, period: period,
            objects: bare.map { object in
                var object = object
                object.meters = metersByObject[object.id] ?? []
                return object
            })
    }
}

// Rows are read column by column (`ColumnRow`): a 500-meter page reads 1,500 rows, and decoding them as
// Decodable structs was a quarter of its time (issue 8). `init(row:)` reads a table's own columns; the
// whole-contract query's rows are read by `ReadingsData.load` from its shared ones.
extension ReadingsData {
    struct ObjectRow {
        let id: String
        let code: String
        let name: String
        let address: String
        let status: String
        let meterCount: Int
    }

    struct MeterRow {
        let id: String
        let energyObjectId: String
        let number: String
        let complexName: String
        let ratio: Int
        let digits: Int
        let status: String
        let hourly: Bool
    }

    struct ChannelRow {
        let id: String
        let meterId: String
        let quantity: String
        let zone: String
    }

    struct ValueRow {
        let channelId: String
        let valueMilli: Int64
        let readOn: String?
    }

    struct ActRow {
        let meterId: String
        let totalMilli: Int64
    }
}

extension ReadingsData.ObjectRow: ColumnRow {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        code = try row.decode(column: "code", as: String.self)
        name = try row.decode(column: "name", as: String.self)
        address = try row.decode(column: "address", as: String.self)
        status = try row.decode(column: "status", as: String.self)
        meterCount = try row.decode(column: "meter_count", as: Int.self)
    }
}

extension ReadingsData.MeterRow: ColumnRow {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        energyObjectId = try row.decode(column: "energy_object_id", as: String.self)
        number = try row.decode(column: "number", as: String.self)
        complexName = try row.decode(column: "complex_name", as: String.self)
        ratio = try row.decode(column: "ratio", as: Int.self)
        digits = try row.decode(column: "digits", as: Int.self)
        status = try row.decode(column: "status", as: String.self)
        hourly = try row.decode(column: "hourly", as: Bool.self)
    }
}

extension ReadingsData.ChannelRow: ColumnRow {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        meterId = try row.decode(column: "meter_id", as: String.self)
        quantity = try row.decode(column: "quantity", as: String.self)
        zone = try row.decode(column: "zone", as: String.self)
    }
}

extension ReadingsData.ValueRow: ColumnRow {
    init(row: any SQLRow) throws {
        channelId = try row.decode(column: "channel_id", as: String.self)
        valueMilli = try row.decode(column: "value_milli", as: Int64.self)
        readOn = try row.decode(column: "read_on", as: String?.self)
    }
}

extension ReadingsData.ActRow: ColumnRow {
    init(row: any SQLRow) throws {
        meterId = try row.decode(column: "meter_id", as: String.self)
        totalMilli = try row.decode(column: "total_milli", as: Int64.self)
    }
}
