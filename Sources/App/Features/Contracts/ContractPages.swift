import Foundation
import Markup
import PortalDomain

/// «Профиль» → «Договоры» (manual §11.2).
struct ContractsPage: Sendable {
    struct Row: Sendable {
        var number: String
        var name: String
        var customer: String
        var role: String
        /// The contract has no «Администратор»: «Запросить доступ» is offered (ROLE-4).
        var canRequestAccess = false
        /// For the contract's administrator: everyone holding it, shown under the «клювик» (ROLE-5).
        var holders: [(who: String, role: String, objects: String)]?
    }

    struct Pending: Sendable {
        var number: String
        var email: String
        var until: String
    }

    static let addedNotice =
        "Если адрес указан в договоре, на него отправлено письмо со ссылкой для подтверждения. Договор появится в личном кабинете после перехода по ссылке. Без подтверждения заявка будет удалена через 24 часа."

    var context: ShellContext
    var contracts: [Row]
    var pending: [Pending] = []
    var notice: String?
    /// The catalogue's «ЛКК ЮЛ» → «Права доступа», which «Запросить доступ» opens prefilled.
    var accessSection: UUID?

    func render() -> HTML {
        Layout.page(
            title: "Договоры", context: context,
            content: """
                <div class="page-head"><h1>Профиль</h1>
                <a class="button" href="\(SitePath.contractAdd.path)">Добавить договор</a></div>
                \(ProfileTabs.render(current: .contracts))
                \(Forms.alert(notice, kind: "info"))
                \(contracts.isEmpty ? HTML(trusted: "<p class=\"empty\">В личный кабинет еще не добавлено ни одного договора. Для полноценной работы добавьте хотя бы один договор.</p>") : table)
                \(pendingList)
                """)
    }

    var table: HTML {
        """
        <table class="table contracts">
        <thead><tr><th>Номер договора</th><th>Наименование</th><th>Потребитель</th><th>Роль</th><th>Действия</th></tr></thead>
        <tbody>
        \(each: contracts, contractRow)
        </tbody>
        </table>
        """
    }

    func contractRow(_ row: Row) -> HTML {
        let request: HTML =
            row.canRequestAccess
            ? "<a href=\"\(SitePath.appealNew.path)?section=\(accessSection?.uuidString ?? "")&amp;contract=\(row.number)\">Запросить доступ</a>"
            : row.role == Role.administrator.title
                ? "<a href=\"\(SitePath.contractRoles(row.number).path)\">Доступ к договору</a>" : .empty
        let holders: HTML =
            row.holders.map { list in
                let items = list.map { holder -> HTML in
                    "<li>\(holder.who) — \(holder.role); энергообъекты: \(holder.objects)</li>"
                }
                return """
                    <details class="holders"><summary>Пользователи договора (\(String(list.count)))</summary>
                    <ul>\(HTML.join(items, separator: ""))</ul>
                    <p><a href="\(SitePath.contractRoleNew(row.number).path)">Добавить роль</a></p></details>
                    """
            } ?? .empty
        return
            "<tr><td><a href=\"\(SitePath.contract(row.number).path)\">\(row.number)</a></td><td>\(row.name)\(holders)</td><td>\(row.customer)</td><td>\(row.role)</td><td>\(request)</td></tr>"
    }

    var pendingList: HTML {
        guard !pending.isEmpty else { return .empty }
        return """
            <h2>Ожидают подтверждения</h2>
            <ul class="pending">
            \(each: pending, pendingRow)
            </ul>
            """
    }

    func pendingRow(_ item: Pending) -> HTML {
        "<li>Договор № \(item.number): письмо на \(item.email), ссылка действует до \(item.until)</li>"
    }
}

/// The «Добавить договор» window (manual figure 10).
struct AddContractPage: Sendable {
    var context: ShellContext
    var csrf: String
    var number = ""
    var email = ""
    var errors = FormErrors()

    func render() -> HTML {
        Layout.page(
            title: "Добавить договор", context: context,
            content: """
                <div class="modal-backdrop">
                <section class="modal" role="dialog" aria-modal="true" aria-labelledby="add-title">
                <h1 id="add-title">Добавить договор</h1>
                <p>Введите 14-значный номер договора и e-mail, указанный в договоре энергоснабжения в разделе «Реквизиты сторон» или в дополнительных соглашениях. На этот адрес придет письмо со ссылкой для подтверждения.</p>
                \(Forms.alert(errors.form))
                <form method="post" action="\(SitePath.contractAdd.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "number", label: "Номер договора", value: number, error: errors["number"], inputmode: "numeric", autofocus: true))
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: email, error: errors["email"], autocomplete: "off"))
                <button class="button button-wide" type="submit">Сохранить</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.profileContracts.path)">Отмена</a></p>
                </section>
                </div>
                """)
    }
}

/// The page the e-mailed link opens.
struct ConfirmContractPage: Sendable {
    enum State: Sendable {
        case ask(number: String, token: String, csrf: String)
        case done(number: String, signedIn: Bool)
        case invalid
    }

    var context: ShellContext
    var state: State

    func render() -> HTML {
        let body: HTML
        switch state {
        case .ask(let number, let token, let csrf):
            body = """
                <h1>Добавление договора</h1>
                <p>Подтвердите добавление договора № \(number) в личный кабинет.</p>
                <form method="post" action="\(SitePath.contractConfirm.path)">
                \(Forms.csrf(csrf))
                <input type="hidden" name="token" value="\(token)">
                <button class="button button-wide" type="submit">Подтвердить</button>
                </form>
                """
        case .done(let number, let signedIn):
            body = """
                <h1>Договор добавлен</h1>
                <p>Договор № \(number) добавлен в личный кабинет с ролью «\(Role.onAddition.title)».</p>
                <p><a class="button" href="\(signedIn ? SitePath.contract(number).path : SitePath.login.path)">\(signedIn ? "Перейти к договору" : "Войти в личный кабинет")</a></p>
                """
        case .invalid:
            body = """
                <h1>Ссылка недействительна</h1>
                <p>Ссылка уже использована или срок ее действия (24 часа) истек. Добавьте договор еще раз: «Профиль» → «Договоры» → «Добавить договор».</p>
                <p><a href="\(SitePath.profileContracts.path)">Перейти к договорам</a></p>
                """
        }
        return Layout.page(
            title: "Добавление договора", context: context, content: "<section class=\"auth-card\">\(body)</section>")
    }
}

/// The contract page (manual §4.4; CON-2).
struct ContractPage: Sendable {
    var context: ShellContext
    var card: ContractCard
    /// For the contract's «Администратор»: everyone holding it, with role and energy objects (ROLE-5).
    var holders: [(who: String, role: String, objects: String)]?

    /// A card with the contract's details and one page of two meters.
    static let mock = ContractPage(
        context: .mock,
        card: ContractCard(
            contract: ContractCard.Contract(
                id: "K-1", number: "74070100000001", name: "ООО «Ромашка», склад",
                customerFullName: "Общество с ограниченной ответственностью «Ромашка»",
                customerShortName: "ООО «Ромашка»", inn: "6671000010", kpp: "667101001", ogrn: "1026605000001",
                legalAddress: "620014, г. Екатеринбург, ул. Ленина, д. 1", postalAddress: nil,
                customerPhone: "+7 343 000-00-01", priceCategory: 1, contractDate: "2024-01-15",
                emails: "energo@romashka.ru\nbuh@romashka.ru", customerBankName: "ПАО «Банк»",
                customerBik: "046577000", customerAccount: "40702810000000000001",
                customerCorrAccount: "30101810000000000001", supplierName: "АО «Энергосбыт»",
                supplierInn: "6671000020", supplierKpp: nil, supplierBankName: nil, supplierBik: nil,
                supplierAccount: nil, supplierCorrAccount: nil, branchName: "Екатеринбургское отделение",
                branchHead: "Петров П. П.", branchPhone: "+7 343 000-00-02", branchAddress: nil,
                curatorName: "Сидорова С. С.", curatorPhone: nil, curatorEmail: "curator@energosbyt.example"),
            role: .manager,
            meters: [
                ContractCard.Meter(
                    objectId: "EO-1", objectCode: "000101", objectName: "Цех № 1", objectAddress: "г. Екатеринбург",
                    id: "M-1", number: "01234567", model: "Меркурий 230", complexName: "ИК Цех № 1", digits: 6,
                    ratio: 40, verifiedOn: "2025-03-01", hourly: false),
                ContractCard.Meter(
                    objectId: "EO-1", objectCode: "000101", objectName: "Цех № 1", objectAddress: "г. Екатеринбург",
                    id: "M-2", number: "07654321", model: "СЭТ-4ТМ", complexName: "ИК Цех № 1 (2)", digits: 7,
                    ratio: 1, verifiedOn: nil, hourly: true),
            ],
            channels: [
                "M-1": [
                    ContractCard.Channel(meterId: "M-1", quantity: "activeImport", zone: "day"),
                    ContractCard.Channel(meterId: "M-1", quantity: "activeImport", zone: "night"),
                ]
            ], meterCount: 2, meterPage: 1))

    func render() -> HTML {
        let number = card.contract.number
        return Layout.page(
            title: "Договор № \(number)", context: context,
            content: """
                <p class="breadcrumbs"><a href="\(SitePath.profileContracts.path)">Договоры</a></p>
                <div class="page-head"><h1>Договор № \(number)</h1>
                <a class="button button-secondary" href="\(SitePath.contractDownload(number).path)" download>\(Icons.download) Скачать</a></div>
                \(each: card.sections, section)
                <section class="contract-section">
                <h2>Приборы учета</h2>
                \(card.meters.isEmpty ? HTML(trusted: "<p class=\"empty\">Нет приборов учета.</p>") : meters)
                </section>
                \(holders.map { users($0, number: number) } ?? .empty)
                <div class="page-actions">
                <a class="button button-danger" href="\(SitePath.contractRemove(number).path)">Удалить договор</a>
                </div>
                """)
    }

    func users(_ list: [(who: String, role: String, objects: String)], number: String) -> HTML {
        let rows = list.map { holder -> HTML in
            "<tr><td>\(holder.who)</td><td>\(holder.role)</td><td>\(holder.objects)</td></tr>"
        }
        return """
            <section class="contract-section">
            <h2>Пользователи договора</h2>
            <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Пользователь</th><th scope="col">Роль</th><th scope="col">Энергообъекты</th></tr></thead>
            <tbody>\(HTML.join(rows, separator: ""))</tbody></table></div>
            <p><a class="button button-secondary" href="\(SitePath.contractRoleNew(number).path)">Добавить роль</a> <a href="\(SitePath.contractRoles(number).path)">Изменить роли</a></p>
            </section>
            """
    }

    func section(_ section: ContractCard.Section) -> HTML {
        """
        <section class="contract-section">
        <h2>\(section.title)</h2>
        <dl class="details">
        \(each: section.rows.map { ContractCard.Labelled(label: $0.0, value: $0.1) }, detail)
        </dl>
        </section>
        """
    }

    var meters: HTML {
        """
        \(shown)
        <div class="table-scroll"><table class="table meters">
        <thead><tr>\(each: ContractCard.meterColumns, header)</tr></thead>
        <tbody>
        \(each: card.meters, meterRow)
        </tbody>
        </table></div>
        \(pager)
        """
    }

    /// «Приборы 51–100 из 500» above a table that is one page of several.
    var shown: HTML {
        guard let page = card.meterPage, card.meterPageCount > 1 else { return .empty }
        let first = (page - 1) * ContractCard.metersPerPage + 1
        return
            "<p class=\"muted\">Приборы \(String(first))–\(String(first + card.meters.count - 1)) из \(String(card.meterCount))</p>"
    }

    var pager: HTML {
        guard let page = card.meterPage else { return .empty }
        let path = SitePath.contract(card.contract.number).path
        return Pager.html(page: page, count: card.meterPageCount, label: "Страницы приборов учета") {
            "\(path)?page=\($0)"
        }
    }

    func detail(_ row: ContractCard.Labelled) -> HTML { "<dt>\(row.label)</dt><dd>\(row.value)</dd>" }

    func header(_ title: String) -> HTML { "<th>\(title)</th>" }

    func meterRow(_ meter: ContractCard.Meter) -> HTML {
        "<tr><td>\(meter.objectCode)</td><td>\(meter.objectName)</td><td>\(meter.objectAddress)</td><td>\(meter.number)</td><td>\(meter.model)</td><td>\(meter.complexName)</td><td>\(String(meter.digits))</td><td>\(String(meter.ratio))</td><td>\(ContractCard.date(meter.verifiedOn))</td><td>\(meter.hourly ? "Да" : "Нет")</td><td>\(card.channelText(meter))</td></tr>"
    }
}

/// The confirmation window of «Удалить договор» (manual §4.5).
struct RemoveContractPage: Sendable {
    var context: ShellContext
    var csrf: String
    var number: String

    func render() -> HTML {
        Layout.page(
            title: "Удаление договора", context: context,
            content: """
                <div class="modal-backdrop">
                <section class="modal" role="dialog" aria-modal="true" aria-labelledby="remove-title">
                <h1 id="remove-title">Удалить договор?</h1>
                <p>Договор № \(number) будет удален из вашей учетной записи. Добавить его снова можно через «Добавить договор» с подтверждением по e-mail.</p>
                <form method="post" action="\(SitePath.contractRemove(number).path)">
                \(Forms.csrf(csrf))
                <button class="button button-danger button-wide" type="submit">Удалить</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.contract(number).path)">Отмена</a></p>
                </section>
                </div>
                """)
    }
}
