import Fluent
import FluentPostgresDriver
import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor
import XLSX

/// «Показания»: the meters of a contract with the last closed period's readings and inputs for this one
/// (manual §5.1–5.2; RD-1…RD-3).
struct ReadingsController {
    /// A page lists at most this many energy objects…
    static let objectsPerPage = 20
    /// …and this many meters (whole objects; an object with more has a page of its own): a contract with
    /// hundreds of meters is not one 400 KB page of inputs (issue 8).
    static let metersPerPage = 50

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.readings.route, use: show)
        routes.post(SitePath.readings.route, use: submit)
        routes.get(SitePath.readingsUpload.route, use: uploadPage)
        routes.on(.POST, SitePath.readingsUpload.route, body: .collect(maxSize: "21mb"), use: upload)
        routes.get(SitePath.readingsTemplate.route, use: template)
        routes.get(SitePath.intervalTemplate.route, use: intervalTemplate)
        routes.get(SitePath.intervalAct("").route, use: downloadAct)
    }

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

        init(_ req: Request) {
            contract = req.queryValue("contract")
            status = req.queryValue("status").flatMap(ReadingStatus.init(rawValue:))
            text = String((req.queryValue("q") ?? "").prefix(100))
            page = max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1))
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
    }

    /// The contracts the account may submit readings on, with their links, and the period open for readings:
    /// what every readings route starts from, in one query.
    private func allowed(_ req: Request) async throws
        -> (contracts: [(ReadingsData.ContractChoice, ReadingsData.Link)], period: BillingPeriod)
    {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        return try await ReadingsData.contractsAndOpenPeriod(
            of: account.id!, now: req.now, timeZone: req.portal.config.timeZone, on: req.db.sql)
    }

    /// The contracts the account may submit readings on, the chosen one (by number, or the first) with its
    /// link, and the period open for readings.
    private func chosen(_ req: Request, number: String?) async throws
        -> (
            all: [ReadingsData.ContractChoice], chosen: (ReadingsData.ContractChoice, ReadingsData.Link)?,
            period: BillingPeriod
        )
    {
        let (contracts, period) = try await allowed(req)
        let (all, chosen) = try Self.pick(number, among: contracts)
        return (all, chosen, period)
    }

    /// The contract numbered `number`, or with none the first: a number the account may not submit on is a
    /// 404, as on every contract route.
    private static func pick(_ number: String?, among contracts: [(ReadingsData.ContractChoice, ReadingsData.Link)])
        throws -> (all: [ReadingsData.ContractChoice], chosen: (ReadingsData.ContractChoice, ReadingsData.Link)?)
    {
        if let number, !number.isEmpty {
            guard let match = contracts.first(where: { $0.0.number == number }) else { throw Abort(.notFound) }
            return (contracts.map(\.0), match)
        }
        return (contracts.map(\.0), contracts.first)
    }

    /// The page's first statement for `accountID`: the contracts, and the objects of the one asked for.
    static func choiceStatement(_ req: Request, accountID: UUID) -> ReadingsData.ChoiceQuery {
        ReadingsData.ChoiceQuery(accountID: accountID, number: req.queryValue("contract") ?? "")
    }

    @Sendable func show(req: Request) async throws -> Response {
        let filters = Filters(req)
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        // The contracts and the chosen one's energy objects come in one query (`ChoiceQuery`), which on
        // PostgreSQL the session middleware has read with the session.
        let (contracts, period, objects) = try await ReadingsData.contractsObjectsAndOpenPeriod(
            from: req.sessions.rows(Self.choiceStatement(req, accountID: account.id!)), now: req.now,
            timeZone: req.portal.config.timeZone, on: req.db.sql)
        let (all, chosen) = try Self.pick(filters.contract, among: contracts)
        var page = ReadingsPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: all, filters: filters)
        if let (contract, link) = chosen {
            page.data = try await ReadingsData.load(
                contract, link: link, period: period, on: req.db.sql, detailed: ReadingsPage.shown(filters),
                objectRows: objects?.of == contract.id ? objects?.rows : nil,
                batching: req.portal.batcher.map { ($0, req) })
        }
        if req.queryValue("saved") != nil { page.notice = ReadingsPage.savedMessage }
        return page.render().response()
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let form = try req.formFields()
        var filters = Filters(req)
        filters.contract = form["contract"]
        filters.status = form["status"].flatMap(ReadingStatus.init(rawValue:))
        filters.text = String((form["q"] ?? "").prefix(100))
        filters.page = max(1, min(10_000, Int(form["page"] ?? "") ?? 1))
        guard let number = filters.contract, !number.isEmpty else { throw Abort(.notFound) }
        let (all, chosen, period) = try await chosen(req, number: number)
        guard let (contract, link) = chosen else { throw Abort(.notFound) }
        let sql = req.db.sql
        let data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        let (typed, rollover) = ReadingFields.decode(form)
        let checked = ReadingsSubmission.check(data, typed: typed, rollover: rollover)
        if !checked.accepted.isEmpty {
            try await store(checked.accepted, contract: contract, period: period, source: "form", req: req)
        }
        guard checked.hasErrors else {
            return req.redirect(to: SitePath.readings.path + filters.query(contract: contract.number) + "&saved=1")
        }
        var page = ReadingsPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: all, filters: filters)
        page.data = try await ReadingsData.load(
            contract, link: link, period: period, on: sql, detailed: ReadingsPage.shown(filters))
        page.typed = typed
        page.rollover = rollover
        page.errors = checked.errors
        page.meterErrors = checked.meterErrors
        if !checked.accepted.isEmpty {
            page.notice = "\(ReadingsPage.savedMessage) по приборам учета без ошибок. Исправьте отмеченные поля."
        }
        return page.render().response(status: .unprocessableEntity)
    }

    /// Stores the readings (one per channel and period: a correction replaces the value) and tells billing:
    /// the readings, their feed entries and the audit entry together or not at all.
    private func store(
        _ values: [ReadingsSubmission.Value], contract: ReadingsData.ContractChoice, period: BillingPeriod,
        source: String, req: Request
    ) async throws {
        let now = req.now
        let accountID = req.account?.id
        let address = req.clientAddress
        let feed = values.map { value in
            JSONValue.object([
                "contractId": .string(contract.id), "meterId": .string(value.meterID),
                "channelId": .string(value.channelID), "period": .string(period.description),
                "value": .string(ReadingValue.text(value.thousandths)), "rollover": .bool(value.rollover),
                "source": .string(source), "accountId": .string(accountID?.uuidString ?? ""),
            ])
        }
        let details = ["channels": String(values.count), "period": period.description, "source": source]
        let sql = req.db.sql
        if sql is any PostgresDatabase {
            _ = try await sql.written(
                StoreStatement(
                    contractID: contract.id, period: period.description, accountID: accountID, source: source,
                    at: now, ids: values.map { _ in UUID() }, channelIDs: values.map(\.channelID),
                    thousandths: values.map(\.thousandths), feedKind: BillingFeed.Kind.reading.rawValue,
                    payloads: feed.map { String(decoding: $0.json, as: UTF8.self) }, auditID: UUID(),
                    subject: contract.number, ipAddress: address, details: try AuditLog.detailsText(details)))
            return
        }
        // On SQLite in the writer's transaction, one fsync for all of it.
        try await req.writeTransaction { sql in
            for chunk in values.chunked(500) {
                let insert = sql.insert(into: "submitted_readings").columns(
                    "id", "contract_id", "channel_id", "period", "value_milli", "account_id", "source", "submitted_at")
                for value in chunk {
                    insert.values(
                        SQLBind(UUID()), SQLBind(contract.id), SQLBind(value.channelID), SQLBind(period.description),
                        SQLBind(value.thousandths),
                        accountID.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null,
                        SQLBind(source), SQLBind(now))
                }
                insert.onConflict(with: ["channel_id", "period"]) {
                    $0.set(excludedValueOf: "value_milli").set(excludedValueOf: "account_id")
                        .set(excludedValueOf: "source").set(excludedValueOf: "submitted_at")
                }
                try await insert.run()
            }
            try await BillingFeed.append(
                zip(values, feed).map { BillingFeed.Entry(kind: .reading, entityID: $0.channelID, data: $1) },
                now: now, on: sql)
            try await AuditLog.record(
                "readings.submitted", actor: "account", accountID: accountID, subject: contract.number,
                ipAddress: address, details: details, at: now, on: sql)
        }
    }

    /// On PostgreSQL, what `store` writes in one prepared statement: the readings and the feed entries go in
    /// as arrays (`unnest`), so the text is the same for any number of readings and is parsed and planned
    /// once per connection. An insert of n rows built by SQLKit was a new text for every n, parsed and planned
    /// each time (0.9 ms of PostgreSQL's 2.7 ms per submission at the readings peak; issue 8). A statement is
    /// atomic, so nothing is stored without the rest; the feed entries take their numbers in the readings'
    /// order.
    struct StoreStatement: PreparedSQL {
        static let sql = """
            WITH stored AS (
                INSERT INTO submitted_readings
                    (id, contract_id, channel_id, period, value_milli, account_id, source, submitted_at)
                SELECT r.id, $1, r.channel_id, $2, r.value_milli, CAST(NULLIF($3, '') AS uuid), $4, $5
                FROM unnest(CAST($6 AS uuid[]), CAST($7 AS text[]), CAST($8 AS bigint[]))
                    AS r(id, channel_id, value_milli)
                ON CONFLICT (channel_id, period) DO UPDATE SET value_milli = excluded.value_milli,
                    account_id = excluded.account_id, source = excluded.source,
                    submitted_at = excluded.submitted_at),
            fed AS (
                INSERT INTO billing_feed (kind, entity_id, payload, created_at)
                SELECT $9, f.entity_id, f.payload, $5
                FROM unnest(CAST($7 AS text[]), CAST($10 AS text[])) WITH ORDINALITY AS f(entity_id, payload, n)
                ORDER BY f.n)
            INSERT INTO audit_log (id, at, actor, account_id, action, subject, ip_address, details)
            VALUES ($11, $5, 'account', CAST(NULLIF($3, '') AS uuid), 'readings.submitted', $12, NULLIF($13, ''),
                    NULLIF($14, ''))
            """
        let contractID: String
        let period: String
        /// The values that may be missing go as `''` for none (a bound value cannot be an optional here).
        let accountID: UUID?
        let source: String
        let at: Date
        let ids: [UUID]
        let channelIDs: [String]
        let thousandths: [Int64]
        let feedKind: String
        let payloads: [String]
        let auditID: UUID
        let subject: String
        let ipAddress: String?
        let details: String?

        var values: [any PostgresEncodable & Encodable & Sendable] {
            [
                contractID, period, accountID?.uuidString ?? "", source, at, ids, channelIDs, thousandths, feedKind,
                payloads, auditID, subject, ipAddress ?? "", details ?? "",
            ]
        }
    }

    // MARK: - «Загрузить файлом»: integral readings by contract (RD-4, RD-7)

    static let maxFileBytes = 20 * 1024 * 1024

    @Sendable func uploadPage(req: Request) async throws -> Response {
        let (all, chosen, open) = try await chosen(req, number: req.queryValue("contract"))
        return try await choicePage(
            req, contracts: all, chosen: chosen, open: open, typed: chosen?.0.number ?? "",
            kind: req.queryValue("kind"), meter: req.queryValue("meter"),
            period: req.queryValue("period")
        ).render().response()
    }

    /// The upload form for a contract, kind, meter and month, before any file: what the page shows on
    /// arrival, and after «Выбрать» when the browser runs no script.
    private func choicePage(
        _ req: Request, contracts: [ReadingsData.ContractChoice],
        chosen: (ReadingsData.ContractChoice, ReadingsData.Link)?, open: BillingPeriod, typed: String, kind: String?,
        meter: String?, period: String?
    ) async throws -> ReadingsUploadPage {
        var page = ReadingsUploadPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: contracts, contract: typed)
        page.hourlyContract = chosen?.0.needsHourlyProfile ?? false
        if let (contract, link) = chosen, contract.needsHourlyProfile,
            let kind = kind.flatMap(ReadingsUploadPage.Kind.init(rawValue:)), kind != .integral
        {
            let data = try await ReadingsData.load(contract, link: link, period: open, on: req.db.sql)
            try await fillInterval(&page, req, kind: kind, data: data, open: open, meter: meter, period: period)
        }
        return page
    }

    /// The interval part of the upload page: hourly meters, months, and the acts of the chosen meter (per
    /// meter) or of the contract's month (per contract).
    private func fillInterval(
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
        let format = RussianDateFormat(timeZone: req.portal.config.timeZone)
        let query = sql.select().columns("id", "meter_id", "kind", "period", "file_name", "created_at")
            .from("interval_acts").where("contract_id", .equal, contract.id)
        if kind == .intervalMeter {
            query.where("meter_id", .equal, page.meter)
        } else {
            query.where("period", .equal, page.period?.description ?? "")
        }
        let rows = try await query.orderBy("created_at", .descending).limit(kind == .intervalMeter ? 50 : 500)
            .all(decoding: ActRow.self, keyDecodingStrategy: .snakeCaseColumns)
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
        let (_, chosen, open) = try await chosen(req, number: number)
        guard let (contract, link) = chosen, contract.needsHourlyProfile,
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
        let (allowed, open) = try await allowed(req)
        guard
            let act = try await sql.select().columns("contract_id", "meter_id", "file_name", "file_data")
                .from("interval_acts").where("id", .equal, id)
                .first(decoding: Act.self, keyDecodingStrategy: .snakeCaseColumns),
            let (contract, link) = allowed.first(where: { $0.0.id == act.contractId })
        else { throw Abort(.notFound) }
        let data = try await ReadingsData.load(contract, link: link, period: open, on: sql)
        guard data.objects.flatMap(\.meters).contains(where: { $0.id == act.meterId }) else { throw Abort(.notFound) }
        return .xlsx(act.fileData, disposition: "attachment; filename=\"act-\(id).xlsx\"")
    }

    @Sendable func template(req: Request) async throws -> Response {
        let number = req.queryValue("contract") ?? ""
        guard !number.isEmpty else { throw Abort(.notFound) }
        let (_, chosen, period) = try await chosen(req, number: number)
        guard let (contract, link) = chosen else { throw Abort(.notFound) }
        let data = try await ReadingsData.load(contract, link: link, period: period, on: req.db.sql)
        let bytes = try await req.application.threadPool.runIfActive { try IntegralReadingsFile.template(data) }
        return .xlsx(bytes, disposition: "attachment; filename=\"readings-\(contract.number)-\(period).xlsx\"")
    }

    struct UploadForm: Content {
        var contract: String?
        var kind: String?
        var meter: String?
        var period: String?
        var file: File?
        /// «Выбрать»: show the form for the chosen contract, kind, meter and month (no script needed).
        var choose: String?
    }

    @Sendable func upload(req: Request) async throws -> Response {
        let form = try req.content.decode(UploadForm.self)
        let (allowed, open) = try await allowed(req)
        var page = ReadingsUploadPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: allowed.map(\.0),
            contract: form.contract ?? "")
        let typedNumber = (form.contract ?? "").filter { !$0.isWhitespace }
        let kind = form.kind.flatMap(ReadingsUploadPage.Kind.init(rawValue:)) ?? .integral
        page.kind = kind
        let match = allowed.first(where: { $0.0.number == typedNumber })
        if form.choose != nil, match != nil || typedNumber.isEmpty {
            return try await choicePage(
                req, contracts: allowed.map(\.0), chosen: match, open: open, typed: form.contract ?? "",
                kind: form.kind,
                meter: form.meter, period: form.period
            ).render().response()
        }
        guard let (contract, link) = match else {
            page.errors["contract"] =
                typedNumber.isEmpty
                ? "Выберите договор" : "Выберите договор из списка: по этому номеру передача показаний недоступна"
            return page.render().response(status: .unprocessableEntity)
        }
        guard let file = form.file, file.data.readableBytes > 0 else {
            page.errors["file"] = "Загрузите файл"
            return page.render().response(status: .unprocessableEntity)
        }
        guard file.data.readableBytes <= Self.maxFileBytes else {
            page.errors["file"] = "Файл больше 20 МБ"
            return page.render().response(status: .unprocessableEntity)
        }
        page.hourlyContract = contract.needsHourlyProfile
        if kind != .integral {
            return try await uploadInterval(
                req, page: page, kind: kind, form: form, file: file, contract: contract, link: link, open: open)
        }
        let data = try await ReadingsData.load(contract, link: link, period: open, on: req.db.sql)
        let bytes = Data(buffer: file.data)
        let parsed: IntegralReadingsFile.Parsed
        do {
            parsed = try await req.application.threadPool.runIfActive {
                try IntegralReadingsFile.parse(try Workbook(data: bytes), data: data)
            }
        } catch let error as XLSXError {
            page.errors["file"] = error.russianMessage
            return page.render().response(status: .unprocessableEntity)
        }
        let checked = ReadingsSubmission.check(data, typed: parsed.typed, rollover: parsed.rollover)
        var problems = parsed.rowProblems
        let meters = Dictionary(
            data.objects.flatMap { object in
                object.meters.flatMap { meter in meter.channels.map { ($0.id, (meter, $0)) } }
            },
            uniquingKeysWith: { a, _ in a })
        func describe(_ channelID: String) -> String {
            guard let (meter, channel) = meters[channelID] else { return "" }
            return "ПУ \(meter.number) (\(channel.quantity?.title ?? "") \(channel.zone?.title ?? ""))"
        }
        for (channelID, message) in checked.errors {
            problems.append("Строка \(parsed.rows[channelID] ?? 0), \(describe(channelID)): \(message)")
        }
        for (meterID, message) in checked.meterErrors {
            let row = meters.values.filter { $0.0.id == meterID }.compactMap { parsed.rows[$0.1.id] }.min() ?? 0
            problems.append(
                "Строка \(row), ПУ \(meters.values.first { $0.0.id == meterID }?.0.number ?? ""): \(message)")
        }
        problems.sort { $0.localizedStandardCompare($1) == .orderedAscending }
        if !checked.accepted.isEmpty {
            try await store(checked.accepted, contract: contract, period: open, source: "file", req: req)
        }
        let acceptedMeters = Set(checked.accepted.map(\.meterID)).count
        try await keepUpload(
            req, contract: contract, kind: "integral", period: open, fileName: String(file.filename.prefix(200)),
            bytes: bytes, accepted: acceptedMeters, rejected: problems.count)
        page.contract = contract.number
        page.accepted = acceptedMeters
        page.problems = problems
        if problems.isEmpty && acceptedMeters == 0 {
            page.errors["file"] = "В файле нет новых показаний: заполните столбец «Текущие показания»"
        }
        let failed = !problems.isEmpty || acceptedMeters == 0
        return page.render().response(status: failed ? .unprocessableEntity : .ok)
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

    private func uploadInterval(
        _ req: Request, page: ReadingsUploadPage, kind: ReadingsUploadPage.Kind, form: UploadForm, file: File,
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
        if kind == .intervalContract {
            try await keepUpload(
                req, contract: contract, kind: "interval", period: period, fileName: fileName, bytes: bytes,
                accepted: read.acts.count, rejected: read.problems.count)
        }
        let kinds = try await storeActs(read.acts, contract: contract, period: period, req: req)
        try await fillInterval(
            &page, req, kind: kind, data: data, open: open, meter: meter?.id, period: period.description)
        page.accepted = read.acts.count
        page.problems = read.problems
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

    /// Keeps an uploaded file with what came of it.
    private func keepUpload(
        _ req: Request, contract: ReadingsData.ContractChoice, kind: String, period: BillingPeriod, fileName: String,
        bytes: Data, accepted: Int, rejected: Int
    ) async throws {
        try await req.db.sql.insert(into: "reading_uploads")
            .columns(
                "id", "contract_id", "account_id", "kind", "period", "file_name", "file_data", "accepted", "rejected",
                "created_at"
            )
            .values(
                SQLBind(UUID()), SQLBind(contract.id), SQLBind(req.account?.id), SQLBind(kind),
                SQLBind(period.description), SQLBind(fileName), SQLBind(bytes), SQLBind(accepted), SQLBind(rejected),
                SQLBind(req.now)
            ).run()
    }

    /// Stores the acts in one transaction — each meter's first of the month «Первичный акт», later ones
    /// «Корректировочный акт» — and tells billing. Returns the kinds, in order.
    private func storeActs(
        _ acts: [NewAct], contract: ReadingsData.ContractChoice, period: BillingPeriod, req: Request
    ) async throws -> [String] {
        guard !acts.isEmpty else { return [] }
        let now = req.now
        let accountID = req.account?.id
        // Read first, then written: retried if SQLite refuses the write (another commit came in between).
        let kinds = try await req.db.retryingTransaction { tx in
            let sql = tx.sql
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
