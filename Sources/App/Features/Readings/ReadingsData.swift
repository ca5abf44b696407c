import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import Vapor

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

    /// The account's link to a contract as the readings routes use it: the role and the energy objects it is
    /// limited to. A value, not a Fluent `ContractLink`: every «Показания» request reads the links of all the
    /// account's contracts, and a model per contract was 2–3 % of the page's CPU (issue 8).
    struct Link: Sendable, Equatable {
        /// nil for a role this version does not know (no access).
        let role: Role?
        /// Energy object ids, one per line; nil for the whole contract.
        let energyObjectIDs: String?

        func allows(_ action: ContractAction) -> Bool { AccessPolicy.allows(role, action) }

        var energyObjects: Set<String>? { ContractLink.energyObjects(in: energyObjectIDs) }
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

    /// Contracts on which `accountID` may submit readings, by number ascending, with their links (RD-1), and
    /// the period open for readings, read together: what every readings route starts from, one round trip
    /// fewer on PostgreSQL for every «Показания» page and submission (issue 8).
    static func contractsAndOpenPeriod(of accountID: UUID, now: Date, timeZone: TimeZone, on sql: any SQLDatabase)
        async throws -> (contracts: [(ContractChoice, Link)], period: BillingPeriod)
    {
        let rows = try await sql.rows(ContractsQuery(accountID: accountID))
        return (
            try rows.compactMap { try contract($0) },
            try await openPeriod(lastClosedIn: rows.first, now: now, timeZone: timeZone, on: sql)
        )
    }

    /// What `contractsAndOpenPeriod` reads, and the energy objects of the contract numbered `number` (or, with
    /// none, of the first the account may submit readings on), as `ObjectsQuery` reads them, from the rows of
    /// `ChoiceQuery` (read just now, or on PostgreSQL with the session: `SessionAndPage`): the «Показания»
    /// page's first round trip, where it was two (issue 8). `objects` names the contract the query picked (nil
    /// when it picked none): the caller uses its rows only when that is the contract it chose itself, and
    /// reads them with `ObjectsQuery` otherwise.
    static func contractsObjectsAndOpenPeriod(
        from rows: [any SQLRow], now: Date, timeZone: TimeZone, on sql: any SQLDatabase
    ) async throws -> (
        contracts: [(ContractChoice, Link)], period: BillingPeriod, objects: (of: String, rows: [ObjectRow])?
    ) {
        var contracts: [(ContractChoice, Link)] = []
        var firstContract: (any SQLRow)?
        var picked: String?
        var objects: [ObjectRow] = []
        for row in rows {
            switch try row.decode(column: "kind", as: String.self) {
            case "c":
                if firstContract == nil { firstContract = row }
                try contract(row).map { contracts.append($0) }
            case "h": picked = try row.decode(column: "id", as: String.self)
            case "o": objects.append(try ObjectRow(choiceRow: row))
            default: continue
            }
        }
        let period = try await openPeriod(lastClosedIn: firstContract, now: now, timeZone: timeZone, on: sql)
        // By number and by code, as `ContractsQuery` and `ObjectsQuery` sort them (code point order, as
        // SQLite's `BINARY` and PostgreSQL's `"C"` compare these columns).
        contracts.sort { $0.0.number < $1.0.number }
        objects.sort { $0.code < $1.code }
        return (contracts, period, picked.map { (of: $0, rows: objects) })
    }

    /// A row of `ContractsQuery` (or `ChoiceQuery`'s «c»): the contract and the link, when the link lets the
    /// account submit readings. Read column by column: this runs on every «Показания» request and on each
    /// submission, and a Decodable row costs twice as much (issue 8).
    private static func contract(_ row: any SQLRow) throws -> (ContractChoice, Link)? {
        let link = Link(
            role: Role(rawValue: try row.decode(column: "role", as: String.self)),
            energyObjectIDs: try row.decode(column: "energy_object_ids", as: String?.self))
        guard link.allows(.submitReadings) else { return nil }
        return (
            ContractChoice(
                id: try row.decode(column: "id", as: String.self),
                number: try row.decode(column: "number", as: String.self),
                name: try row.decode(column: "name", as: String.self),
                priceCategory: try row.decode(column: "price_category", as: Int.self)),
            link
        )
    }

    /// The period open for readings, from the last closed one a contract's row carries; with no contract
    /// there is no row to carry it, and it is read on its own.
    private static func openPeriod(
        lastClosedIn row: (any SQLRow)?, now: Date, timeZone: TimeZone, on sql: any SQLDatabase
    )
        async throws -> BillingPeriod
    {
        guard let row else { return try await PeriodClosing.openPeriod(on: sql, now: now, timeZone: timeZone) }
        let lastClosed = try row.decode(column: "last_closed", as: String?.self)
        return PeriodClosing.openPeriod(after: lastClosed, now: now, timeZone: timeZone)
    }

    /// The account's contracts with their links, by number, each row with the last closed billing period.
    struct ContractsQuery: PreparedSQL {
        static let sql = """
            SELECT \(columns), (\(PeriodClosing.LastClosedQuery.sql)) AS last_closed
            \(ofTheAccount)
            ORDER BY c.number
            """
        /// The contract's and the link's columns, also `ChoiceQuery`'s, which `contract(_:)` reads.
        static let columns = "c.id, c.number, c.name, c.price_category, l.role, l.energy_object_ids"
        /// The account's (`$1`) links and their contracts.
        static let ofTheAccount =
            "FROM contract_links l JOIN contracts c ON c.id = l.contract_id WHERE l.account_id = $1"
        static let packedColumns: [String]? = [
            "id", "number", "name", "price_category", "role", "energy_object_ids", "last_closed",
        ]
        static let packedOrder: String? = "packed.number"
        let accountID: UUID
        var values: [any PostgresEncodable & Encodable & Sendable] { [accountID] }
    }

    /// `ContractsQuery`'s rows («c», same columns), the contract picked for the page («h», its `id`): the one
    /// numbered `$2` among the account's, or with `$2` empty the first by number whose role may submit
    /// readings (as `ReadingsController` picks it; the roles come from `AccessPolicy`), and that contract's
    /// energy objects («o», `ObjectsQuery`'s columns in the contracts' places: `code` in `number`,
    /// `meter_count` in `price_category`, `status` in `role`, `address` in `energy_object_ids`). The rows come
    /// unsorted: sorting the three parts took SQLite longer than the rest of the statement. On PostgreSQL the
    /// session middleware reads it with the session for `GET /readings` (`configure`).
    struct ChoiceQuery: AccountPageSQL {
        /// The roles that may submit readings, as SQL literals.
        static let submitRoles = AccessPolicy.rolesInSQL(allowing: .submitReadings)

        // The account's contracts are read once (`mine`), and the page's contract is picked among them: picked
        // from the tables, by `contracts.number`'s index when `$2` is given, PostgreSQL found a plan of its own
        // for each value cheaper than one for all, and planned the statement again on every run (4,260
        // against 10,800 runs a second on two `pgbench` clients).
        static let sql = """
            WITH mine AS (
                SELECT \(ContractsQuery.columns) \(ContractsQuery.ofTheAccount)),
            chosen AS (
                SELECT id FROM mine WHERE number = $2 OR ($2 = '' AND role IN (\(submitRoles)))
                ORDER BY number LIMIT 1)
            SELECT 'c' AS kind, id, number, name, price_category, role, energy_object_ids,
                   (\(PeriodClosing.LastClosedQuery.sql)) AS last_closed
            FROM mine
            UNION ALL
            SELECT 'h', id, NULL, NULL, NULL, NULL, NULL, NULL FROM chosen
            UNION ALL
            SELECT 'o', o.id, o.code, o.name, o.meter_count, o.status, o.address, NULL
            FROM energy_objects o WHERE o.contract_id = (SELECT id FROM chosen)
            """
        static let packedColumns: [String]? = [
            "kind", "id", "number", "name", "price_category", "role", "energy_object_ids", "last_closed",
        ]
        let accountID: UUID
        let number: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [accountID, number] }
    }

    /// A contract's energy objects with their numbers of meters (`BillingSummary.meterCount`), by code.
    struct ObjectsQuery: PreparedSQL {
        static let sql = """
            SELECT o.id, o.code, o.name, o.address, o.status, o.meter_count
            FROM energy_objects o WHERE o.contract_id = $1 ORDER BY o.code
            """
        static let packedColumns: [String]? = ["id", "code", "name", "address", "status", "meter_count"]
        static let packedOrder: String? = "packed.code"
        let contractID: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID] }
    }

    /// Everything a whole contract's readings read (a submission, which checks the whole contract; the
    /// template and a file), in one query (one round trip, where it was six: the readings peak submits whole
    /// contracts, issue 8), as rows of one shape: its energy objects («o», with their numbers of meters),
    /// meters («m»), channels («k»), the last closed period's accepted readings («p», `$3`), this period's
    /// submitted ones («s», `$2`) and the latest hourly-profile act of each meter («t», from
    /// `actsOfThePeriod`). The rows come unsorted; `load` puts objects by code and meters by number. Every
    /// part's numbers are `BIGINT`, as the first part's are, so PostgreSQL appends the parts as they are
    /// (`QueryPlanTests`): 24,000 → 27,000 runs a second for a small contract on two `pgbench` clients.
    struct ContractQuery: PreparedSQL {
        static let sql = """
            WITH \(actsOfThePeriod)
            SELECT 'o' AS kind, o.id, CAST(NULL AS TEXT) AS parent, o.code AS a, o.name AS b, o.address AS c,
                   o.status AS d, o.meter_count AS n, CAST(0 AS BIGINT) AS r,
                   CAST(0 AS BIGINT) AS g
            FROM energy_objects o WHERE o.contract_id = $1
            UNION ALL
            SELECT 'm' AS kind, m.id, m.energy_object_id AS parent, m.number AS a, m.complex_name AS b,
                   CAST(NULL AS TEXT) AS c, m.status AS d, m.ratio AS n, m.digits AS r,
                   CAST(CASE WHEN m.hourly THEN 1 ELSE 0 END AS BIGINT) AS g
            FROM meters m WHERE m.contract_id = $1
            UNION ALL
            SELECT 'k', k.id, k.meter_id, k.quantity, k.zone, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(0 AS BIGINT),
                   CAST(0 AS BIGINT), CAST(0 AS BIGINT)
            FROM meter_channels k WHERE k.contract_id = $1
            UNION ALL
            SELECT 'p', v.channel_id, CAST(NULL AS TEXT), v.read_on, CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), v.value_milli, CAST(0 AS BIGINT), CAST(0 AS BIGINT)
            FROM accepted_readings v WHERE v.period = $3 AND v.contract_id = $1
            UNION ALL
            SELECT 's', v.channel_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), v.value_milli, CAST(0 AS BIGINT), CAST(0 AS BIGINT)
            FROM submitted_readings v WHERE v.period = $2 AND v.contract_id = $1
            UNION ALL
            SELECT 't', meter_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                   CAST(NULL AS TEXT), total_milli, CAST(0 AS BIGINT), CAST(0 AS BIGINT)
            FROM acts WHERE latest = 1
            """
        let contractID: String
        let period: String
        let previous: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID, period, previous] }
    }

    /// What one page of a contract's objects shows, in one query: a row per channel of each meter of the
    /// objects whose ids are the JSON array `$4` (a meter without channels has one row), with its last
    /// closed period's accepted reading (`$3`, from the channel's own row when it is the latest, see
    /// `BillingSummary.latestReading`), this period's submitted one (`$2`) and the meter's latest
    /// hourly-profile act — a page of «Показания» is then two round trips (its objects, this), where a query
    /// per table made it six. The array is read by the database's own JSON function (a table `e` with a
    /// column `value`), so the statement, prepared once, is the same for every page.
    ///
    /// The meters are found from the objects' ids down through the tables' indexes, and only among the
    /// contract's objects (`CROSS JOIN` keeps that order on SQLite, which otherwise walked all the contract's
    /// meters and looked each up in the array). Joined on the channel, a page of 50 meters is about 100 rows,
    /// where one row per meter, channel and reading was 250: every row is a message of PostgreSQL's and a
    /// row for the driver, and PostgreSQL ran it in 0.57 ms against 0.65 (`pgbench`, one client; issue 8).
    struct PageQuery: PreparedSQL {
        static let sql = text(objects: JSONArray.postgres(4))
        static let sqliteSQL = text(objects: JSONArray.sqlite(4))

        static func text(objects: String) -> String {
            """
            WITH \(actsOfThePeriod)
            SELECT m.id, m.energy_object_id AS object, m.number, m.complex_name, m.status, m.ratio, m.digits,
                   CASE WHEN m.hourly THEN 1 ELSE 0 END AS hourly, k.id AS channel, k.quantity, k.zone,
                   CASE WHEN k.latest_period = $3 THEN k.latest_value_milli
                        WHEN k.latest_period > $3 THEN (\(closed("value_milli"))) END AS previous,
                   CASE WHEN k.latest_period = $3 THEN k.latest_read_on
                        WHEN k.latest_period > $3 THEN (\(closed("read_on"))) END AS read_on,
                   s.value_milli AS submitted, t.total_milli
            FROM \(objects) CROSS JOIN energy_objects o CROSS JOIN meters m
            LEFT JOIN acts t ON t.meter_id = m.id AND t.latest = 1
            LEFT JOIN meter_channels k ON k.meter_id = m.id
            LEFT JOIN submitted_readings s ON s.channel_id = k.id AND s.period = $2
            WHERE o.id = e.value AND o.contract_id = $1 AND m.energy_object_id = o.id
            """
        }

        /// A column of the channel's reading of the last closed period, looked up: only when billing has
        /// already sent a later one (`BillingSummary.latestReading`).
        static func closed(_ column: String) -> String {
            "SELECT p.\(column) FROM accepted_readings p WHERE p.channel_id = k.id AND p.period = $3"
        }

        static let packedColumns: [String]? = [
            "id", "object", "number", "complex_name", "status", "ratio", "digits", "hourly", "channel", "quantity",
            "zone", "previous", "read_on", "submitted", "total_milli",
        ]
        let contractID: String
        let period: String
        let previous: String
        /// The objects' ids, as a JSON array of strings.
        let objectIDs: String

        init(contractID: String, period: BillingPeriod, objectIDs: [String]) throws {
            self.contractID = contractID
            self.period = period.description
            previous = period.previous.description
            self.objectIDs = try JSONArray.encode(objectIDs)
        }

        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID, period, previous, objectIDs] }
    }

    /// A contract's (`$1`) hourly-profile acts of a period (`$2`), each marked `latest = 1` if it is its
    /// meter's latest: what the page shows is the latest act's total.
    static let actsOfThePeriod = """
        acts AS (
            SELECT meter_id, total_milli, ROW_NUMBER() OVER (PARTITION BY meter_id ORDER BY created_at DESC) AS latest
            FROM interval_acts WHERE contract_id = $1 AND period = $2)
        """

    /// The contract's energy objects, meters and channels with the last closed period's readings and this
    /// period's submitted ones; objects outside the link's limits are left out. With `detailed`, every object
    /// is listed but only those it picks (say, one page of them) get their meters: the page of a 500-meter
    /// contract then reads the rows it shows, on the same indexes; with `batching`, on PostgreSQL, in a batch
    /// with other requests' pages (`PackedBatch`).
    static func load(
        _ contract: ContractChoice, link: Link, period: BillingPeriod, on sql: any SQLDatabase,
        detailed: (([Object]) -> [Object])? = nil, objectRows: [ObjectRow]? = nil,
        batching: (StatementBatcher, Request)? = nil
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
        // by its objects, then one prepared query for the objects it shows.
        var read = Rows()
        let bare: [Object]
        if let detailed {
            if let objectRows {
                bare = objects(objectRows)
            } else {
                bare = objects(try await sql.rows(ObjectsQuery(contractID: contract.id)).map { try ObjectRow(row: $0) })
            }
            // The objects whose meters are read.
            let wanted = detailed(bare).map(\.id)
            guard !wanted.isEmpty else { return ReadingsData(contract: contract, period: period, objects: bare) }
            let query = try PageQuery(contractID: contract.id, period: period, objectIDs: wanted)
            for row in try await sql.rows(query, batching: batching) {
                try read.addLine(row)
            }
        } else {
            let query = ContractQuery(
                contractID: contract.id, period: period.description, previous: period.previous.description)
            for row in try await sql.rows(query) { try read.add(row) }
            // By code, as `ObjectsQuery` lists them; the query leaves its rows unsorted (below).
            bare = objects(read.objects.sorted { $0.code < $1.code })
        }
        let intervalTotals = Dictionary(read.acts.map { ($0.meterId, $0.totalMilli) }, uniquingKeysWith: { a, _ in a })
        let previousByChannel = Dictionary(read.previous.map { ($0.channelId, $0) }, uniquingKeysWith: { a, _ in a })
        let submittedByChannel = Dictionary(
            read.submitted.map { ($0.channelId, $0.valueMilli) }, uniquingKeysWith: { a, _ in a })
        let quantityOrder = Dictionary(uniqueKeysWithValues: Quantity.allCases.enumerated().map { ($1.rawValue, $0) })
        let zoneOrder = Dictionary(uniqueKeysWithValues: Zone.allCases.enumerated().map { ($1.rawValue, $0) })
        var channelsByMeter: [String: [Channel]] = [:]
        let ordered = read.channels.map { ((quantityOrder[$0.quantity] ?? 9) * 16 + (zoneOrder[$0.zone] ?? 9), $0) }
            .sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.map(\.1)
        for row in ordered {
            channelsByMeter[row.meterId, default: []].append(
                Channel(
                    id: row.id, quantity: Quantity(rawValue: row.quantity), zone: Zone(rawValue: row.zone),
                    previous: previousByChannel[row.id]?.valueMilli,
                    previousDate: previousByChannel[row.id]?.readOn, submitted: submittedByChannel[row.id]))
        }
        // Meters by number. The queries do not sort: SQLite sorted each of their five parts in a temporary
        // B-tree and merged them, a third of the «Показания» page's query (issue 8), where these few hundred
        // rows sort here in microseconds. Strings compare by code point, as SQLite's `BINARY` does.
        var metersByObject: [String: [Meter]] = [:]
        for row in read.meters.sorted(by: { $0.number < $1.number }) {
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

// Rows are read column by column: a 500-meter contract reads 1,500 rows, and decoding them as Decodable
// structs was a quarter of its time (issue 8). `ObjectRow(row:)` reads the objects' own columns,
// `Rows.add` the kinds of rows of `ContractQuery` and `Rows.addLine` the rows of `PageQuery`.
extension ReadingsData {
    /// The rows of `ContractQuery`, sorted out by their kind, or of `PageQuery`, taken apart.
    struct Rows {
        var objects: [ObjectRow] = []
        var meters: [MeterRow] = []
        var channels: [ChannelRow] = []
        var previous: [ValueRow] = []
        var submitted: [ValueRow] = []
        var acts: [ActRow] = []

        /// The meters `addLine` has met.
        private var meterIDs: Set<String> = []

        /// A row of `PageQuery`: its meter and the meter's act, the first time the meter comes (a meter has
        /// a row per channel, not necessarily one after the other), and its channel with the channel's
        /// readings.
        mutating func addLine(_ row: any SQLRow) throws {
            let id = try row.decode(column: "id", as: String.self)
            if meterIDs.insert(id).inserted {
                meters.append(
                    MeterRow(
                        id: id, energyObjectId: try row.decode(column: "object", as: String.self),
                        number: try row.decode(column: "number", as: String.self),
                        complexName: try row.decode(column: "complex_name", as: String.self),
                        ratio: Int(try row.decode(column: "ratio", as: Int64.self)),
                        digits: try row.decode(column: "digits", as: Int.self),
                        status: try row.decode(column: "status", as: String.self),
                        hourly: try row.decode(column: "hourly", as: Int.self) != 0))
                if let total = try row.decode(column: "total_milli", as: Int64?.self) {
                    acts.append(ActRow(meterId: id, totalMilli: total))
                }
            }
            guard let channel = try row.decode(column: "channel", as: String?.self) else { return }
            channels.append(
                ChannelRow(
                    id: channel, meterId: id, quantity: try row.decode(column: "quantity", as: String.self),
                    zone: try row.decode(column: "zone", as: String.self)))
            if let value = try row.decode(column: "previous", as: Int64?.self) {
                previous.append(
                    ValueRow(
                        channelId: channel, valueMilli: value,
                        readOn: try row.decode(column: "read_on", as: String?.self))
                )
            }
            if let value = try row.decode(column: "submitted", as: Int64?.self) {
                submitted.append(ValueRow(channelId: channel, valueMilli: value, readOn: nil))
            }
        }

        mutating func add(_ row: any SQLRow) throws {
            let id = try row.decode(column: "id", as: String.self)
            let kind = try row.decode(column: "kind", as: String.self)
            switch kind {
            case "o":
                objects.append(
                    ObjectRow(
                        id: id, code: try row.decode(column: "a", as: String.self),
                        name: try row.decode(column: "b", as: String.self),
                        address: try row.decode(column: "c", as: String.self),
                        status: try row.decode(column: "d", as: String.self),
                        meterCount: Int(try row.decode(column: "n", as: Int64.self))))
            case "m":
                meters.append(
                    MeterRow(
                        id: id, energyObjectId: try row.decode(column: "parent", as: String.self),
                        number: try row.decode(column: "a", as: String.self),
                        complexName: try row.decode(column: "b", as: String.self),
                        ratio: Int(try row.decode(column: "n", as: Int64.self)),
                        digits: try row.decode(column: "r", as: Int.self),
                        status: try row.decode(column: "d", as: String.self),
                        hourly: try row.decode(column: "g", as: Int.self) != 0))
            case "k":
                channels.append(
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
                return
            }
        }
    }

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
        try self.init(row, code: "code", address: "address", status: "status", meterCount: "meter_count")
    }

    /// An object row of `ReadingsData.ChoiceQuery`, its columns in the contracts' places.
    init(choiceRow row: any SQLRow) throws {
        try self.init(
            row, code: "number", address: "energy_object_ids", status: "role", meterCount: "price_category")
    }

    private init(_ row: any SQLRow, code: String, address: String, status: String, meterCount: String) throws {
        id = try row.decode(column: "id", as: String.self)
        self.code = try row.decode(column: code, as: String.self)
        name = try row.decode(column: "name", as: String.self)
        self.address = try row.decode(column: address, as: String.self)
        self.status = try row.decode(column: status, as: String.self)
        self.meterCount = try row.decode(column: meterCount, as: Int.self)
    }
}
