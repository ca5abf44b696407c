import Markup

/// `/dev/mail`: the letters the file mailer "sent", so a developer can read a code without a mail server.
struct DevMailPage: Sendable {
    var context: ShellContext
    var messages: [DevMailbox.Message]
    var opened: DevMailbox.Message?

    static let mock = DevMailPage(
        context: .anonymous,
        messages: [
            DevMailbox.Message(
                name: "1-a.eml", to: "<buh@romashka.example>", subject: "Код подтверждения",
                date: "Sun, 29 Nov 2026 05:50:43 +0000", text: "Ваш код: 123456")
        ],
        opened: nil)

    func render() -> HTML {
        Layout.page(
            title: "Почта разработчика", context: context,
            content: """
                <h1>Почта разработчика</h1>
                <p class="hint">Письма, которые портал отправил бы по почте. Страница есть только в режиме разработки с файловой почтой.</p>
                \(opened.map(message))
                \(messages.isEmpty ? HTML("<p>Писем пока нет.</p>") : table)
                """)
    }

    var table: HTML {
        """
        <table class="table">
        <thead><tr><th>Дата</th><th>Кому</th><th>Тема</th></tr></thead>
        <tbody>
        \(each: messages, row)
        </tbody>
        </table>
        """
    }

    func row(_ message: DevMailbox.Message) -> HTML {
        "<tr><td>\(message.date)</td><td>\(message.to)</td><td><a href=\"\(SitePath.devMailMessage(message.name).path)\">\(message.subject)</a></td></tr>"
    }

    func message(_ message: DevMailbox.Message) -> HTML {
        """
        <article class="card mail-message">
        <h2>\(message.subject)</h2>
        <p class="hint">Кому: \(message.to) · \(message.date)</p>
        <pre class="mail-text">\(message.text)</pre>
        </article>
        """
    }
}
