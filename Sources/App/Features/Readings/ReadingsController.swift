import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor

/// «Показания»: the meters of a contract with the last closed period's readings and inputs for this one
/// (manual §5.1–5.2; RD-1…RD-3). The file upload is `ReadingsUploadController`, the hourly profiles'
/// acts `IntervalActsController`.
struct ReadingsController {
    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.readings.route, use: show)
        routes.post(SitePath.readings.route, use: submit)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let filters = ReadingsData.Filters(
            contract: req.queryValue("contract"),
            status: req.queryValue("status").flatMap(ReadingStatus.init(rawValue:)),
            text: String((req.queryValue("q") ?? "").prefix(100)),
            page: max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1)))
        let (contracts, period) = try await req.readingsContracts()
        let chosen = try ReadingsData.pick(filters.contract, among: contracts)
        var page = ReadingsPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: contracts.map(\.0), filters: filters)
        if let (contract, link) = chosen {
            page.data = try await ReadingsData.loadPage(
                contract, link: link, period: period, filters: filters, on: req.db.sql)
        }
        if req.queryValue("saved") != nil { page.notice = ReadingsPage.savedMessage }
        return page.render().response()
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let form = try req.formFields()
        let filters = ReadingsData.Filters(
            contract: form["contract"], status: form["status"].flatMap(ReadingStatus.init(rawValue:)),
            text: String((form["q"] ?? "").prefix(100)), page: max(1, min(10_000, Int(form["page"] ?? "") ?? 1)))
        guard let number = filters.contract, !number.isEmpty else { throw Abort(.notFound) }
        let (contracts, period) = try await req.readingsContracts()
        guard let (contract, link) = try ReadingsData.pick(number, among: contracts) else { throw Abort(.notFound) }
        let sql = req.db.sql
        let data = try await ReadingsData.load(contract, link: link, period: period, on: sql)
        let (typed, rollover) = ReadingFields.decode(form)
        let checked = ReadingsSubmission.check(data, typed: typed, rollover: rollover)
        if !checked.accepted.isEmpty {
            try await Self.store(checked.accepted, contract: contract, period: period, source: "form", req: req)
        }
        guard checked.hasErrors else {
            return req.redirect(to: SitePath.readings.path + filters.query(contract: contract.number) + "&saved=1")
        }
        var page = ReadingsPage(
            context: req.shellContext, csrf: req.sessions.csrfToken(), contracts: contracts.map(\.0), filters: filters)
        page.data = try await ReadingsData.loadPage(contract, link: link, period: period, filters: filters, on: sql)
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
    /// the readings, their feed entries, the audit entry and the file they came from (`upload`) in one
    /// transaction.
    static func store(
        _ values: [ReadingsSubmission.Value], contract: ReadingsData.ContractChoice, period: BillingPeriod,
        source: String, req: Request, upload: ReadingsUploadController.Upload? = nil
    ) async throws {
        let now = req.now
        let accountID = req.account?.id
        let address = req.clientAddress
        let feed = values.map { value in
            BillingFeed.Entry(
                kind: .reading, entityID: value.channelID,
                data: JSONValue.object([
                    "contractId": .string(contract.id), "meterId": .string(value.meterID),
                    "channelId": .string(value.channelID), "period": .string(period.description),
                    "value": .string(ReadingValue.text(value.thousandths)), "rollover": .bool(value.rollover),
                    "source": .string(source), "accountId": .string(accountID?.uuidString ?? ""),
                ]))
        }
        let details = ["channels": String(values.count), "period": period.description, "source": source]
        try await req.db.writeTransaction { tx in
            let sql = tx.sql
            try await upload?.store(on: sql)
            guard !values.isEmpty else { return }
            for chunk in values.chunked(500) {
                let insert = sql.insert(into: "submitted_readings").columns(
                    "id", "contract_id", "channel_id", "period", "value_milli", "account_id", "source", "submitted_at")
                for value in chunk {
                    insert.values(
                        SQLBind(UUID()), SQLBind(contract.id), SQLBind(value.channelID), SQLBind(period.description),
                        SQLBind(value.thousandths), SQLBind(accountID), SQLBind(source), SQLBind(now))
                }
                insert.onConflict(with: ["channel_id", "period"]) {
                    $0.set(excludedValueOf: "value_milli").set(excludedValueOf: "account_id")
                        .set(excludedValueOf: "source").set(excludedValueOf: "submitted_at")
                }
                try await insert.run()
            }
            try await BillingFeed.append(feed, now: now, on: sql)
            try await AuditLog.record(
                "readings.submitted", actor: "account", accountID: accountID, subject: contract.number,
                ipAddress: address, details: details, at: now, on: sql)
        }
    }
}

extension Request {
    /// The contracts the signed-in account may submit readings on, with their links, and the period open for
    /// readings: what every readings route starts from.
    func readingsContracts() async throws
        -> (contracts: [(ReadingsData.ContractChoice, ReadingsData.Link)], period: BillingPeriod)
    {
        guard let account else { throw Abort.redirect(to: SitePath.login.path) }
        let contracts = try await ReadingsData.contracts(of: account.id!, on: db.sql)
        let period = try await PeriodClosing.openPeriod(on: db.sql, now: now, timeZone: portal.config.timeZone)
        return (contracts, period)
    }
}
