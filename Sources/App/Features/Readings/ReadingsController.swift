import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor
import XLSX

/// «Показания»: the meters of a contract with the last closed period's readings and inputs for this one
/// (manual §5.1–5.2; RD-1…RD-3).
struct ReadingsController {
    static let objectsPerPage = 20

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.readings.route, use: show)
        routes.post(SitePath.readings.route, use: submit)
        routes.get(SitePath.readingsUpload.route, use: uploadPage)
        routes.on(.POST, SitePath.readingsUpload.route, body: .collect(maxSize: "21mb"), use: upload)
        routes.get(SitePath.readingsTemplate.route, use: template)
    }

    struct Filters: Sendable {
        var contract: String?
        var status: ReadingStatus?
        var text: String
        var page: Int

        init(_ req: Request) {
            contract = req.query[String.self, at: "contract"]
            status = req.query[String.self, at: "status"].flatMap(ReadingStatus.init(rawValue:))
            text = String((req.query[String.self, at: "q"] ?? "").prefix(100))
            page = max(1, min(10_000, req.query[Int.self, at: "page"] ?? 1))
        }
    }

    /// The contracts the account may submit readings on, the chosen one (by number, or the first), its link.
    private func chosen(_ req: Request, number: String?) async throws
        -> (all: [ReadingsData.ContractChoice], chosen: (ReadingsData.ContractChoice, ContractLink)?)
    {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        let contracts = try await ReadingsData.contracts(of: account.id!, on: req.db as! any SQLDatabase)
        if let number, !number.isEmpty {
            // A number the account may not submit on is a 404, as on every contract route.
            guard let match = contracts.first(where: { $0.0.number == number }) else { throw Abort(.notFound) }
            return (contracts.map(\.0), match)
        }
        return (contracts.map(\.0), contracts.first)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let filters = Filters(req)
        let (all, chosen) = try await chosen(req, number: filters.contract)
        let sql = req.db as! any SQLDatabase
        var page = ReadingsPage(
            context: req.shellContext, csrf: try await req.sessions.csrfToken(), contracts: all, filters: filters)
        if let (contract, link) = chosen {
            let period = try await PeriodClosing.openPeriod(on: sql, now: req.now, timeZone: req.portal.config.timeZone)
            page.data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        }
        if req.query[String.self, at: "saved"] != nil { page.notice = ReadingsPage.savedMessage }
        return page.render().response()
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var filters = Filters(req)
        filters.contract = form["contract"]
        filters.status = form["status"].flatMap(ReadingStatus.init(rawValue:))
        filters.text = String((form["q"] ?? "").prefix(100))
        filters.page = max(1, min(10_000, Int(form["page"] ?? "") ?? 1))
        guard let number = filters.contract, !number.isEmpty else { throw Abort(.notFound) }
        let (all, chosen) = try await chosen(req, number: number)
        guard let (contract, link) = chosen else { throw Abort(.notFound) }
        let sql = req.db as! any SQLDatabase
        let period = try await PeriodClosing.openPeriod(on: sql, now: req.now, timeZone: req.portal.config.timeZone)
        let data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        let (typed, rollover) = ReadingFields.decode(form)
        let checked = ReadingsSubmission.check(data, typed: typed, rollover: rollover)
        if !checked.accepted.isEmpty {
            try await store(checked.accepted, contract: contract, period: period, source: "form", req: req)
        }
        guard checked.hasErrors else {
            var query = "?contract=\(contract.number)&saved=1"
            if let status = filters.status { query += "&status=\(status.rawValue)" }
            if !filters.text.isEmpty {
                query += "&q=" + (filters.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            if filters.page > 1 { query += "&page=\(filters.page)" }
            return req.redirect(to: SitePath.readings.path + query)
        }
        var page = ReadingsPage(
            context: req.shellContext, csrf: try await req.sessions.csrfToken(), contracts: all, filters: filters)
        page.data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        page.typed = typed
        page.rollover = rollover
        page.errors = checked.errors
        page.meterErrors = checked.meterErrors
        if !checked.accepted.isEmpty {
            page.notice = "\(ReadingsPage.savedMessage) по приборам учета без ошибок. Исправьте отмеченные поля."
        }
        return page.render().response(status: .unprocessableEntity)
    }

    /// Stores the readings (one per channel and period: a correction replaces the value) and tells billing.
    private func store(
        _ values: [ReadingsSubmission.Value], contract: ReadingsData.ContractChoice, period: BillingPeriod,
        source: String, req: Request
    ) async throws {
        let now = req.now
        let accountID = req.account?.id
        try await req.db.transaction { tx in
            let sql = tx as! any SQLDatabase
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
            for value in values {
                try await BillingFeed.append(
                    .reading, entityID: value.channelID,
                    data: [
                        "contractId": .string(contract.id), "meterId": .string(value.meterID),
                        "channelId": .string(value.channelID), "period": .string(period.description),
                        "value": .string(ReadingValue.text(value.thousandths)), "rollover": .bool(value.rollover),
                        "source": .string(source), "accountId": .string(accountID?.uuidString ?? ""),
                    ], now: now, on: sql)
            }
        }
        try await AuditLog.record(
            "readings.submitted", subject: contract.number,
            details: ["channels": String(values.count), "period": period.description, "source": source], request: req)
    }

    // MARK: - «Загрузить файлом»: integral readings by contract (RD-4, RD-7)

    static let maxFileBytes = 20 * 1024 * 1024

    @Sendable func uploadPage(req: Request) async throws -> Response {
        let (all, chosen) = try await chosen(req, number: req.query[String.self, at: "contract"])
        return ReadingsUploadPage(
            context: req.shellContext, csrf: try await req.sessions.csrfToken(), contracts: all,
            contract: chosen?.0.number ?? ""
        ).render().response()
    }

    @Sendable func template(req: Request) async throws -> Response {
        let number = req.query[String.self, at: "contract"] ?? ""
        guard !number.isEmpty, let (contract, link) = try await chosen(req, number: number).chosen else {
            throw Abort(.notFound)
        }
        let sql = req.db as! any SQLDatabase
        let period = try await PeriodClosing.openPeriod(on: sql, now: req.now, timeZone: req.portal.config.timeZone)
        let data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        let bytes = try await req.application.threadPool.runIfActive { try IntegralReadingsFile.template(data) }
        let response = Response(status: .ok, body: .init(data: bytes))
        response.headers.replaceOrAdd(
            name: .contentType, value: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: "attachment; filename=\"readings-\(contract.number)-\(period).xlsx\"")
        return response
    }

    struct UploadForm: Content {
        var contract: String?
        var file: File?
    }

    @Sendable func upload(req: Request) async throws -> Response {
        let form = try req.content.decode(UploadForm.self)
        let (all, _) = try await chosen(req, number: nil)
        var page = ReadingsUploadPage(
            context: req.shellContext, csrf: try await req.sessions.csrfToken(), contracts: all,
            contract: form.contract ?? "")
        let typedNumber = (form.contract ?? "").filter { !$0.isWhitespace }
        guard let match = try await chosen(req, number: nil).all.first(where: { $0.number == typedNumber }) else {
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
        let (contract, link) = try await chosen(req, number: match.number).chosen!
        let sql = req.db as! any SQLDatabase
        let period = try await PeriodClosing.openPeriod(on: sql, now: req.now, timeZone: req.portal.config.timeZone)
        let data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
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
            try await store(checked.accepted, contract: contract, period: period, source: "file", req: req)
        }
        let acceptedMeters = Set(checked.accepted.map(\.meterID)).count
        try await sql.insert(into: "reading_uploads")
            .columns(
                "id", "contract_id", "account_id", "kind", "period", "file_name", "file_data", "accepted", "rejected",
                "created_at"
            )
            .values(
                SQLBind(UUID()), SQLBind(contract.id), SQLBind(req.account?.id), SQLBind("integral"),
                SQLBind(period.description), SQLBind(String(file.filename.prefix(200))), SQLBind(bytes),
                SQLBind(acceptedMeters), SQLBind(problems.count), SQLBind(req.now)
            ).run()
        page.contract = contract.number
        page.accepted = acceptedMeters
        page.problems = problems
        if problems.isEmpty && acceptedMeters == 0 {
            page.errors["file"] = "В файле нет новых показаний: заполните столбец «Текущие показания»"
        }
        let failed = !problems.isEmpty || acceptedMeters == 0
        return page.render().response(status: failed ? .unprocessableEntity : .ok)
    }
}
