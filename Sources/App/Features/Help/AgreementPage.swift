import Foundation
import Markup
import PortalDomain

/// «Пользовательское соглашение» (manual §3, HLP-3): the version in force, as the staff published it.
struct AgreementPage: Sendable {
    var context: ShellContext
    var version: Agreement.Version?
    var dates: RussianDateFormat

    static let mock = AgreementPage(
        context: .anonymous,
        version: .init(
            version: 2, body: "Вводная часть.\n\n## 1. Термины\n\nПользователь — физическое лицо.",
            publishedAt: Date(timeIntervalSince1970: 1_796_000_000), publishedBy: nil),
        dates: RussianDateFormat(timeZone: TimeZone(identifier: "Europe/Moscow")!))

    func render() -> HTML {
        Layout.page(
            title: "Пользовательское соглашение", context: context,
            content: """
                <article class="prose">
                <h1>Пользовательское соглашение</h1>
                \(version.map { "<p class=\"hint\">Редакция № \(String($0.version)) от \(dates.date($0.publishedAt))</p>" as HTML })
                \(version.map { PlainText.html($0.body) })
                </article>
                """)
    }
}

/// A new version of the agreement, to accept before going on.
struct AgreementAcceptPage: Sendable {
    var context: ShellContext
    var version: Agreement.Version
    var dates: RussianDateFormat
    var error: String?

    static let mock = AgreementAcceptPage(
        context: .mock, version: AgreementPage.mock.version!, dates: AgreementPage.mock.dates)

    func render() -> HTML {
        Layout.page(
            title: "Новая редакция пользовательского соглашения", context: context,
            content: """
                <h1>Новая редакция пользовательского соглашения</h1>
                <p>Сбытовая компания опубликовала редакцию № \(String(version.version)) от \(dates.date(version.publishedAt)). Чтобы продолжить работу в личном кабинете, прочитайте и примите ее.</p>
                <article class="prose card agreement-text">\(PlainText.html(version.body))</article>
                <form class="form narrow" method="post" action="\(SitePath.agreementAccept.path)">\(Forms.csrf(context.csrf ?? ""))
                <input type="hidden" name="version" value="\(String(version.version))">
                \(Forms.checkbox(name: "agree", label: "Я принимаю пользовательское соглашение", checked: false, error: error, required: true))
                <div class="page-actions"><button class="button" type="submit">Принять</button></div>
                </form>
                """)
    }
}
