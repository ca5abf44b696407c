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

    /// A meter with its energy object, as the card lists it.
    struct Meter: Decodable, Sendable {
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
    }

    struct Channel: Decodable, Sendable {
        let meterId: String
        let quantity: String
        let zone: String
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

    /// Meters per page of the card: a 500-meter contract is not one page of 200 KB.
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
                .first(decoding: Contract.self, with: .snakeCase)
        else { return nil }
        let allowed = link.energyObjects.map { Array($0).sorted() }
        if let allowed, allowed.isEmpty {
            return ContractCard(
                contract: contract, role: role, meters: [], channels: [:], meterPage: meterPage.map { _ in 1 })
        }
        var count: Int?
        var page: Int?
        // The `.xlsx` reads all of them.
        var (limit, offset) = (Int(Int32.max), 0)
        if let meterPage {
            let total = try await countMeters(contractID: contract.id, objects: allowed, on: sql)
            let shown = min(max(1, meterPage), pageCount(total))
            (count, page) = (total, shown)
            (limit, offset) = (metersPerPage, (shown - 1) * metersPerPage)
        }
        let meters = try await meters(contractID: contract.id, objects: allowed, limit: limit, offset: offset, on: sql)
        let channels = try await channels(ofMeters: meters.map(\.id), on: sql)
        return ContractCard(
            contract: contract, role: role, meters: meters, channels: Dictionary(grouping: channels, by: \.meterId),
            meterCount: count ?? meters.count, meterPage: page)
    }

    /// The meters a link may see: the contract's, or only those of `objects` when the link is limited to them.
    static func visibleMeters(contractID: String, objects: [String]?) -> SQLQueryString {
        let limited: SQLQueryString = objects.map { "AND o.id IN (\(binds: $0))" } ?? ""
        return """
            FROM energy_objects o JOIN meters m ON m.energy_object_id = o.id
            WHERE o.contract_id = \(bind: contractID) AND m.contract_id = \(bind: contractID) \(limited)
            """
    }

    /// How many meters the link may see.
    static func countMeters(contractID: String, objects: [String]?, on sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.raw(
            "SELECT count(*) AS n \(visibleMeters(contractID: contractID, objects: objects))"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// `limit` meters the link may see from `offset` on, with their objects, by object code and meter number.
    static func meters(contractID: String, objects: [String]?, limit: Int, offset: Int, on sql: any SQLDatabase)
        async throws -> [Meter]
    {
        try await sql.raw(
            """
            SELECT o.id AS object_id, o.code AS object_code, o.name AS object_name, o.address AS object_address,
                   m.id, m.number, m.model, m.complex_name, m.digits, m.ratio, m.verified_on, m.hourly
            \(visibleMeters(contractID: contractID, objects: objects))
            ORDER BY o.code, m.number, m.id LIMIT \(bind: limit) OFFSET \(bind: offset)
            """
        ).all(decoding: Meter.self, with: .snakeCase)
    }

    /// The channels of the meters `ids`, by id.
    static func channels(ofMeters ids: [String], on sql: any SQLDatabase) async throws -> [Channel] {
        guard !ids.isEmpty else { return [] }
        return try await sql.raw(
            "SELECT k.meter_id, k.quantity, k.zone FROM meter_channels k WHERE k.meter_id IN (\(binds: ids)) ORDER BY k.id"
        ).all(decoding: Channel.self, with: .snakeCase)
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
            // «дд.мм.гггг» written straight into one small string.
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

    /// `2026-10-18` as that day (midnight UTC, which spreadsheets show as the same date); nil for anything else.
    static func isoDate(_ iso: String?) -> Date? {
        guard let iso, iso.utf8.count == 10 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    /// A date cell for an ISO date, else the text as it is (or an empty cell).
    static func dateCell(_ iso: String?) -> CellValue {
        isoDate(iso).map { .date($0) } ?? .string(iso ?? "")
    }

    /// The card as a workbook: «Договор» with the sections, «Приборы учета» with one row per meter.
    func workbook() throws -> Data {
        let writer = try WorkbookWriter()
        let main = try writer.addSheet("Договор", columns: [.init(width: 40), .init(width: 70)])
        for section in sections {
            try writer.appendRow([.string(section.title)], to: main, bold: true)
            for (label, value) in section.rows {
                // Dates are dates in the spreadsheet, shown dd.mm.yyyy.
                let cell: CellValue = label == "Дата договора" ? Self.dateCell(contract.contractDate) : .string(value)
                try writer.appendRow([.string(label), cell], to: main)
            }
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
                    .number(Double(meter.digits)), .number(Double(meter.ratio)),
                    meter.verifiedOn == nil ? .string("") : Self.dateCell(meter.verifiedOn),
                    .string(meter.hourly ? "Да" : "Нет"), .string(channelText(meter)),
                ], to: sheet)
        }
        return try writer.finish()
    }
}
