import Fluent
import Foundation
import PortalDomain
import SQLKit
import Vapor

/// «Показания»: the meters of a contract with the last closed period's readings and inputs for this one
/// (manual §5.1–5.2; RD-1…RD-3).
struct ReadingsController {
    static let objectsPerPage = 20

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.readings.route, use: show)
        routes.post(SitePath.readings.route, use: submit)
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
            try await store(checked.accepted, contract: contract, period: period, req: req)
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
        req: Request
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
                        SQLBind("form"), SQLBind(now))
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
                        "source": "form", "accountId": .string(accountID?.uuidString ?? ""),
                    ], now: now, on: sql)
            }
        }
        try await AuditLog.record(
            "readings.submitted", subject: contract.number,
            details: ["channels": String(values.count), "period": period.description], request: req)
    }
}
