import Markup

/// The start page of the portal.
struct HomePage: Sendable {
    var context: ShellContext

    static let mock = HomePage(context: .anonymous)

    func render() -> HTML {
        Layout.page(
            title: "Главная", context: context,
            content: """
                <section class="hero">
                <h1>Личный кабинет клиента – юридического лица</h1>
                <p class="lead">Удаленное взаимодействие с гарантирующим поставщиком электроэнергии для компаний и владельцев нежилых помещений, заключивших договор энергоснабжения.</p>
                </section>
                <section class="cards" aria-label="Возможности">
                <article class="card"><h2>Оплата</h2><p>Задолженность и счета по каждому договору, авансы и переплата, оплата картой онлайн.</p></article>
                <article class="card"><h2>Показания</h2><p>Передача показаний приборов учета вручную или файлом Excel, почасовые профили для III–VI ценовых категорий.</p></article>
                <article class="card"><h2>История</h2><p>Документы, платежи, переданные показания и заказанные акты сверки.</p></article>
                <article class="card"><h2>Обращения</h2><p>Письменные обращения к поставщику с перепиской и вложениями.</p></article>
                </section>
                <p><a class="button" href="\(SitePath.manual.path)">Инструкция пользователя</a></p>
                """)
    }
}
