import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor
import XLSX

/// Hourly profiles (RD-5, RD-6): the templates, an uploaded profile stored as an act («Первичный акт», then
/// «Корректировочный акт»), the acts listed on the upload page, and an act's download.
struct IntervalActsController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.intervalTemplate.route, use: intervalTemplate)
        routes.get(SitePath.intervalAct("").route, use: downloadAct)
    }

    // MARK: - Interval readings per meter (RD-5) and per contract (RD-6)

    /// An hourly profile ready to be stored as an act.
    struct NewAct {
        let meter: ReadingsData.Meter
        let channel: ReadingsData.Channel
        let profile: IntervalProfile
        let fileName: String
        let fileData: Data
    }

    static func uploadInterval(
        _ req: Request, page: ReadingsUploadPage, kind: ReadingsUploadPage.Kind,
        form: ReadingsUploadController.UploadForm, file: File,
        contract: ReadingsData.ContractChoice, link: ReadingsData.Link, open: BillingPeriod
    ) async throws -> Response {
        var page = page
        guard contract.needsHourlyProfile else {
            page.errors["contract"] = "Интервальные показания передаются только по договорам III–VI ценовых категорий"
            return page.render().response(status: .unprocessableEntity)
        }
        let data = try await ReadingsData.load(contract, link: link, period: open, on: req.db.sql)
        try await fillInterval(&page, req, kind: kind, data: data, open: open, meter: form.meter, period: form.period)
        let hourly = data.objects.flatMap(\.meters).filter { $0.activeImport != nil }
        let meter = hourly.first(where: { $0.id == form.meter })
        if kind == .intervalMeter, meter == nil {
            page.errors["meter"] = "Выберите прибор учета с почасовым учетом"
            return page.render().response(status: .unprocessableEntity)
        }
        guard let period = form.period.flatMap(BillingPeriod.init), [open, open.previous].contains(period) else {
            page.errors["period"] = "Выберите месяц из списка"
            return page.render().response(status: .unprocessableEntity)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = req.portal.config.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: req.now)
        let today = (year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
        // Days of `period` up to today: later days carry no values and stay empty in the acts' files.
        let throughDay =
            period.year * 12 + period.month < today.year * 12 + today.month ? period.dayCount : today.day
        let bytes = Data(buffer: file.data)
        let fileName = String(file.filename.prefix(200))
        let read: (acts: [NewAct], problems: [String], skipped: [String])
        do {
            read = try await req.application.threadPool.runIfActive {
                let workbook = try Workbook(data: bytes)
                if let meter, let channel = meter.activeImport {
                    guard let name = workbook.sheetNames.first else { throw XLSXError.missingPart("xl/worksheets") }
                    switch IntervalProfile.parse(
                        try IntervalReadingsFile.cells(workbook, sheet: name), period: period, today: today)
                    {
                    case .failure(let problems): return ([], problems.list.map(\.description), [])
                    case .success(let profile):
                        let act = NewAct(
                            meter: meter, channel: channel, profile: profile, fileName: fileName, fileData: bytes)
                        return ([act], [], [])
                    }
                }
                return try Self.readContractFile(
                    workbook, meters: hourly, period: period, today: today, fileName: fileName,
                    throughDay: throughDay)
            }
        } catch let error as XLSXError {
            page.errors["file"] = error.russianMessage
            return page.render().response(status: .unprocessableEntity)
        }
        // The file is kept with the acts read from it, in their transaction, and with its problems.
        let upload = ReadingsUploadController.Upload(
            req, contract: contract, kind: kind == .intervalContract ? "interval" : "interval-meter", period: period,
            fileName: fileName, bytes: bytes, accepted: read.acts.count, problems: read.problems)
        let kinds = try await Self.storeActs(read.acts, contract: contract, period: period, req: req, upload: upload)
        try await fillInterval(
            &page, req, kind: kind, data: data, open: open, meter: meter?.id, period: period.description)
        page.accepted = read.acts.count
        page.show(read.problems, upload: upload)
        page.skipped = read.skipped
        if kind == .intervalMeter, let only = kinds.first {
            page.intervalSaved = only == "primary" ? "Первичный акт" : "Корректировочный акт"
        }
        if read.acts.isEmpty && read.problems.isEmpty {
            page.errors["file"] = "В файле нет интервальных показаний: заполните листы приборов учета"
        }
        let failed = !read.problems.isEmpty || read.acts.isEmpty
        return page.render().response(status: failed ? .unprocessableEntity : .ok)
    }

    /// Reads a per-contract file: each sheet named by the number of one of `meters`; sheets nobody filled in
    /// are skipped, sheets with problems reported by sheet and cell, the rest become acts.
    static func readContractFile(
        _ workbook: Workbook, meters: [ReadingsData.Meter], period: BillingPeriod,
        today: (year: Int, month: Int, day: Int), fileName: String, throughDay: Int
    ) throws -> (acts: [NewAct], problems: [String], skipped: [String]) {
        var bySheet: [String: ReadingsData.Meter] = [:]
        for (meter, name) in zip(meters, IntervalReadingsFile.sheetNames(meters.map(\.number))) {
            bySheet[name.lowercased()] = meter
        }
        var acts: [NewAct] = []
        var problems: [String] = []
        var skipped: [String] = []
        var seen: Set<String> = []
        for name in workbook.sheetNames {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let meter = bySheet[key], let channel = meter.activeImport, !seen.contains(meter.id) else {
                problems.append(
                    "Лист «\(name)»: прибор учета с таким номером не найден среди приборов учета договора с почасовым учетом"
                )
                continue
            }
            seen.insert(meter.id)
            let grid = try IntervalReadingsFile.cells(workbook, sheet: name)
            guard IntervalProfile.hasValues(grid) else {
                skipped.append(meter.number)
                continue
            }
            switch IntervalProfile.parse(grid, period: period, today: today) {
            case .failure(let found):
                problems.append(contentsOf: found.list.map { "Лист «\(name)», \($0.description)" })
            case .success(let profile):
                acts.append(
                    NewAct(
                        meter: meter, channel: channel, profile: profile, fileName: fileName,
                        fileData: try IntervalReadingsFile.act(
                            profile, meterNumber: meter.number, throughDay: throughDay)
                    ))
            }
        }
        return (acts, problems, skipped)
    }

    /// The interval part of the upload page: hourly meters, months, and the acts of the chosen meter (per
    /// meter) or of the contract's month (per contract).
    static func fillInterval(
        _ page: inout ReadingsUploadPage, _ req: Request, kind: ReadingsUploadPage.Kind, data: ReadingsData,
        open: BillingPeriod, meter: String?, period: String?
    ) async throws {
        let sql = req.db.sql
        let contract = data.contract
        page.kind = kind
        page.periods = [open, open.previous]
        page.period = period.flatMap(BillingPeriod.init).flatMap { page.periods.contains($0) ? $0 : nil } ?? open
        var numbers: [String: String] = [:]
        page.hourlyMeters = data.objects.flatMap { object in
            object.meters.filter { $0.activeImport != nil }.map {
                numbers[$0.id] = $0.number
                return ReadingsUploadPage.MeterChoice(
                    id: $0.id, label: "\(object.code) \(object.name) — ПУ \($0.number)")
            }
        }
        page.meter = page.hourlyMeters.first { $0.id == meter }?.id ?? page.hourlyMeters.first?.id ?? ""
        struct ActRow: Decodable {
            let id: UUID
            let meterId: String
            let kind: String
            let period: String
            let fileName: String
            let createdAt: Date
        }
        let format = req.dates
        let query = sql.select().columns("id", "meter_id", "kind", "period", "file_name", "created_at")
            .from("interval_acts").where("contract_id", .equal, contract.id)
        if kind == .intervalMeter {
            query.where("meter_id", .equal, page.meter)
        } else {
            query.where("period", .equal, page.period?.description ?? "")
        }
        let rows = try await query.orderBy("created_at", .descending).limit(kind == .intervalMeter ? 50 : 500)
            .all(decoding: ActRow.self, with: .snakeCase)
        // An energy-object limit hides other objects' acts too.
        page.acts = rows.filter { numbers[$0.meterId] != nil }.map {
            .init(
                id: $0.id.uuidString, title: $0.kind == "primary" ? "Первичный акт" : "Корректировочный акт",
                meter: numbers[$0.meterId] ?? "", status: "В ожидании",
                period: BillingPeriod($0.period)?.russianName ?? $0.period, fileName: $0.fileName,
                created: format.dateTime($0.createdAt))
        }
        if kind == .intervalMeter {
            let count = try await sql.select().column("id").from("interval_acts").where("meter_id", .equal, page.meter)
                .where("period", .equal, page.period?.description ?? "").all().count
            page.nextActTitle = count == 0 ? "Первичный акт" : "Корректировочный акт"
        }
    }

    @Sendable func intervalTemplate(req: Request) async throws -> Response {
        let number = req.queryValue("contract") ?? ""
        guard !number.isEmpty else { throw Abort(.notFound) }
        let (contracts, open) = try await req.readingsContracts()
        guard let (contract, link) = try ReadingsData.pick(number, among: contracts), contract.needsHourlyProfile,
            let period = req.queryValue("period").flatMap(BillingPeriod.init)
        else { throw Abort(.notFound) }
        let meterID = req.queryValue("meter")
        let data = try await ReadingsData.load(contract, link: link, period: open, on: req.db.sql)
        let hourly = data.objects.flatMap(\.meters).filter { $0.activeImport != nil }
        // Without a meter: every hourly meter of the contract, a sheet each («Интервальные по договору»).
        let meters = meterID.map { id in hourly.filter { $0.id == id } } ?? hourly
        guard [open, open.previous].contains(period), !meters.isEmpty else { throw Abort(.notFound) }
        let bytes = try await req.application.threadPool.runIfActive {
            try IntervalReadingsFile.template(period: period, meterNumbers: meters.map(\.number))
        }
        let name = meterID == nil ? contract.number : meters[0].number
        return .xlsx(bytes, disposition: "attachment; filename=\"interval-\(name)-\(period).xlsx\"")
    }

    @Sendable func downloadAct(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let sql = req.db.sql
        struct Act: Decodable {
            let contractId: String
            let meterId: String
            let fileName: String
            let fileData: Data
        }
        let (allowed, open) = try await req.readingsContracts()
        guard
            let act = try await sql.select().columns("contract_id", "meter_id", "file_name", "file_data")
                .from("interval_acts").where("id", .equal, id)
                .first(decoding: Act.self, with: .snakeCase),
            let (contract, link) = allowed.first(where: { $0.0.id == act.contractId })
        else { throw Abort(.notFound) }
        let data = try await ReadingsData.load(contract, link: link, period: open, on: sql)
        guard data.objects.flatMap(\.meters).contains(where: { $0.id == act.meterId }) else { throw Abort(.notFound) }
        return .xlsx(act.fileData, disposition: "attachment; filename=\"act-\(id).xlsx\"")
    }

    /// Stores the acts in one transaction — each meter's first of the month «Первичный акт», later ones
    /// «Корректировочный акт» — with the file they came from (`upload`), and tells billing. Returns the
    /// kinds, in order.
    static func storeActs(
        _ acts: [NewAct], contract: ReadingsData.ContractChoice, period: BillingPeriod, req: Request,
        upload: ReadingsUploadController.Upload? = nil
    ) async throws -> [String] {
        guard !acts.isEmpty else {
            try await upload?.store(on: req.db.sql)
            return []
        }
        let now = req.now
        let accountID = req.account?.id
        let kinds = try await req.db.writeTransaction { tx in
            let sql = tx.sql
            try await upload?.store(on: sql)
            let earlier = Set(
                try await sql.select().column("meter_id").from("interval_acts")
                    .where("contract_id", .equal, contract.id).where("period", .equal, period.description).all()
                    .map { try $0.decode(column: "meter_id", as: String.self) })
            var kinds: [String] = []
            for act in acts {
                let id = UUID()
                let kind = earlier.contains(act.meter.id) ? "correction" : "primary"
                kinds.append(kind)
                let profile = act.profile
                let hourly = profile.values.map { day in day.map(String.init).joined(separator: ",") }.joined(
                    separator: ";")
                try await sql.insert(into: "interval_acts")
                    .columns(
                        "id", "contract_id", "meter_id", "channel_id", "period", "kind", "status", "total_milli",
                        "hourly_values", "file_name", "file_data", "account_id", "created_at"
                    )
                    .values(
                        SQLBind(id), SQLBind(contract.id), SQLBind(act.meter.id), SQLBind(act.channel.id),
                        SQLBind(period.description), SQLBind(kind), SQLBind("pending"), SQLBind(profile.total),
                        SQLBind(hourly), SQLBind(act.fileName), SQLBind(act.fileData), SQLBind(accountID),
                        SQLBind(now)
                    ).run()
                try await BillingFeed.append(
                    .intervalProfile, entityID: id.uuidString,
                    data: [
                        "contractId": .string(contract.id), "meterId": .string(act.meter.id),
                        "channelId": .string(act.channel.id), "period": .string(period.description),
                        "kind": .string(kind), "total": .string(ReadingValue.text(profile.total)),
                        "hours": .array(profile.values.map { .array($0.map { .string(ReadingValue.text($0)) }) }),
                        "accountId": .string(accountID?.uuidString ?? ""),
                    ], now: now, on: sql)
            }
            return kinds
        }
        try await AuditLog.record(
            "readings.interval.submitted", subject: contract.number,
            details: [
                "meters": acts.map(\.meter.number).joined(separator: ","), "period": period.description,
                "kinds": kinds.joined(separator: ","),
            ], request: req)
        return kinds
    }
}
