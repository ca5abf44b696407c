import Foundation
import Markup
import PortalDomain

/// The payment form (manual §4.2, figure 9): the contract's documents preselected and the amount editable,
/// or one document with its amount fixed; «привязанной картой» / «новой картой»; «Перейти к оплате».
struct PaymentForm: Sendable {
    let card: PaymentsData.Card
    let savedCards: [PaymentsData.SavedCard]
    let csrf: String
    var document: PaymentsData.Document?
    var amountText: String
    var selected: Set<String>
    var method = "new"
    /// Saving the card is the person's choice: unticked until ticked.
    var saveCard = false
    var errors = FormErrors()

    init(card: PaymentsData.Card, savedCards: [PaymentsData.SavedCard], csrf: String) {
        self.card = card
        self.savedCards = savedCards
        self.csrf = csrf
        selected = Set(card.dueDocuments.map(\.id))
        amountText = card.due > .zero ? card.due.plain(separator: ",") : ""
        method = savedCards.last?.id.uuidString ?? "new"
    }

    static func field(_ documentID: String) -> String { "d_" + ReadingFields.hex(documentID) }

    var title: String {
        document.map { "Оплата документа № \($0.number)" } ?? "Оплата по договору № \(card.number)"
    }

    func render(id: String) -> HTML {
        """
        <form class="pay-form" method="post" action="\(SitePath.paymentsPay.path)" novalidate data-pay-form>
        \(Forms.csrf(csrf))
        <input type="hidden" name="contract" value="\(card.number)">
        \(document.map { document -> HTML in "<input type=\"hidden\" name=\"document\" value=\"\(document.id)\">" })
        \(document == nil ? debtPart(id) : documentPart)
        <div class="field\(errors["method"] == nil ? "" : " field-invalid")"><label for="\(id)-method">Способ оплаты</label>
        <select id="\(id)-method" name="method" data-method>\(each: savedCards, savedOption)<option value="new"\(flag: "selected", method == "new")>новой картой</option></select>
        \(errors["method"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
        <div data-save-card\(flag: "hidden", method != "new" && !savedCards.isEmpty)>\(Forms.checkbox(name: "save", label: "Привязать карту для следующих оплат", checked: saveCard))<p class="hint">Платежный сервис запомнит карту, и в следующий раз ее не нужно будет вводить. Удалить привязанную карту можно в профиле.</p></div>
        <div class="page-actions"><button class="button" type="submit">Перейти к оплате</button></div>
        </form>
        """
    }

    func savedOption(_ saved: PaymentsData.SavedCard) -> HTML {
        "<option value=\"\(saved.id.uuidString)\"\(flag: "selected", method == saved.id.uuidString)>привязанной картой \(saved.title)</option>"
    }

    var documentPart: HTML {
        guard let document else { return .empty }
        return """
            <p>\(document.number) · \(document.saleKind), оплатить до \(ContractCard.date(document.dueOn))</p>
            <p class="pay-amount">Сумма: <b>\(document.due.formatted)</b></p>
            <p class="hint">При оплате документа сумма не изменяется — так деньги будут зачтены именно в счет этого документа.</p>
            """
    }

    func debtPart(_ id: String) -> HTML {
        """
        \(card.dueDocuments.isEmpty ? HTML(trusted: "<p class=\"hint\">Документов к оплате нет: сумма будет зачислена в счет предоплаты по договору.</p>") : documentChoice)
        <div class="field\(errors["amount"] == nil ? "" : " field-invalid")"><label for="\(id)-amount">Сумма, ₽</label>
        <input id="\(id)-amount" name="amount" inputmode="decimal" autocomplete="off" value="\(amountText)" data-amount\(attr: "aria-describedby", errors["amount"] == nil ? nil : "\(id)-amount-error")\(attr: "aria-invalid", errors["amount"] == nil ? nil : "true")>
        \(errors["amount"].map { message -> HTML in "<p class=\"field-error\" id=\"\(id)-amount-error\">\(message)</p>" })
        <p class="hint">Сумму можно изменить. Сумма сверх выбранных документов будет зачислена в счет предоплаты.</p></div>
        """
    }

    var documentChoice: HTML {
        """
        <fieldset class="field"><legend>Документы</legend>
        \(each: card.dueDocuments, documentCheckbox)
        </fieldset>
        """
    }

    func documentCheckbox(_ document: PaymentsData.Document) -> HTML {
        "<label class=\"checkbox\"><input type=\"checkbox\" name=\"\(Self.field(document.id))\"\(flag: "checked", selected.contains(document.id)) data-due=\"\(String(document.due.kopecks))\"> \(document.number) · \(document.saleKind) — \(document.due.formatted)</label>"
    }
}

/// «Оплата»: a card per contract, the payment window, «График счетов и оплат».
struct PaymentsPage: Sendable {
    var context: ShellContext
    var csrf: String
    var data: PaymentsData
    var emailConfirmed: Bool

    /// A page with one contract's debt in two documents, an advance, an overpayment and its chart.
    static let mock: PaymentsPage = {
        var card = PaymentsData.Card(
            contractID: "K-1", number: "74070100000001", name: "ООО «Ромашка», склад", role: .manager)
        card.documents = [
            PaymentsData.Document(
                id: "D-1", number: "1101/10", saleKind: "Электроэнергия", dueOn: "2026-11-18",
                outstanding: Money(kopecks: 1_234_567), awaiting: .zero),
            PaymentsData.Document(
                id: "D-2", number: "1101/11", saleKind: "Электроэнергия", dueOn: "2026-12-18",
                outstanding: Money(kopecks: 50_000), awaiting: Money(kopecks: 20_000)),
        ]
        card.advances = [(kind: "Электроэнергия", amount: Money(kopecks: 300_000))]
        card.overpayment = Money(kopecks: 1_500)
        var data = PaymentsData(cards: [card])
        var month = BillingPeriod(year: 2026, month: 11)!
        var months: [(period: BillingPeriod, invoiced: Money, paid: Money)] = []
        for index in 0..<12 {
            months.insert((month, Money(kopecks: Int64(100_000 + index * 1_000)), Money(kopecks: 90_000)), at: 0)
            month = month.previous
        }
        data.chart = PaymentsData.Chart(contractNumber: card.number, months: months)
        return PaymentsPage(context: .mock, csrf: "token", data: data, emailConfirmed: true)
    }()

    static let unconfirmedMessage = "Оплата недоступна: в профиле не подтвержден e-mail. На него придет чек об оплате."

    func render() -> HTML {
        Layout.page(
            title: "Оплата", context: context,
            content: """
                <div class="page-head"><h1>Оплата</h1><a class="button button-secondary" href="\(SitePath.contractAdd.path)">Добавить договор</a></div>
                \(emailConfirmed ? HTML.empty : Self.unconfirmed)
                \(data.cards.isEmpty ? empty : HTML.join(data.cards.map(card), separator: "\n"))
                \(data.chart.map(chartSection))
                """)
    }

    static var unconfirmed: HTML {
        "<div class=\"alert alert-error\" role=\"alert\">\(unconfirmedMessage) <a href=\"\(SitePath.profile.path)\">Подтвердить e-mail в профиле</a></div>"
    }

    var empty: HTML {
        "<p class=\"empty\">Нет договоров, по которым вам доступна оплата. Добавьте договор, чтобы видеть задолженность и оплачивать счета.</p>"
    }

    func card(_ card: PaymentsData.Card) -> HTML {
        let id = "pay-" + card.number
        let payable = card.canPay && emailConfirmed
        let awaiting = card.documents.reduce(card.awaitingAdvance) { $0 + $1.awaiting }
        return """
            <section class="pay-card" aria-labelledby="\(id)-title">
            <div class="pay-card-head">
            <div><h2 id="\(id)-title"><a href="\(SitePath.contract(card.number).path)">Договор № \(card.number)</a></h2><p class="muted">\(card.name)</p></div>
            <div class="pay-due"><span>К оплате</span><b data-due-total>\(card.due.formatted)</b></div>
            \(payable ? HTML(trusted: "<a class=\"button\" href=\"\(SitePath.paymentsPay.path)?contract=\(card.number)\" data-pay-window>Оплатить</a>") : HTML.empty)
            </div>
            \(awaiting > .zero ? HTML(trusted: "<p class=\"hint\">Оплачено картой и ожидает зачисления: \(awaiting.formatted)</p>") : HTML.empty)
            <details class="pay-details"><summary>Счета на оплату и аванс</summary>
            \(documentsTable(card, payable: payable))
            \(advancesTable(card))
            </details>
            </section>
            """
    }

    /// The payment window: fetched by the page's script when «Оплатить» is pressed (`?window=1` of the form's
    /// page), so the page does not carry a hidden form per contract.
    static func dialog(_ form: PaymentForm, emailConfirmed: Bool) -> HTML {
        let id = "pay-" + form.card.number
        return """
            <dialog id="\(id)-dialog" class="dialog" aria-labelledby="\(id)-dialog-title">
            <h2 id="\(id)-dialog-title">\(form.title)</h2>
            \(emailConfirmed ? form.render(id: id) : unconfirmed)
            <button class="dialog-close" type="button" data-dialog-close aria-label="Закрыть">×</button>
            </dialog>
            """
    }

    func documentsTable(_ card: PaymentsData.Card, payable: Bool) -> HTML {
        guard !card.documents.isEmpty else { return "<p class=\"empty\">Неоплаченных счетов нет.</p>" }
        let rows = card.documents.map { document -> HTML in
            let action: HTML =
                document.due == .zero
                ? "<span class=\"badge-status\">Оплачен, ожидает зачисления</span>"
                : payable
                    ? "<a href=\"\(SitePath.paymentsPay.path)?contract=\(card.number)&document=\(URLQuery.component(document.id))\">Оплатить</a>"
                    : .empty
            return """
                <tr><td>\(document.number)<br><small>\(document.saleKind)</small></td><td>\(ContractCard.date(document.dueOn))</td><td class="num">\(document.due.formatted)</td><td>\(action)</td></tr>
                """
        }
        return """
            <h3>Счета на оплату</h3>
            <div class="table-scroll"><table class="table"><thead><tr><th>Номер документа и вид реализации</th><th>Оплатить до</th><th class="num">К оплате</th><th></th></tr></thead>
            <tbody>\(HTML.join(rows, separator: "\n"))</tbody></table></div>
            """
    }

    func advancesTable(_ card: PaymentsData.Card) -> HTML {
        var rows = card.advances.map {
            "<tr><td>\($0.kind)</td><td class=\"num\">\($0.amount.formatted)</td></tr>" as HTML
        }
        if card.overpayment > .zero {
            rows.append("<tr><td>Переплата</td><td class=\"num\">\(card.overpayment.formatted)</td></tr>")
        }
        guard !rows.isEmpty else { return .empty }
        return """
            <h3>Аванс</h3>
            <table class="table"><thead><tr><th>Вид реализации</th><th class="num">Сумма</th></tr></thead>
            <tbody>\(HTML.join(rows, separator: "\n"))</tbody></table>
            """
    }

    // MARK: «График счетов и оплат» (PAY-6)

    func chartSection(_ chart: PaymentsData.Chart) -> HTML {
        let choices = data.cards.filter { $0.allows(.viewInvoiceChart) }
        return """
            <section class="pay-chart" id="chart" aria-labelledby="chart-title">
            <div class="page-head"><h2 id="chart-title">График счетов и оплат</h2>
            <form method="get" action="\(SitePath.payments.path)#chart" class="chart-choice"><label for="f-chart">Договор</label>
            <select id="f-chart" name="chart" data-autosubmit>\(HTML.join(choices.map { chartOption($0, chosen: chart.contractNumber) }))</select>
            <button class="button button-secondary" type="submit" data-autosubmit-button>Показать</button></form></div>
            \(Self.svg(chart, title: "Выставлено счетов", value: { $0.invoiced }, kind: "invoiced"))
            \(Self.svg(chart, title: "Оплачено", value: { $0.paid }, kind: "paid"))
            <details><summary>Таблица значений</summary>
            <table class="table"><thead><tr><th>Месяц</th><th class="num">Выставлено</th><th class="num">Оплачено</th></tr></thead>
            <tbody>\(HTML.join(chart.months.map(Self.chartRow)))</tbody></table>
            </details>
            </section>
            """
    }

    typealias Month = (period: BillingPeriod, invoiced: Money, paid: Money)

    func chartOption(_ card: PaymentsData.Card, chosen: String) -> HTML {
        "<option value=\"\(card.number)\"\(flag: "selected", card.number == chosen)>\(card.number)</option>"
    }

    static func chartRow(_ month: Month) -> HTML {
        "<tr><td>\(month.period.russianName)</td><td class=\"num\">\(month.invoiced.formatted)</td><td class=\"num\">\(month.paid.formatted)</td></tr>"
    }

    /// A line chart by month drawn on the server; each point carries its month and sum as a tooltip.
    static func svg(_ chart: PaymentsData.Chart, title: String, value: (Month) -> Money, kind: String) -> HTML {
        let width = 720.0
        let height = 180.0
        let left = 10.0
        let bottom = 24.0
        let top = 16.0
        let values = chart.months.map { Double(value($0).kopecks) }
        let maximum = max(values.max() ?? 0, 1)
        let step = (width - 2 * left) / Double(max(1, values.count - 1))
        let points = values.enumerated().map { index, amount in
            (left + Double(index) * step, top + (height - top - bottom) * (1 - amount / maximum))
        }
        let line = points.map { "\(Int($0.0.rounded())),\(Int($0.1.rounded()))" }.joined(separator: " ")
        var marks: [HTML] = []
        for (index, month) in chart.months.enumerated() {
            let (x, y) = points[index]
            let label = "\(month.period.russianName): \(value(month).formatted)"
            marks.append(
                "<circle class=\"chart-point\" cx=\"\(String(Int(x.rounded())))\" cy=\"\(String(Int(y.rounded())))\" r=\"5\" tabindex=\"0\" data-label=\"\(label)\"><title>\(label)</title></circle>"
            )
            marks.append(
                "<text x=\"\(String(Int(x.rounded())))\" y=\"\(String(Int(height - 6)))\" text-anchor=\"middle\">\(shortMonth(month.period))</text>"
            )
        }
        return """
            <figure class="chart chart-\(kind)"><figcaption>\(title)</figcaption>
            <svg viewBox="0 0 \(String(Int(width))) \(String(Int(height)))" role="img" aria-label="\(title) по месяцам за 12 месяцев">
            <line class="chart-axis" x1="0" y1="\(String(Int(height - bottom)))" x2="\(String(Int(width)))" y2="\(String(Int(height - bottom)))"/>
            <text class="chart-scale" x="0" y="10">\(Money(kopecks: Int64(values.max() ?? 0)).formatted)</text>
            <polyline class="chart-line" points="\(line)" fill="none"/>
            \(HTML.join(marks, separator: "\n"))
            </svg></figure>
            """
    }

    static func shortMonth(_ period: BillingPeriod) -> String {
        let names = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]
        return names[period.month - 1] + " " + String(period.year % 100)
    }

    // MARK: Other pages

    static func formPage(_ form: PaymentForm, context: ShellContext, emailConfirmed: Bool) -> HTML {
        Layout.page(
            title: form.title, context: context,
            content: """
                <p class="breadcrumbs"><a href="\(SitePath.payments.path)">Оплата</a></p>
                <h1>\(form.title)</h1>
                \(emailConfirmed ? form.render(id: "pay") : unconfirmed)
                """)
    }

    static func returnPage(_ payment: PaymentProcessing.Payment, contractNumber: String, context: ShellContext)
        -> HTML
    {
        let state = payment.paymentState
        let body: HTML
        switch state {
        case .succeeded:
            body = """
                <div class="alert alert-info" role="status"><b>Оплата прошла успешно.</b> \(payment.amount.formatted) по договору № \(contractNumber)\(payment.cardTitle.map { ", \($0)" } ?? "").</div>
                <p>Оплаченные документы отмечены на странице «Оплата» как ожидающие зачисления, пока сбытовая компания не получит деньги. \(payment.acquirer == "sandbox" ? "Тестовый чек придет на ваш e-mail." : "Чек пришлет на ваш e-mail платежный сервис.")</p>
                """
        case .canceled:
            body = """
                <div class="alert alert-error" role="alert"><b>Платеж не выполнен.</b> \(payment.failure ?? "Оплата не прошла").</div>
                <p>Деньги не списаны. Можно попробовать снова или выбрать другую карту.</p>
                """
        case .created, .pending:
            body = """
                <div class="alert alert-info" role="status" data-payment-pending><b>Платеж обрабатывается.</b> \(payment.amount.formatted) по договору № \(contractNumber). Страница обновится сама, когда банк подтвердит оплату.</div>
                <p>Не оплачивайте повторно: результат появится здесь и на странице «Оплата».</p>
                """
        }
        return Layout.page(
            title: state.title, context: context,
            content: """
                <h1>\(state.title)</h1>
                \(body)
                <p><a class="button" href="\(SitePath.payments.path)">Вернуться к оплате</a></p>
                \(state.isFinal ? HTML.empty : HTML(trusted: "<meta http-equiv=\"refresh\" content=\"3\">"))
                """)
    }
}
