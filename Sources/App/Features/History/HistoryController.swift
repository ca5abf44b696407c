import Fluent
import Foundation
import Markup
import PortalDomain
import SQLKit
import Vapor
import XLSX

/// «История» (manual §6; HIS-1…4): documents with their PDFs, payments, readings and orders.
struct HistoryController {
    /// A document larger than this is sent by e-mail instead of opening in the browser (manual §6.1).
    static let inlineLimit = 4 << 20
    /// Documents one account may have e-mailed per hour.
    static let emailsPerHour = 20
    /// The longest period an акт сверки may cover, in months.
    static let longestAct = 60

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.history.route) { req in req.redirect(to: SitePath.historyDocuments.path) }
        routes.get(SitePath.historyDocuments.route, use: documents)
        routes.get(SitePath.historyDocumentFile.route, use: documentFile)
        routes.get(SitePath.historyDocumentSend.route, use: sendPage)
        routes.post(SitePath.historyDocumentSend.route, use: send)
        routes.get(SitePath.historyPayments.route, use: payments)
        routes.get(SitePath.historyReadings.route, use: readings)
        routes.get(SitePath.historyReadingsDownload.route, use: readingsDownload)
        routes.get(SitePath.historyOrders.route, use: orders)
        routes.post(SitePath.historyOrders.route, use: order)
        routes.get(SitePath.historyOrderFile("").route, use: orderFile)
    }

    private func choices(_ contracts: [HistoryData.Contract]) -> [ContractOption] {
        contracts.map { ContractOption(number: $0.number, name: $0.name) }
    }

    private func currentMonth(_ req: Request) -> BillingPeriod {
        BillingPeriod(containing: req.now, in: req.portal.config.timeZone)
    }

    // MARK: - «Документы»

    @Sendable func documents(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let contracts = try await HistoryData.contracts(of: account.id!, allowing: .viewDocumentHistory, on: req.db.sql)
        var filters = HistoryData.DocumentFilters()
        filters.contract = req.queryValue("contract") ?? ""
        filters.type = req.queryValue("type").flatMap(DocumentType.init(rawValue:))
        filters.from = HistoryData.month(req.queryValue("from"))
        filters.to = HistoryData.month(req.queryValue("to"))
        filters.page = max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1))
        let chosen = try HistoryData.pick(filters.contract, among: contracts)
        let (rows, total) = try await HistoryData.DocumentRow.page(
            of: chosen.map(\.id), filters: filters, on: req.db.sql)
        return HistoryDocumentsPage(
            context: req.shellContext, contracts: choices(contracts), filters: filters, rows: rows, total: total,
            notice: req.queryValue("sent") == "1" ? Orders.emailAccepted : nil
        ).render().response()
    }

    /// The document `id` if the account's role on its contract allows the document history; a 404 otherwise.
    private func document(_ req: Request, id: String?) async throws -> DocumentFiles.Header {
        let account = try req.signedIn()
        guard let id, !id.isEmpty, id.count <= 64,
            let header = try await DocumentFiles.Header.find(id, on: req.db.sql),
            let link = try await ContractLink.query(on: req.db).filter(\.$accountID == account.id!)
                .filter(\.$contractID == header.contractId).first(),
            link.allows(.viewDocumentHistory)
        else { throw Abort(.notFound) }
        return header
    }

    @Sendable func documentFile(req: Request) async throws -> Response {
        let header = try await document(req, id: req.queryValue("id"))
        if header.fileSize > Self.inlineLimit {
            return req.redirect(
                to: SitePath.historyDocumentSend.path + HistoryData.query([("id", header.id), ("large", "1")]))
        }
        guard let file = try await DocumentFiles.pdf(header, on: req.db.sql, now: req.now) else {
            throw Abort(.notFound)
        }
        return .pdf(file.data, fileName: file.name)
    }

    @Sendable func sendPage(req: Request) async throws -> Response {
        let header = try await document(req, id: req.queryValue("id"))
        return HistorySendPage(
            context: req.shellContext, documentID: header.id, title: header.title, email: req.account?.email ?? "",
            tooLarge: req.queryValue("large") == "1"
        ).render().response()
    }

    @Sendable func send(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let fields = try req.formFields()
        let header = try await document(req, id: fields["id"])
        let typed = fields["email"] ?? ""
        var page = HistorySendPage(
            context: req.shellContext, documentID: header.id, title: header.title, email: typed)
        guard let email = EmailAddress.normalize(typed) else {
            page.error = typed.isEmpty ? "Заполните поле" : EmailAddress.invalidMessage
            return page.render().response(status: .unprocessableEntity)
        }
        if let wait = try await Throttle.check(
            req, [("document-email:\(account.id!)", Self.emailsPerHour)], window: 3600)
        {
            page.error = "Слишком много отправок. Повторите через \(Throttle.minutes(wait))"
            return page.render().response(status: .tooManyRequests)
        }
        let (accountID, now) = (account.id!, req.now)
        let placed = try await req.db.conflictRetryingTransaction { tx in
            try await Orders.place(
                kind: .documentEmail, accountID: accountID, contractID: header.contractId, documentID: header.id,
                email: email, now: now, on: tx)
        }
        try await AuditLog.record(
            "history.document.email", subject: header.id, details: ["order": String(placed.number)], request: req)
        return req.redirect(to: SitePath.historyDocuments.path + "?sent=1")
    }

    // MARK: - «Платежи»

    @Sendable func payments(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let contracts = try await HistoryData.contracts(of: account.id!, allowing: .viewPaymentHistory, on: req.db.sql)
        let contract = req.queryValue("contract") ?? ""
        let chosen = try HistoryData.pick(contract, among: contracts).map(\.id)
        let month = HistoryData.month(req.queryValue("month")) ?? currentMonth(req)
        let sql = req.db.sql
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = req.portal.config.timeZone
        let start = calendar.date(from: DateComponents(year: month.year, month: month.month, day: 1))!
        let end = calendar.date(from: DateComponents(year: month.next.year, month: month.next.month, day: 1))!
        let dates = req.dates
        let received = try await HistoryData.ReceivedRow.all(of: chosen, in: month, on: sql).map {
            (
                $0.paidOn,
                HistoryData.Payment(
                    date: HistoryData.date($0.paidOn), contractNumber: $0.contractNumber,
                    amount: Money(kopecks: $0.amountKopecks),
                    purpose: $0.purpose ?? ($0.onlinePaymentId == nil ? "—" : "Онлайн-оплата картой"), state: "Поступил"
                )
            )
        }
        let online = try await HistoryData.OnlineRow.all(of: chosen, from: start, to: end, on: sql).map {
            (
                ISO8601DateFormatter.string(
                    from: $0.createdAt, timeZone: calendar.timeZone, formatOptions: [.withFullDate]),
                HistoryData.Payment(
                    date: dates.date($0.createdAt), contractNumber: $0.contractNumber,
                    amount: Money(kopecks: $0.amountKopecks), purpose: "Онлайн-оплата картой",
                    state: HistoryData.paymentState($0.state))
            )
        }
        let payments = (received + online).sorted { $0.0 > $1.0 }.map(\.1)
        return HistoryPaymentsPage(
            context: req.shellContext, contracts: choices(contracts), contract: contract, month: month,
            payments: payments
        ).render().response()
    }

    // MARK: - «Показания»

    struct ReadingsView {
        let contracts: [HistoryData.Contract]
        let filters: HistoryData.ReadingFilters
        let allObjects: [HistoryReadingsPage.Object]
        let objects: [HistoryReadingsPage.Object]
        let contractID: String?
    }

    /// The filters of the readings tab and the objects they show, as the link allows.
    private func readingsView(_ req: Request) async throws -> ReadingsView {
        let account = try req.signedIn()
        let sql = req.db.sql
        let contracts = try await HistoryData.contracts(of: account.id!, allowing: .viewReadingHistory, on: sql)
        let number = req.queryValue("contract") ?? ""
        let contract = number.isEmpty ? contracts.first : try HistoryData.pick(number, among: contracts).first
        var to = HistoryData.month(req.queryValue("to")) ?? currentMonth(req)
        var from = HistoryData.month(req.queryValue("from")) ?? to.monthsBefore(11)
        if from > to { swap(&from, &to) }
        var filters = HistoryData.ReadingFilters(
            contract: contract?.number ?? "", object: req.queryValue("object") ?? "",
            meter: req.queryValue("meter") ?? "", from: from, to: to)
        guard let contract else {
            return ReadingsView(contracts: contracts, filters: filters, allObjects: [], objects: [], contractID: nil)
        }
        let meters = Dictionary(grouping: try await HistoryData.MeterRow.all(ofContract: contract.id, on: sql)) {
            $0.energyObjectId
        }
        let all = try await ReadingsData.ObjectRow.all(ofContract: contract.id, on: sql)
            .filter { contract.link.allows(object: $0.id) }
            .map {
                HistoryReadingsPage.Object(
                    id: $0.id, code: $0.code, name: $0.name, address: $0.address, meters: meters[$0.id] ?? [])
            }
        if !all.contains(where: { $0.id == filters.object }) { filters.object = "" }
        let shown = filters.object.isEmpty ? all : all.filter { $0.id == filters.object }
        if !shown.contains(where: { $0.meters.contains { $0.id == filters.meter } }) { filters.meter = "" }
        return ReadingsView(
            contracts: contracts, filters: filters, allObjects: all, objects: shown, contractID: contract.id)
    }

    @Sendable func readings(req: Request) async throws -> Response {
        let view = try await readingsView(req)
        var readings: [HistoryData.Reading] = []
        if let contractID = view.contractID, !view.filters.meter.isEmpty {
            readings = try await HistoryData.Reading.all(
                ofContract: contractID, meter: view.filters.meter, from: view.filters.from, to: view.filters.to,
                format: req.dates, on: req.db.sql)
        }
        return HistoryReadingsPage(
            context: req.shellContext, contracts: choices(view.contracts), filters: view.filters,
            allObjects: view.allObjects, objects: view.objects, readings: readings
        ).render().response()
    }

    /// What the readings tab shows, as `.xlsx`: the chosen meter's readings, or those of every shown object.
    @Sendable func readingsDownload(req: Request) async throws -> Response {
        let view = try await readingsView(req)
        guard let contractID = view.contractID else { throw Abort(.notFound) }
        let shown = Set(view.objects.map(\.id))
        let readings = try await HistoryData.Reading.all(
            ofContract: contractID, meter: view.filters.meter.isEmpty ? nil : view.filters.meter,
            from: view.filters.from, to: view.filters.to,
            format: req.dates, on: req.db.sql
        ).filter { shown.contains($0.objectId) }
        let writer = try WorkbookWriter()
        let sheet = try writer.addSheet(
            "История показаний",
            columns: [
                .init(width: 30), .init(width: 14), .init(width: 18), .init(width: 12),
                .init(width: 16, numberFormat: "0.000"), .init(width: 12), .init(width: 20),
            ], freezeHeader: true, protected: false)
        try writer.appendRow(
            ["Энергообъект", "Номер ПУ", "Шкала", "Период", "Показания", "Дата", "Источник"].map { .string($0) },
            to: sheet, bold: true)
        for reading in readings {
            try writer.appendRow(
                [
                    .string(reading.objectName), .string(reading.meterNumber), .string(reading.channelTitle),
                    .string(reading.period), .number(Double(reading.valueMilli) / 1000), .string(reading.date),
                    .string(reading.sourceTitle),
                ], to: sheet)
        }
        let name = "История показаний \(view.filters.contract) \(view.filters.from)—\(view.filters.to).xlsx"
        return .xlsx(try writer.finish(), disposition: Response.attachment(fileName: name))
    }

    // MARK: - «Заказы»

    @Sendable func orders(req: Request) async throws -> Response {
        let account = try req.signedIn()
        var form = HistoryOrdersPage.Form()
        let last = currentMonth(req).previous
        form.from = last.monthsBefore(11).description
        form.to = last.description
        var notice: String?
        if let number = req.queryValue("ordered").flatMap({ Int64($0) }) {
            notice = "Заказ № \(number) принят. Акт сверки будет готов через несколько минут; мы сообщим о нем письмом."
        }
        return try await ordersPage(req, account: account, form: form, notice: notice).render().response()
    }

    private func ordersPage(_ req: Request, account: Account, form: HistoryOrdersPage.Form, notice: String?)
        async throws -> HistoryOrdersPage
    {
        let contracts = try await HistoryData.contracts(
            of: account.id!, allowing: .requestReconciliationAct, on: req.db.sql)
        let page = max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1))
        let (rows, total) = try await HistoryData.OrderRow.page(of: account.id!, page: page, on: req.db.sql)
        return HistoryOrdersPage(
            context: req.shellContext, contracts: choices(contracts), rows: rows, total: total, page: page,
            form: form, notice: notice, dates: req.dates)
    }

    @Sendable func order(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let fields = try req.formFields()
        let contracts = try await HistoryData.contracts(
            of: account.id!, allowing: .requestReconciliationAct, on: req.db.sql)
        var form = HistoryOrdersPage.Form(
            contract: fields["contract"] ?? "", from: fields["from"] ?? "", to: fields["to"] ?? "")
        let contract = contracts.first { $0.number == form.contract }
        if contract == nil { form.errors["contract"] = "Выберите договор" }
        let from = HistoryData.month(form.from)
        let to = HistoryData.month(form.to)
        let current = currentMonth(req)
        if from == nil { form.errors["from"] = form.from.isEmpty ? "Укажите месяц" : "Укажите месяц в формате ГГГГ-ММ" }
        if to == nil { form.errors["to"] = form.to.isEmpty ? "Укажите месяц" : "Укажите месяц в формате ГГГГ-ММ" }
        if let from, let to {
            if from > to {
                form.errors["from"] = "Месяц «С» позже месяца «По»"
            } else if to > current {
                form.errors["to"] = "Акт сверки составляется за прошедшие и текущий месяцы"
            } else if to.monthsSince(from) >= Self.longestAct {
                form.errors["from"] = "Период акта сверки — не больше 5 лет"
            }
        }
        guard form.errors.isEmpty, let contract, let from, let to else {
            return try await ordersPage(req, account: account, form: form, notice: nil).render()
                .response(status: .unprocessableEntity)
        }
        if let wait = try await Throttle.check(req, [("order:\(account.id!)", Self.emailsPerHour)], window: 3600) {
            form.errors["contract"] = "Слишком много заказов. Повторите через \(Throttle.minutes(wait))"
            return try await ordersPage(req, account: account, form: form, notice: nil).render()
                .response(status: .tooManyRequests)
        }
        let (accountID, now) = (account.id!, req.now)
        let placed = try await req.db.conflictRetryingTransaction { tx in
            try await Orders.place(
                kind: .reconciliation, accountID: accountID, contractID: contract.id, from: from, to: to, now: now,
                on: tx)
        }
        try await AuditLog.record(
            "history.reconciliation.order", subject: contract.number,
            details: ["order": String(placed.number), "from": from.description, "to": to.description], request: req)
        return req.redirect(to: SitePath.historyOrders.path + "?ordered=\(placed.number)")
    }

    struct OrderFileRow: Decodable {
        let contractId: String
        let fileName: String?
        let fileData: Data?
    }

    /// A ready order's PDF, for the account that placed it while it still holds the contract.
    @Sendable func orderFile(req: Request) async throws -> Response {
        let account = try req.signedIn()
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let row = try await req.db.sql.raw(
                """
                SELECT contract_id, file_name, file_data FROM orders
                WHERE id = \(bind: id) AND account_id = \(bind: account.id!)
                """
            ).first(decoding: OrderFileRow.self, with: .snakeCase),
            let data = row.fileData,
            let link = try await ContractLink.query(on: req.db).filter(\.$accountID == account.id!)
                .filter(\.$contractID == row.contractId).first(),
            link.allows(.requestReconciliationAct)
        else { throw Abort(.notFound) }
        return .pdf(data, fileName: row.fileName ?? "Акт сверки.pdf")
    }
}

extension BillingPeriod {
    /// The month `count` months before this one.
    func monthsBefore(_ count: Int) -> BillingPeriod {
        var period = self
        for _ in 0..<max(0, count) { period = period.previous }
        return period
    }

    /// How many months lie from `earlier` to this one (0 for the same month).
    func monthsSince(_ earlier: BillingPeriod) -> Int {
        (year - earlier.year) * 12 + (month - earlier.month)
    }
}

extension Response {
    /// A PDF opened in the browser, saved under `fileName` (Russian names in RFC 6266's `filename*`).
    static func pdf(_ data: Data, fileName: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: "application/pdf")
        response.headers.replaceOrAdd(name: .contentDisposition, value: disposition("inline", fileName: fileName))
        return response
    }

    /// `attachment` with `fileName`.
    static func attachment(fileName: String) -> String { disposition("attachment", fileName: fileName) }

    /// An ASCII fallback name and the real one percent-encoded in UTF-8.
    static func disposition(_ kind: String, fileName: String) -> String {
        let encoded = URLQuery.component(fileName)
        let ext = (fileName as NSString).pathExtension.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return "\(kind); filename=\"document\(ext.isEmpty ? "" : "." + ext)\"; filename*=UTF-8''\(encoded)"
    }
}
