import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// What «Показания» shows for one contract: its energy objects, their meters and channels with the last
/// closed period's readings and this period's submitted ones. A whole contract (a submission, which checks
/// all of it, a template, a file) or one page of the objects that pass the filters (the page).
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
    /// limited to.
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
        /// The status the page shows and filters by: billing's, except that an object billing still waits for
        /// whose every waiting meter has been sent this period reads «Переданы» (its readings can still be
        /// corrected until the period closes).
        var shownStatus: ReadingStatus? {
            guard status == .waiting else { return status }
            let waiting = meters.filter { $0.status == .waiting }
            return !waiting.isEmpty && waiting.allSatisfy { $0.sent } ? .submitted : status
        }
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

        /// Every channel has a reading submitted this period.
        var sent: Bool { !channels.isEmpty && channels.allSatisfy { $0.submitted != nil } }
        /// Billing's status, or «Переданы» once every channel was sent this period while billing waits.
        var shownStatus: ReadingStatus? { status == .waiting && sent ? .submitted : status }

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

    /// The page's filters: the contract, the status, a text in the object's name, address or code, the page.
    struct Filters: Sendable {
        var contract: String?
        var status: ReadingStatus?
        var text: String
        var page: Int

        init(contract: String? = nil, status: ReadingStatus? = nil, text: String = "", page: Int = 1) {
            self.contract = contract
            self.status = status
            self.text = text
            self.page = page
        }

        /// `?contract=…` with these filters, on `page` (this one when nil).
        func query(contract: String, page: Int? = nil) -> String {
            var query = "?contract=\(contract)"
            let page = page ?? self.page
            if page > 1 { query += "&page=\(page)" }
            if let status { query += "&status=\(status.rawValue)" }
            if !text.isEmpty {
                query += "&q=" + URLQuery.component(text)
            }
            return query
        }

        /// Whether the text is in the object's name, address or code (or no text is asked for).
        func matchesText(_ object: ObjectRow) -> Bool {
            let text = text.lowercased()
            return text.isEmpty || object.name.lowercased().contains(text)
                || object.address.lowercased().contains(text) || object.code.contains(text)
        }
    }

    /// A page lists at most this many energy objects…
    static let objectsPerPage = 20
    /// …and this many meters (whole objects; an object with more has a page of its own): a contract with
    /// hundreds of meters is not one 400 KB page of inputs.
    static let metersPerPage = 50

    let contract: ContractChoice
    let period: BillingPeriod
    /// The objects read: the whole contract's, or one page of those that pass the filters.
    var objects: [Object]
    /// Which page `objects` is, of how many (1 of 1 for a whole contract).
    var page = 1
    var pageCount = 1

    /// Objects in order, cut into pages of at most `objectsPerPage` objects and `metersPerPage` meters; an
    /// object with more meters than that has a page of its own. Always at least one (maybe empty) page.
    static func pages(_ objects: [Object]) -> [Range<Int>] {
        var pages: [Range<Int>] = []
        var start = 0
        var meters = 0
        for (index, object) in objects.enumerated() {
            let full =
                index - start == objectsPerPage || (index > start && meters + object.meterCount > metersPerPage)
            if full {
                pages.append(start..<index)
                start = index
                meters = 0
            }
            meters += object.meterCount
        }
        pages.append(start..<objects.count)
        return pages
    }

    /// Page `number` of `objects` (the last when there are fewer, the first below 1): its number, the count of
    /// pages and the objects it holds.
    static func page(_ number: Int, of objects: [Object]) -> (page: Int, count: Int, range: Range<Int>) {
        let pages = pages(objects)
        let page = min(max(1, number), pages.count)
        return (page, pages.count, pages[page - 1])
    }

    /// The contracts on which `accountID` may submit readings, by number, with their links (RD-1).
    static func contracts(of accountID: UUID, on sql: any SQLDatabase) async throws -> [(ContractChoice, Link)] {
        try await ContractRow.all(of: accountID, on: sql).compactMap { row in
            let link = Link(role: Role(rawValue: row.role), energyObjectIDs: row.energyObjectIds)
            guard link.allows(.submitReadings) else { return nil }
            return (
                ContractChoice(id: row.id, number: row.number, name: row.name, priceCategory: row.priceCategory), link
            )
        }
    }

    /// The contract numbered `number`, or with none the first (nil when there is none); a number the
    /// account may not submit on is a 404, as on every contract route.
    static func pick(_ number: String?, among contracts: [(ContractChoice, Link)]) throws -> (ContractChoice, Link)? {
        guard let number, !number.isEmpty else { return contracts.first }
        guard let match = contracts.first(where: { $0.0.number == number }) else { throw Abort(.notFound) }
        return match
    }

    /// The whole contract as `link` may see it: every object outside the link's limits left out.
    static func load(_ contract: ContractChoice, link: Link, period: BillingPeriod, on sql: any SQLDatabase)
        async throws -> ReadingsData
    {
        let objects = try await ObjectRow.all(ofContract: contract.id, on: sql).filter { link.allows(object: $0.id) }
        let meters = try await MeterRow.all(ofContract: contract.id, on: sql)
        let channels = try await ChannelRow.all(ofContract: contract.id, period: period, on: sql)
        let acts = try await ActRow.all(ofContract: contract.id, period: period, on: sql)
        return ReadingsData(
            contract: contract, period: period,
            objects: assemble(objects, meters: meters, channels: channels, acts: acts))
    }

    /// The page of the objects passing `filters` that `filters.page` asks for (the last when it asks for
    /// more): the objects are read and cut into pages, then the meters of that page's objects only.
    static func loadPage(
        _ contract: ContractChoice, link: Link, period: BillingPeriod, filters: Filters, on sql: any SQLDatabase
    ) async throws -> ReadingsData {
        // The status as shown depends on what was sent this period: read only when a status is asked for.
        let sent =
            filters.status == nil ? [] : try await SentObjectRow.all(ofContract: contract.id, period: period, on: sql)
        let matching = try await ObjectRow.all(ofContract: contract.id, on: sql).filter { row in
            link.allows(object: row.id) && filters.matchesText(row)
                && (filters.status == nil || shownStatus(of: row, sent: sent) == filters.status)
        }
        let (page, pageCount, range) = Self.page(filters.page, of: matching.map(bare))
        let shown = Array(matching[range])
        var data = ReadingsData(contract: contract, period: period, objects: [], page: page, pageCount: pageCount)
        guard !shown.isEmpty else { return data }
        let meters = try await MeterRow.all(ofObjects: shown.map(\.id), contractID: contract.id, on: sql)
        let channels =
            meters.isEmpty ? [] : try await ChannelRow.all(ofMeters: meters.map(\.id), period: period, on: sql)
        let acts = try await ActRow.all(ofContract: contract.id, period: period, on: sql)
        data.objects = assemble(shown, meters: meters, channels: channels, acts: acts)
        return data
    }

    /// An object's status as shown (`Object.shownStatus`), from its row and the objects sent in full.
    private static func shownStatus(of row: ObjectRow, sent: Set<String>) -> ReadingStatus? {
        row.status == ReadingStatus.waiting.rawValue && sent.contains(row.id)
            ? .submitted : ReadingStatus(rawValue: row.status)
    }

    /// An object without its meters.
    private static func bare(_ row: ObjectRow) -> Object {
        Object(
            id: row.id, code: row.code, name: row.name, address: row.address,
            status: ReadingStatus(rawValue: row.status), meters: [], meterCount: row.meterCount)
    }

    /// The objects in the order given, each with its meters by number and each meter with its channels in
    /// the order of quantities and zones.
    private static func assemble(_ objects: [ObjectRow], meters: [MeterRow], channels: [ChannelRow], acts: [ActRow])
        -> [Object]
    {
        // The acts come oldest first: the latest of each meter is its last.
        var intervalTotals: [String: Int64] = [:]
        for act in acts { intervalTotals[act.meterId] = act.totalMilli }
        let quantityOrder = Dictionary(uniqueKeysWithValues: Quantity.allCases.enumerated().map { ($1.rawValue, $0) })
        let zoneOrder = Dictionary(uniqueKeysWithValues: Zone.allCases.enumerated().map { ($1.rawValue, $0) })
        var channelsByMeter: [String: [Channel]] = [:]
        let ordered = channels.map { ((quantityOrder[$0.quantity] ?? 9) * 16 + (zoneOrder[$0.zone] ?? 9), $0) }
            .sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.map(\.1)
        for row in ordered {
            channelsByMeter[row.meterId, default: []].append(
                Channel(
                    id: row.id, quantity: Quantity(rawValue: row.quantity), zone: Zone(rawValue: row.zone),
                    previous: row.previous, previousDate: row.readOn, submitted: row.submitted))
        }
        var metersByObject: [String: [Meter]] = [:]
        for row in meters {
            metersByObject[row.energyObjectId, default: []].append(
                Meter(
                    id: row.id, number: row.number, complexName: row.complexName, ratio: row.ratio, digits: row.digits,
                    status: ReadingStatus(rawValue: row.status), hourly: row.hourly,
                    channels: channelsByMeter[row.id] ?? [], intervalTotal: intervalTotals[row.id]))
        }
        return objects.map { row in
            var object = bare(row)
            object.meters = metersByObject[row.id] ?? []
            return object
        }
    }
}

extension ReadingsData.Link {
    /// Whether the link lets the account see the energy object `id`.
    func allows(object id: String) -> Bool { energyObjects?.contains(id) ?? true }
}

// The queries: one for each thing the page shows, each with the row it reads.
extension ReadingsData {
    /// The account's contracts with its link to each, by number.
    struct ContractRow: Decodable, Sendable {
        let id: String
        let number: String
        let name: String
        let priceCategory: Int
        let role: String
        let energyObjectIds: String?

        static func all(of accountID: UUID, on sql: any SQLDatabase) async throws -> [ContractRow] {
            try await sql.raw(
                """
                SELECT c.id, c.number, c.name, c.price_category, l.role, l.energy_object_ids
                FROM contract_links l JOIN contracts c ON c.id = l.contract_id
                WHERE l.account_id = \(bind: accountID) ORDER BY c.number
                """
            ).all(decoding: ContractRow.self, with: .snakeCase)
        }
    }

    /// A contract's energy objects with their numbers of meters (`BillingSummary.meterCount`), by code.
    struct ObjectRow: Decodable, Sendable {
        let id: String
        let code: String
        let name: String
        let address: String
        let status: String
        let meterCount: Int

        static func all(ofContract id: String, on sql: any SQLDatabase) async throws -> [ObjectRow] {
            try await sql.raw(
                """
                SELECT id, code, name, address, status, meter_count FROM energy_objects
                WHERE contract_id = \(bind: id) ORDER BY code
                """
            ).all(decoding: ObjectRow.self, with: .snakeCase)
        }
    }

    /// Meters, by number.
    struct MeterRow: Decodable, Sendable {
        let id: String
        let energyObjectId: String
        let number: String
        let complexName: String
        let ratio: Int
        let digits: Int
        let status: String
        let hourly: Bool

        static let columns: SQLQueryString =
            "SELECT id, energy_object_id, number, complex_name, ratio, digits, status, hourly FROM meters"

        /// A contract's meters.
        static func all(ofContract id: String, on sql: any SQLDatabase) async throws -> [MeterRow] {
            try await sql.raw("\(columns) WHERE contract_id = \(bind: id) ORDER BY number, id")
                .all(decoding: MeterRow.self, with: .snakeCase)
        }

        /// The meters of some of a contract's energy objects.
        static func all(ofObjects ids: [String], contractID: String, on sql: any SQLDatabase) async throws
            -> [MeterRow]
        {
            try await sql.raw(
                """
                \(columns) WHERE energy_object_id IN (\(binds: ids)) AND contract_id = \(bind: contractID)
                ORDER BY number, id
                """
            ).all(decoding: MeterRow.self, with: .snakeCase)
        }
    }

    /// Channels with the last closed period's accepted reading and this period's submitted one. The last
    /// closed period's reading is the channel's latest (`BillingSummary.latestReading`) unless billing has
    /// already sent a later one; only then is it looked up among the accepted readings.
    struct ChannelRow: Decodable, Sendable {
        let id: String
        let meterId: String
        let quantity: String
        let zone: String
        let previous: Int64?
        let readOn: String?
        let submitted: Int64?

        static func select(period: BillingPeriod, where condition: SQLQueryString) -> SQLQueryString {
            let previous = period.previous.description
            return """
                SELECT k.id, k.meter_id, k.quantity, k.zone,
                       CASE WHEN k.latest_period = \(bind: previous) THEN k.latest_value_milli
                            WHEN k.latest_period > \(bind: previous) THEN (SELECT p.value_milli FROM accepted_readings p
                                WHERE p.channel_id = k.id AND p.period = \(bind: previous)) END AS previous,
                       CASE WHEN k.latest_period = \(bind: previous) THEN k.latest_read_on
                            WHEN k.latest_period > \(bind: previous) THEN (SELECT p.read_on FROM accepted_readings p
                                WHERE p.channel_id = k.id AND p.period = \(bind: previous)) END AS read_on,
                       s.value_milli AS submitted
                FROM meter_channels k
                LEFT JOIN submitted_readings s ON s.channel_id = k.id AND s.period = \(bind: period.description)
                WHERE \(condition)
                """
        }

        /// A contract's channels.
        static func all(ofContract id: String, period: BillingPeriod, on sql: any SQLDatabase) async throws
            -> [ChannelRow]
        {
            try await sql.raw(select(period: period, where: "k.contract_id = \(bind: id)"))
                .all(decoding: ChannelRow.self, with: .snakeCase)
        }

        /// The channels of some meters.
        static func all(ofMeters ids: [String], period: BillingPeriod, on sql: any SQLDatabase) async throws
            -> [ChannelRow]
        {
            try await sql.raw(select(period: period, where: "k.meter_id IN (\(binds: ids))"))
                .all(decoding: ChannelRow.self, with: .snakeCase)
        }
    }

    /// The energy objects of a contract, billing waiting for them, whose every waiting meter has a reading
    /// submitted for every channel this period: those «Переданы» shows.
    enum SentObjectRow {
        static func all(ofContract id: String, period: BillingPeriod, on sql: any SQLDatabase) async throws
            -> Set<String>
        {
            let rows = try await sql.raw(
                """
                SELECT o.id FROM energy_objects o
                WHERE o.contract_id = \(bind: id) AND o.status = 'waiting'
                  AND EXISTS (SELECT 1 FROM meters m WHERE m.energy_object_id = o.id AND m.status = 'waiting')
                  AND NOT EXISTS (
                    SELECT 1 FROM meters m JOIN meter_channels k ON k.meter_id = m.id
                    WHERE m.energy_object_id = o.id AND m.status = 'waiting'
                      AND NOT EXISTS (SELECT 1 FROM submitted_readings s
                                      WHERE s.channel_id = k.id AND s.period = \(bind: period.description)))
                """
            ).all(decodingColumn: "id", as: String.self)
            return Set(rows)
        }
    }

    /// A contract's hourly-profile acts of a period, oldest first: a meter's total is its latest act's.
    struct ActRow: Decodable, Sendable {
        let meterId: String
        let totalMilli: Int64

        static func all(ofContract id: String, period: BillingPeriod, on sql: any SQLDatabase) async throws
            -> [ActRow]
        {
            try await sql.raw(
                """
                SELECT meter_id, total_milli FROM interval_acts
                WHERE contract_id = \(bind: id) AND period = \(bind: period.description) ORDER BY created_at, id
                """
            ).all(decoding: ActRow.self, with: .snakeCase)
        }
    }
}
