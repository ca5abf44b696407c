import Markup

/// The start page of the portal.
struct HomePage: Sendable {
    var context: ShellContext
    /// The signed-in person's contracts; `nil` shows no contract section.
    var contracts: [ContractsPage.Row]? = nil

    static let mock = HomePage(context: .anonymous)

    func render() -> HTML {
        Layout.page(
            title: "Главная", context: context,
            content: """
                <section class="hero">
                <h1>Личный кабинет клиента – юридического лица</h1>
                <p class="lead">Удаленное взаимодействие с гарантирующим поставщиком электроэнергии для компаний и владельцев нежилых помещений, заключивших договор энергоснабжения.</p>
                </section>
                \(contractSection)
                <section class="cards" aria-label="Возможности">
                <article class="card"><h2><a href="\(SitePath.payments.path)">Оплата</a></h2><p>Задолженность и счета по каждому договору, авансы и переплата, оплата картой онлайн.</p></article>
                <article class="card"><h2><a href="\(SitePath.readings.path)">Показания</a></h2><p>Передача показаний приборов учета вручную или файлом Excel, почасовые профили для III–VI ценовых категорий.</p></article>
                <article class="card"><h2><a href="\(SitePath.historyDocuments.path)">История</a></h2><p>Счета, счета-фактуры и акты в PDF, поступившие платежи и принятые показания за любой месяц, заказ акта сверки.</p></article>
                <article class="card"><h2><a href="\(SitePath.appeals.path)">Обращения</a></h2><p>Вопросы и заявления поставщику по договору с файлами; ответы и вся переписка в одном месте.</p></article>
                <article class="card"><h2><a href="\(SitePath.help.path)">Помощь</a></h2><p>Ответы на частые вопросы и контакты отделения и куратора по каждому договору.</p></article>
                </section>
                <p><a class="button" href="\(SitePath.manual.path)">Инструкция пользователя</a></p>
                """)
    }

    var contractSection: HTML {
        guard let contracts else { return .empty }
        guard !contracts.isEmpty else {
            return """
                <section class="contract-section" aria-labelledby="my-contracts">
                <h2 id="my-contracts">Ваши договоры</h2>
                <p>Для полноценной работы в личном кабинете добавьте хотя бы один договор энергоснабжения: понадобятся его 14-значный номер и e-mail, указанный в договоре.</p>
                <p><a class="button" href="\(SitePath.contractAdd.path)">Добавить договор</a></p>
                </section>
                """
        }
        return """
            <section class="contract-section" aria-labelledby="my-contracts">
            <div class="page-head"><h2 id="my-contracts">Ваши договоры</h2>
            <a class="button button-secondary" href="\(SitePath.contractAdd.path)">Добавить договор</a></div>
            <ul class="contract-list">\(each: contracts, item)</ul>
            </section>
            """
    }

    func item(_ row: ContractsPage.Row) -> HTML {
        "<li><a href=\"\(SitePath.contract(row.number).path)\">№ \(row.number)</a> — \(row.customer) <span class=\"badge-role\">\(row.role)</span></li>"
    }
}
