import Foundation
import Markup
import PortalDomain

/// The tabs of «История» (manual §6), above each of its pages.
enum HistoryTabs {
    static let all: [(title: String, path: SitePath)] = [
        ("Документы", .historyDocuments), ("Платежи", .historyPayments), ("Показания", .historyReadings),
        ("Заказы", .historyOrders),
    ]

    static func html(current: SitePath) -> HTML {
        let links = all.map { tab -> HTML in
            let active = tab.path.path == current.path
            return
                "<a class=\"tab\(active ? " active" : "")\" href=\"\(tab.path.path)\"\(active ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(tab.title)</a>"
        }
        return "<nav class=\"tabs\" aria-label=\"Разделы истории\">\(HTML.join(links, separator: ""))</nav>"
    }

    /// «Страница 2 из 5» with the links before and after.
    static func pager(page: Int, total: Int, pageSize: Int, href: (Int) -> String) -> HTML {
        let pages = max(1, (total + pageSize - 1) / pageSize)
        guard pages > 1 else { return .empty }
        let previous: HTML = page > 1 ? "<a href=\"\(href(page - 1))\" rel=\"prev\">← Назад</a>" : .empty
        let next: HTML = page < pages ? "<a href=\"\(href(page + 1))\" rel=\"next\">Вперед →</a>" : .empty
        return
            "<nav class=\"pager\" aria-label=\"Страницы списка\">\(previous) <span>Страница \(String(page)) из \(String(pages))</span> \(next)</nav>"
    }
}

// MARK: - «Документы»

struct HistoryDocumentsPage {
    var context: ShellContext
    var contracts: [ContractOption]
    var filters: HistoryData.DocumentFilters
    var rows: [HistoryData.DocumentRow]
    var total: Int
    var notice: String?

    static let mock = HistoryDocumentsPage(
        context: .mock, contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")],
        filters: .init(),
        rows: [
            .init(
                id: "c1-invoiceFacture-2026-11", type: DocumentType.invoiceFacture.rawValue, number: "СФ-1/11",
                issuedOn: "2026-12-05", period: "2026-11", contractNumber: "74070100000001", fileSize: 0),
            .init(
                id: "c1-paymentInvoice-2026-11", type: DocumentType.paymentInvoice.rawValue, number: "СЧ-1/11",
                issuedOn: "2026-12-05", period: "2026-11", contractNumber: "74070100000001", fileSize: 0),
        ], total: 2)

    func render() -> HTML {
        Layout.page(
            title: "История", context: context,
            content: """
                <h1>История</h1>
                \(HistoryTabs.html(current: .historyDocuments))
                \(Forms.alert(notice, kind: "success"))
                <form class="filters" method="get" action="\(SitePath.historyDocuments.path)">
                <div class="field"><label for="f-contract">Договор</label>
                <select id="f-contract" name="contract">\(Forms.contractOptions(contracts, selected: filters.contract, all: true))</select></div>
                <div class="field"><label for="f-type">Тип документа</label>
                <select id="f-type" name="type"><option value="">Все</option>\(each: DocumentType.allCases, typeOption)</select></div>
                <div class="field"><label for="f-from">Период с</label>
                <input id="f-from" name="from" type="month" value="\(filters.from?.description ?? "")"></div>
                <div class="field"><label for="f-to">по</label>
                <input id="f-to" name="to" type="month" value="\(filters.to?.description ?? "")"></div>
                <button class="button button-secondary" type="submit">Применить</button>
                </form>
                \(list)
                \(HistoryTabs.pager(page: filters.page, total: total, pageSize: HistoryData.pageSize) { SitePath.historyDocuments.path + filters.query(page: $0) })
                """)
    }

    func typeOption(_ type: DocumentType) -> HTML {
        "<option value=\"\(type.rawValue)\"\(flag: "selected", type == filters.type)>\(type.title.lowercased())</option>"
    }

    var list: HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">Документов за выбранный период нет.</p>" }
        return """
            <div class="table-scroll"><table class="table history-documents">
            <thead><tr><th scope="col">Документ</th><th scope="col">Период</th><th scope="col">Договор</th><th scope="col">Действия</th></tr></thead>
            <tbody>\(each: rows, row)</tbody></table></div>
            """
    }

    func row(_ document: HistoryData.DocumentRow) -> HTML {
        let title =
            "\(document.documentType?.title ?? document.type) № \(document.number) от \(HistoryData.date(document.issuedOn))"
        let query = HistoryData.query([("id", document.id)])
        let period = BillingPeriod(document.period)?.russianName ?? document.period
        return """
            <tr><td>\(title)</td><td>\(period)</td><td>№ \(document.contractNumber)</td>
            <td class="actions"><a class="icon-link" href="\(SitePath.historyDocumentFile.path + query)" target="_blank" rel="noopener" title="Скачать" aria-label="Скачать: \(title)">\(Icons.download)</a>
            <a class="icon-link" href="\(SitePath.historyDocumentSend.path + query)" title="Отправить на e-mail" aria-label="Отправить на e-mail: \(title)">\(Icons.mail)</a></td></tr>
            """
    }
}

/// «Отправка файла» (figure 16): the address a document goes to.
struct HistorySendPage {
    var context: ShellContext
    var documentID: String
    var title: String
    var email: String
    var error: String?
    /// Set when the document is too large to open in the browser and is offered by e-mail instead.
    var tooLarge = false

    static let mock = HistorySendPage(
        context: .mock, documentID: "c1-invoiceFacture-2026-11", title: "Счет-фактура № СФ-1/11 от 05.12.2026",
        email: "buh@romashka.ru")

    func render() -> HTML {
        Layout.page(
            title: "Отправка файла", context: context,
            content: """
                <h1>Отправка файла</h1>
                <p>\(title)</p>
                \(tooLarge ? Forms.alert("Документ большого объема: он будет отправлен на электронную почту.", kind: "info") : .empty)
                <form class="form narrow" method="post" action="\(SitePath.historyDocumentSend.path)" novalidate>
                \(Forms.csrf(context.csrf ?? ""))
                <input type="hidden" name="id" value="\(documentID)">
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: email, error: error, autocomplete: "email"))
                <div class="page-actions"><a class="button button-secondary" href="\(SitePath.historyDocuments.path)">Отмена</a> <button class="button" type="submit">Отправить</button></div>
                </form>
                """)
    }
}

// MARK: - «Платежи»

struct HistoryPaymentsPage {
    var context: ShellContext
    var contracts: [ContractOption]
    var contract: String
    var month: BillingPeriod
    var payments: [HistoryData.Payment]

    static let mock = HistoryPaymentsPage(
        context: .mock, contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")], contract: "",
        month: BillingPeriod(year: 2026, month: 12)!,
        payments: [
            .init(
                date: "04.12.2026", contractNumber: "74070100000001", amount: Money(kopecks: 12_345_67),
                purpose: "Оплата по счету 11-1/1", state: "Поступил"),
            .init(
                date: "06.12.2026", contractNumber: "74070100000001", amount: Money(kopecks: 5_000_00),
                purpose: "Онлайн-оплата картой", state: "Оплачен, ожидает зачисления"),
        ])

    func render() -> HTML {
        let total = payments.filter { $0.state == "Поступил" }.reduce(Money.zero) { $0 + $1.amount }
        return Layout.page(
            title: "История", context: context,
            content: """
                <h1>История</h1>
                \(HistoryTabs.html(current: .historyPayments))
                <form class="filters" method="get" action="\(SitePath.historyPayments.path)">
                <div class="field"><label for="f-contract">Договор</label>
                <select id="f-contract" name="contract">\(Forms.contractOptions(contracts, selected: contract, all: true))</select></div>
                <div class="field"><label for="f-month">Период</label>
                <input id="f-month" name="month" type="month" value="\(month.description)"></div>
                <button class="button button-secondary" type="submit">Применить</button>
                </form>
                <h2>Платежи за \(month.russianName)</h2>
                \(list)
                \(payments.isEmpty ? HTML.empty : "<p>Поступило за месяц: <strong>\(total.formatted)</strong></p>")
                """)
    }

    var list: HTML {
        guard !payments.isEmpty else { return "<p class=\"empty\">Платежей за выбранный период нет.</p>" }
        return """
            <div class="table-scroll"><table class="table">
            <thead><tr><th scope="col">Дата</th><th scope="col">Договор</th><th scope="col">Сумма</th><th scope="col">Назначение</th><th scope="col">Статус</th></tr></thead>
            <tbody>\(each: payments, row)</tbody></table></div>
            """
    }

    func row(_ payment: HistoryData.Payment) -> HTML {
        "<tr><td>\(payment.date)</td><td>№ \(payment.contractNumber)</td><td class=\"num\">\(payment.amount.formatted)</td><td>\(payment.purpose)</td><td>\(payment.state)</td></tr>"
    }
}

// MARK: - «Показания»

struct HistoryReadingsPage {
    struct Object: Sendable, Equatable {
        var id: String
        var code: String
        var name: String
        var address: String
        var meters: [HistoryData.MeterRow]
    }

    var context: ShellContext
    var contracts: [ContractOption]
    var filters: HistoryData.ReadingFilters
    /// Every object the link reaches, for the «Адрес ЭО» filter.
    var allObjects: [Object]
    var objects: [Object]
    /// The readings of the chosen meter, when one is chosen.
    var readings: [HistoryData.Reading]

    static let mock = HistoryReadingsPage(
        context: .mock, contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")],
        filters: .init(
            contract: "74070100000001", meter: "m1", from: BillingPeriod(year: 2026, month: 1)!,
            to: BillingPeriod(year: 2026, month: 12)!),
        allObjects: [],
        objects: [
            .init(
                id: "o1", code: "ЭО-1", name: "Цех № 1", address: "г. Челябинск, ул. Заводская, д. 1",
                meters: [.init(id: "m1", energyObjectId: "o1", number: "011234", model: "Меркурий 230")])
        ],
        readings: [
            .init(
                meterId: "m1", meterNumber: "011234", objectId: "o1", objectName: "Цех № 1", quantity: "A+",
                zone: "day",
                period: "2026-11", valueMilli: 12_345_678, source: "billing", date: "01.12.2026")
        ])

    func render() -> HTML {
        Layout.page(
            title: "История", context: context,
            content: """
                <h1>История</h1>
                \(HistoryTabs.html(current: .historyReadings))
                <form class="filters" method="get" action="\(SitePath.historyReadings.path)">
                <div class="field"><label for="f-contract">Договор</label>
                <select id="f-contract" name="contract">\(Forms.contractOptions(contracts, selected: filters.contract, all: false))</select></div>
                <div class="field"><label for="f-object">Адрес ЭО</label>
                <select id="f-object" name="object"><option value="">Все</option>\(each: allObjects, objectOption)</select></div>
                <div class="field"><label for="f-from">С</label>
                <input id="f-from" name="from" type="month" value="\(filters.from.description)"></div>
                <div class="field"><label for="f-to">По</label>
                <input id="f-to" name="to" type="month" value="\(filters.to.description)"></div>
                <button class="button button-secondary" type="submit">Применить</button>
                <a class="icon-link" href="\(SitePath.historyReadingsDownload.path + filters.query())" title="Скачать в Excel" aria-label="Скачать в Excel" download>\(Icons.download)</a>
                </form>
                \(objects.isEmpty ? HTML(trusted: "<p class=\"empty\">Энергообъектов не найдено.</p>") : HTML.join(objects.map(object), separator: ""))
                """)
    }

    func objectOption(_ object: Object) -> HTML {
        "<option value=\"\(object.id)\"\(flag: "selected", object.id == filters.object)>\(object.address) (\(object.name))</option>"
    }

    func object(_ object: Object) -> HTML {
        let open = object.meters.contains { $0.id == filters.meter } || objects.count == 1
        return """
            <details class="eo"\(flag: "open", open)>
            <summary><span class="eo-code">\(object.code)</span> <span class="eo-name">\(object.name)</span> <span class="eo-address">\(object.address)</span></summary>
            <ul class="meters">\(each: object.meters, meter)</ul>
            </details>
            """
    }

    func meter(_ meter: HistoryData.MeterRow) -> HTML {
        let chosen = meter.id == filters.meter
        let link: HTML =
            "<a href=\"\(SitePath.historyReadings.path + filters.query(meter: meter.id))#meter-\(meter.id)\"\(chosen ? HTML(trusted: " aria-current=\"true\"") : .empty)>ПУ № \(meter.number)</a> <span class=\"muted\">\(meter.model)</span>"
        guard chosen else { return "<li>\(link)</li>" }
        let table: HTML =
            readings.isEmpty
            ? "<p class=\"empty\">Показаний за выбранный период нет.</p>"
            : """
            <div class="table-scroll"><table class="table">
            <thead><tr><th scope="col">Период</th><th scope="col">Шкала</th><th scope="col">Показания</th><th scope="col">Дата</th><th scope="col">Источник</th></tr></thead>
            <tbody>\(each: readings, readingRow)</tbody></table></div>
            """
        return "<li id=\"meter-\(meter.id)\">\(link)\(table)</li>"
    }

    func readingRow(_ reading: HistoryData.Reading) -> HTML {
        let period = BillingPeriod(reading.period)?.russianName ?? reading.period
        return
            "<tr><td>\(period)</td><td>\(reading.channelTitle)</td><td class=\"num\">\(HistoryData.reading(reading.valueMilli))</td><td>\(reading.date)</td><td>\(reading.sourceTitle)</td></tr>"
    }
}

// MARK: - «Заказы»

struct HistoryOrdersPage {
    var context: ShellContext
    /// Contracts on which the role may request an акт сверки.
    var contracts: [ContractOption]
    var rows: [HistoryData.OrderRow]
    var total: Int
    var page: Int
    var form: Form
    var notice: String?
    var dates = RussianDateFormat(timeZone: TimeZone(identifier: "Europe/Moscow")!)

    struct Form: Sendable, Equatable {
        var contract = ""
        var from = ""
        var to = ""
        var errors: [String: String] = [:]
    }

    static let mock = HistoryOrdersPage(
        context: .mock, contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")],
        rows: [
            .init(
                id: UUID(uuidString: "6F1C2A3B-0000-4000-8000-000000000001")!, number: 12, kind: "reconciliation",
                status: "ready", periodFrom: "2026-01-01", periodTo: "2026-11-30", documentTitle: nil, email: nil,
                createdAt: Date(timeIntervalSince1970: 1_796_600_000), contractNumber: "74070100000001", hasFile: 1)
        ], total: 1, page: 1, form: .init(contract: "74070100000001", from: "2026-01", to: "2026-11"))

    func render() -> HTML {
        Layout.page(
            title: "История", context: context,
            content: """
                <h1>История</h1>
                \(HistoryTabs.html(current: .historyOrders))
                \(Forms.alert(notice, kind: "success"))
                \(contracts.isEmpty ? HTML.empty : requestForm)
                <h2>Заказы</h2>
                \(list)
                \(HistoryTabs.pager(page: page, total: total, pageSize: HistoryData.pageSize) { SitePath.historyOrders.path + "?page=\($0)" })
                """)
    }

    var requestForm: HTML {
        func error(_ name: String) -> HTML {
            form.errors[name].map { "<p class=\"field-error\" id=\"f-\(name)-error\">\($0)</p>" } ?? .empty
        }
        func invalid(_ name: String) -> HTML {
            form.errors[name] == nil
                ? .empty : HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"f-\(name)-error\"")
        }
        return """
            <section class="card"><h2>Запрос акта сверки</h2>
            <form class="filters" method="post" action="\(SitePath.historyOrders.path)" novalidate>
            \(Forms.csrf(context.csrf ?? ""))
            <div class="field\(form.errors["contract"] == nil ? "" : " field-invalid")"><label for="f-contract">Договор</label>
            <select id="f-contract" name="contract"\(invalid("contract"))>\(Forms.contractOptions(contracts, selected: form.contract, all: false))</select>\(error("contract"))</div>
            <div class="field\(form.errors["from"] == nil ? "" : " field-invalid")"><label for="f-from">С</label>
            <input id="f-from" name="from" type="month" value="\(form.from)" required\(invalid("from"))>\(error("from"))</div>
            <div class="field\(form.errors["to"] == nil ? "" : " field-invalid")"><label for="f-to">По</label>
            <input id="f-to" name="to" type="month" value="\(form.to)" required\(invalid("to"))>\(error("to"))</div>
            <button class="button" type="submit">Запросить акт сверки</button>
            </form></section>
            """
    }

    var list: HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">Заказов пока нет.</p>" }
        return """
            <div class="table-scroll"><table class="table">
            <thead><tr><th scope="col">№</th><th scope="col">Заказ</th><th scope="col">Договор</th><th scope="col">Создан</th><th scope="col">Статус</th><th scope="col">Файл</th></tr></thead>
            <tbody>\(each: rows, row)</tbody></table></div>
            """
    }

    func row(_ order: HistoryData.OrderRow) -> HTML {
        let file: HTML =
            order.hasFile == 1
            ? "<a class=\"icon-link\" href=\"\(SitePath.historyOrderFile(order.id.uuidString).path)\" target=\"_blank\" rel=\"noopener\" title=\"Скачать\" aria-label=\"Скачать акт сверки № \(String(order.number))\">\(Icons.download)</a>"
            : .empty
        return
            "<tr><td>\(String(order.number))</td><td>\(order.title)</td><td>№ \(order.contractNumber)</td><td>\(dates.dateTime(order.createdAt))</td><td><span class=\"badge-status\">\(order.statusTitle)</span></td><td>\(file)</td></tr>"
    }
}
