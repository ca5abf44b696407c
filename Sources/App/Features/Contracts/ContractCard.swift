import FluentPostgresDriver
import Foundation
import PortalDomain
import SQLKit
import XLSX

/// Everything the contract page (CON-2) and its `.xlsx` show, read in four queries: the contract, how many
/// meters the link may see, a page of them (the `.xlsx`: all of them) and their channels.
struct ContractCard: Sendable {
    struct Contract: Decodable, Sendable {
        let id: String
        let number: String
        let name: String
        let customerFullName: String
        let customerShortName: String
        let inn: String
        let kpp: String?
        let ogrn: String?
        let legalAddress: String
        let postalAddress: String?
        let customerPhone: String?
        let priceCategory: Int
        let contractDate: String
        let emails: String
        let customerBankName: String?
        let customerBik: String?
        let customerAccount: String?
        let customerCorrAccount: String?
        let supplierName: String
        let supplierInn: String?
        let supplierKpp: String?
        let supplierBankName: String?
        let supplierBik: String?
        let supplierAccount: String?
        let supplierCorrAccount: String?
        let branchName: String?
        let branchHead: String?
        let branchPhone: String?
        let branchAddress: String?
        let curatorName: String?
        let curatorPhone: String?
        let curatorEmail: String?
    }

    /// Meters and channels are read column by column (`ColumnRow`, issue 8): a card may list 500 meters.
    struct Meter: ColumnRow, Sendable {
        let objectId: String
        let objectCode: String
        let objectName: String
        let objectAddress: String
        let id: String
        let number: String
        let model: String
        let complexName: String
        let digits: Int
        let ratio: Int
        let verifiedOn: String?
        let hourly: Bool

        init(row: any SQLRow) throws {
            objectId = try row.decode(column: "object_id", as: String.self)
            objectCode = try row.decode(column: "object_code", as: String.self)
            objectName = try row.decode(column: "object_name", as: String.self)
            objectAddress = try row.decode(column: "object_address", as: String.self)
            id = try row.decode(column: "id", as: String.self)
            number = try row.decode(column: "number", as: String.self)
            model = try row.decode(column: "model", as: String.self)
            complexName = try row.decode(column: "complex_name", as: String.self)
            digits = try row.decode(column: "digits", as: Int.self)
            ratio = try row.decode(column: "ratio", as: Int.self)
            verifiedOn = try row.decode(column: "verified_on", as: String?.self)
            hourly = try row.decode(column: "hourly", as: Int.self) != 0
        }
    }

    struct Channel: ColumnRow, Sendable {
        let meterId: String
        let quantity: String
        let zone: String

        init(row: any SQLRow) throws {
            meterId = try row.decode(column: "meter_id", as: String.self)
            quantity = try row.decode(column: "quantity", as: String.self)
            zone = try row.decode(column: "zone", as: String.self)
        }
    }

    struct Labelled: Sendable {
        let label: String
        let value: String
    }

    /// A labelled value; sections of them make the page and the first sheet.
    struct Section: Sendable {
        let title: String
        let rows: [(String, String)]
    }

    let contract: Contract
    let role: Role
    /// The meters shown: one page of them on the card, all of them in the download.
    let meters: [Meter]
    let channels: [String: [Channel]]
    /// How many meters the link may see, and which page of them `meters` is (nil: all of them).
    var meterCount = 0
    var meterPage: Int?

    /// Meters per page of the card (issue 8: a 500-meter contract was one page of 200 KB).
    static let metersPerPage = 50

    var meterPageCount: Int { Self.pageCount(meterCount) }

    static func pageCount(_ meters: Int) -> Int { max(1, (meters + metersPerPage - 1) / metersPerPage) }

    /// The card of contract `number` as `link` may see it: meters of energy objects outside the link's limits
    /// are left out. With `meterPage`, only that page of meters (past the end: the last page) and their
    /// channels are read.
    static func load(number: String, link: ContractLink, meterPage: Int? = nil, on sql: any SQLDatabase) async throws
        -> ContractCard?
    {
        guard let role = link.role,
            let contract = try await sql.select().column("*").from("contracts")
                .where("id", .equal, link.contractID).where("number", .equal, number)
                .first(decoding: Contract.self, keyDecodingStrategy: .snakeCaseColumns)
        else { return nil }
        let allowed = link.energyObjects.map { Array($0).sorted() }
        if let allowed, allowed.isEmpty {
            return ContractCard(
                contract: contract, role: role, meters: [], channels: [:], meterPage: meterPage.map { _ in 1 })
        }
        let objects = try allowed.map { try JSONArray.encode($0) }
        var count: Int?
        var page: Int?
        // The `.xlsx` reads all of them.
        var (limit, offset) = (Int(Int32.max), 0)
        if let meterPage {
            let total =
                try await sql.rows(CountQuery(contractID: contract.id, objects: objects)).first?.decode(
                    column: "n", as: Int.self) ?? 0
            let shown = min(max(1, meterPage), pageCount(total))
            (count, page) = (total, shown)
            (limit, offset) = (metersPerPage, (shown - 1) * metersPerPage)
        }
        let meters = try await sql.rows(
            MetersQuery(contractID: contract.id, objects: objects, limit: limit, offset: offset)
        ).map { try Meter(row: $0) }
        // The channels of the meters read.
        let ids = try JSONArray.encode(meters.map(\.id))
        let channels =
            meters.isEmpty ? [] : try await sql.rows(ChannelsQuery(meterIDs: ids)).map { try Channel(row: $0) }
        return ContractCard(
            contract: contract, role: role, meters: meters, channels: Dictionary(grouping: channels, by: \.meterId),
            meterCount: count ?? meters.count, meterPage: page)
    }

    /// The meters a link may see: the contract's (`$1`), or with `$3` = 1 only those of the energy objects in
    /// the JSON array `$2` (`JSONArray`).
    static func meters(objects: String) -> String {
        """
        FROM energy_objects o JOIN meters m ON m.energy_object_id = o.id
        WHERE o.contract_id = $1 AND m.contract_id = $1
          AND ($3 = CAST(0 AS BIGINT) OR o.id IN (SELECT value FROM \(objects)))
        """
    }

    /// `$2` and `$3` of `meters(objects:)`: the link's objects as a JSON array, and whether it is limited to them.
    static func limits(_ objects: String?) -> [any PostgresEncodable & Encodable & Sendable] {
        [objects ?? "[]", objects == nil ? 0 : 1]
    }

    /// How many meters the link may see.
    struct CountQuery: PreparedSQL {
        static let sql = "SELECT count(*) AS n \(meters(objects: JSONArray.postgres(2)))"
        static let sqliteSQL = "SELECT count(*) AS n \(meters(objects: JSONArray.sqlite(2)))"
        let contractID: String
        /// The objects the link is limited to, as a JSON array; nil: all of them.
        let objects: String?
        var values: [any PostgresEncodable & Encodable & Sendable] { [contractID] + ContractCard.limits(objects) }
    }

    /// `limit` meters the link may see from `offset` on, with their objects, by object code and meter number.
    /// It goes from the contract's objects in code order down to each one's meters (both through their
    /// indexes), so PostgreSQL stops after the page's objects: 217 buffers for the first page of a 500-meter
    /// contract, where from the contract's meters up to each one's object it read all 500 and sorted them
    /// (2,017 buffers, 1.04 against 0.38 ms; issue 8).
    struct MetersQuery: PreparedSQL {
        static let sql = text(objects: JSONArray.postgres(2))
        static let sqliteSQL = text(objects: JSONArray.sqlite(2))
        static func text(objects: String) -> String {
            """
            SELECT o.id AS object_id, o.code AS object_code, o.name AS object_name, o.address AS object_address,
                   m.id, m.number, m.model, m.complex_name, m.digits, m.ratio, m.verified_on,
                   CASE WHEN m.hourly THEN 1 ELSE 0 END AS hourly
            \(meters(objects: objects))
            ORDER BY o.code, m.number, m.id LIMIT $4 OFFSET $5
            """
        }
        static let packedColumns: [String]? = [
            "object_id", "object_code", "object_name", "object_address", "id", "number", "model", "complex_name",
            "digits", "ratio", "verified_on", "hourly",
        ]
        static let packedOrder: String? = "packed.object_code, packed.number, packed.id"
        let contractID: String
        let objects: String?
        let limit: Int
        let offset: Int
        var values: [any PostgresEncodable & Encodable & Sendable] {
            [contractID] + ContractCard.limits(objects) + [limit, offset]
        }
    }

    /// The channels of the meters whose ids are the JSON array `$1`, by id.
    struct ChannelsQuery: PreparedSQL {
        static let sql = text(meters: JSONArray.postgres(1))
        static let sqliteSQL = text(meters: JSONArray.sqlite(1))
        static func text(meters: String) -> String {
            """
            SELECT k.id, k.meter_id, k.quantity, k.zone FROM meter_channels k
            WHERE k.meter_id IN (SELECT value FROM \(meters)) ORDER BY k.id
            """
        }
        static let packedColumns: [String]? = ["id", "meter_id", "quantity", "zone"]
        static let packedOrder: String? = "packed.id"
        let meterIDs: String
        var values: [any PostgresEncodable & Encodable & Sendable] { [meterIDs] }
    }

    var priceCategory: String {
        PriceCategory(rawValue: contract.priceCategory)?.title ?? String(contract.priceCategory)
    }

    var emails: [String] { contract.emails.split(separator: "\n").map(String.init) }

    /// `2026-10-18` → `18.10.2026`; anything not shaped so is shown as it is.
    static func date(_ iso: String?) -> String {
        guard var iso else { return "" }
        return iso.withUTF8 { bytes in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
                return String(decoding: bytes, as: UTF8.self)
            }
            // «дд.мм.гггг» written straight into one small string, without the arrays a concatenation
            // makes (a «Показания» page has 150 dates; issue 8).
            return String(unsafeUninitializedCapacity: 10) { out in
                out[0] = bytes[8]
                out[1] = bytes[9]
                out[2] = UInt8(ascii: ".")
                out[3] = bytes[5]
                out[4] = bytes[6]
                out[5] = UInt8(ascii: ".")
                out[6] = bytes[0]
                out[7] = bytes[1]
                out[8] = bytes[2]
                out[9] = bytes[3]
                return 10
            }
        }
    }

    var sections: [Section] {
        let c = contract
        func rows(_ pairs: [(String, String?)]) -> [(String, String)] {
            pairs.compactMap { label, value in
                guard let value, !value.isEmpty else { return nil }
                return (label, value)
            }
        }
        return [
            Section(
                title: "Договор",
                rows: rows([
                    ("Номер договора", c.number), ("Наименование", c.name),
                    ("Дата договора", Self.date(c.contractDate)),
                    ("Ценовая категория", priceCategory), ("Ваша роль", role.title),
                    ("Гарантирующий поставщик", c.supplierName), ("Отделение", c.branchName),
                    ("Руководитель отделения", c.branchHead), ("Телефон отделения", c.branchPhone),
                    ("Адрес отделения", c.branchAddress), ("Куратор договора", c.curatorName),
                    ("Телефон куратора", c.curatorPhone), ("E-mail куратора", c.curatorEmail),
                ])),
            Section(
                title: "Реквизиты и контакты",
                rows: rows([
                    ("Полное наименование", c.customerFullName), ("Сокращенное наименование", c.customerShortName),
                    ("ИНН", c.inn), ("КПП", c.kpp), ("ОГРН", c.ogrn), ("Юридический адрес", c.legalAddress),
                    ("Почтовый адрес", c.postalAddress), ("Телефон", c.customerPhone),
                    ("Электронная почта", emails.joined(separator: ", ")),
                ])),
            Section(
                title: "Банковские реквизиты",
                rows: rows([
                    ("Банк потребителя", c.customerBankName), ("БИК", c.customerBik),
                    ("Расчетный счет", c.customerAccount), ("Корреспондентский счет", c.customerCorrAccount),
                    ("Банк поставщика", c.supplierBankName), ("БИК банка поставщика", c.supplierBik),
                    ("Расчетный счет поставщика", c.supplierAccount),
                    ("Корреспондентский счет банка поставщика", c.supplierCorrAccount),
                    ("ИНН поставщика", c.supplierInn), ("КПП поставщика", c.supplierKpp),
                ])),
        ]
    }

    static let meterColumns = [
        "Код ЭО", "Энергообъект", "Адрес ЭО", "Номер ПУ", "Тип ПУ", "ИК", "Разрядность", "Коэффициент трансформации",
        "Дата поверки", "Почасовой учет", "Измеряемые величины и шкалы",
    ]

    func channelText(_ meter: Meter) -> String {
        (channels[meter.id] ?? []).map {
            "\(Quantity(rawValue: $0.quantity)?.title ?? $0.quantity) \(Zone(rawValue: $0.zone)?.title ?? $0.zone)"
        }.joined(separator: ", ")
    }

    /// The card as a workbook: «Договор» with the sections, «Приборы учета» with one row per meter.
    func workbook() throws -> Data {
        let writer = try WorkbookWriter()
        let main = try writer.addSheet("Договор", columns: [.init(width: 40), .init(width: 70)])
        for section in sections {
            try writer.appendRow([.string(section.title)], to: main, bold: true)
            for (label, value) in section.rows { try writer.appendRow([.string(label), .string(value)], to: main) }
            try writer.appendRow([], to: main)
        }
        let sheet = try writer.addSheet(
            "Приборы учета",
            columns: [
                .init(width: 10), .init(width: 30), .init(width: 45), .init(width: 12), .init(width: 26),
                .init(width: 36), .init(width: 12, numberFormat: "0"), .init(width: 14, numberFormat: "0"),
                .init(width: 12), .init(width: 10), .init(width: 40),
            ], freezeHeader: true)
        try writer.appendRow(Self.meterColumns.map { .string($0) }, to: sheet, bold: true)
        for meter in meters {
            try writer.appendRow(
                [
                    .string(meter.objectCode), .string(meter.objectName), .string(meter.objectAddress),
                    .string(meter.number), .string(meter.model), .string(meter.complexName),
                    .number(Double(meter.digits)), .number(Double(meter.ratio)), .string(Self.date(meter.verifiedOn)),
                    .string(meter.hourly ? "Да" : "Нет"), .string(channelText(meter)),
                ], to: sheet)
        }
        return try writer.finish()
    }
}
