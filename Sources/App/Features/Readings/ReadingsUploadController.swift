import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor
import XLSX

/// «Загрузить файлом» (RD-4…RD-7): the upload page with its choice of contract, kind, meter and month, the
/// integral readings' template and file; hourly profiles go on to `IntervalActsController`.
struct ReadingsUploadController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.readingsUpload.route, use: uploadPage)
        routes.on(.POST, SitePath.readingsUpload.route, body: .collect(maxSize: "21mb"), use: upload)
            .userInfo[CSRFMiddleware.bodyLimitKey] = 21 * 1024 * 1024
        routes.get(SitePath.readingsTemplate.route, use: template)
        routes.get(SitePath.uploadProblems("").route, use: problems)
    }

    static let maxFileBytes = 20 * 1024 * 1024

    @Sendable func uploadPage(req: Request) async throws -> Response {
        let (contracts, open) = try await req.readingsContracts()
        let chosen = try ReadingsData.pick(req.queryValue("contract"), among: contracts)
        return try await choicePage(
            req, contracts: contracts.map(\.0), chosen: chosen, open: open, typed: chosen?.0.number ?? "",
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
            try await IntervalActsController.fillInterval(
                &page, req, kind: kind, data: data, open: open, meter: meter, period: period)
        }
        return page
    }

    @Sendable func template(req: Request) async throws -> Response {
        let number = req.queryValue("contract") ?? ""
        guard !number.isEmpty else { throw Abort(.notFound) }
        let (contracts, period) = try await req.readingsContracts()
        guard let (contract, link) = try ReadingsData.pick(number, among: contracts) else { throw Abort(.notFound) }
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
        let (allowed, open) = try await req.readingsContracts()
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
            return try await IntervalActsController.uploadInterval(
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
        let acceptedMeters = Set(checked.accepted.map(\.meterID)).count
        let upload = Upload(
            req, contract: contract, kind: "integral", period: open, fileName: String(file.filename.prefix(200)),
            bytes: bytes, accepted: acceptedMeters, problems: problems)
        // The file and the readings read from it are stored together or not at all.
        try await ReadingsController.store(
            checked.accepted, contract: contract, period: open, source: "file", req: req, upload: upload)
        page.contract = contract.number
        page.accepted = acceptedMeters
        page.show(problems, upload: upload)
        if problems.isEmpty && acceptedMeters == 0 {
            page.errors["file"] = "В файле нет новых показаний: заполните столбец «Текущие показания»"
        }
        let failed = !problems.isEmpty || acceptedMeters == 0
        return page.render().response(status: failed ? .unprocessableEntity : .ok)
    }

    /// The full list of an upload's problems as a workbook, for the person who uploaded it while the
    /// contract is still theirs to send readings on.
    @Sendable func problems(req: Request) async throws -> Response {
        guard let account = req.account else { throw Abort.redirect(to: SitePath.login.path) }
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        struct Row: Decodable {
            let contractId: String
            let accountId: UUID?
            let fileName: String
            let problems: String?
        }
        let (allowed, _) = try await req.readingsContracts()
        guard
            let row = try await req.db.sql.select().columns("contract_id", "account_id", "file_name", "problems")
                .from("reading_uploads").where("id", .equal, id).first(decoding: Row.self, with: .snakeCase),
            row.accountId == account.id, allowed.contains(where: { $0.0.id == row.contractId })
        else { throw Abort(.notFound) }
        let lines = (row.problems ?? "").split(separator: "\n").map(String.init)
        let bytes = try await req.application.threadPool.runIfActive {
            let writer = try WorkbookWriter()
            let sheet = try writer.addSheet(
                "Замечания", columns: [.init(width: 40), .init(width: 90)], freezeHeader: true)
            try writer.appendRow([.string("Где"), .string("Что")], to: sheet, bold: true)
            for line in lines {
                let (place, message) = UploadProblems.split(line)
                try writer.appendRow([.string(place), .string(message)], to: sheet)
            }
            return try writer.finish()
        }
        return .xlsx(bytes, disposition: "attachment; filename=\"problems-\(id).xlsx\"")
    }

    /// An uploaded file with what came of it, kept in `reading_uploads` in the transaction that stores what
    /// was read from it.
    struct Upload: Sendable {
        let id = UUID()
        let contractID: String
        let accountID: UUID?
        let kind: String
        let period: String
        let fileName: String
        let bytes: Data
        let accepted: Int
        /// Every problem, «where: what».
        let problems: [String]
        let at: Date

        init(
            _ req: Request, contract: ReadingsData.ContractChoice, kind: String, period: BillingPeriod,
            fileName: String, bytes: Data, accepted: Int, problems: [String]
        ) {
            contractID = contract.id
            accountID = req.account?.id
            self.kind = kind
            self.period = period.description
            self.fileName = fileName
            self.bytes = bytes
            self.accepted = accepted
            self.problems = problems
            at = req.now
        }

        func store(on sql: any SQLDatabase) async throws {
            try await sql.insert(into: "reading_uploads")
                .columns(
                    "id", "contract_id", "account_id", "kind", "period", "file_name", "file_data", "accepted",
                    "rejected", "problems", "created_at"
                )
                .values(
                    SQLBind(id), SQLBind(contractID), SQLBind(accountID), SQLBind(kind), SQLBind(period),
                    SQLBind(fileName), SQLBind(bytes), SQLBind(accepted), SQLBind(problems.count),
                    SQLBind(problems.isEmpty ? nil : problems.joined(separator: "\n")), SQLBind(at)
                ).run()
        }
    }
}
