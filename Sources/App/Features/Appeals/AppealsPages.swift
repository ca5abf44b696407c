import Foundation
import Markup
import PortalDomain

/// «Обращения» (figure 20): the account's appeals, the latest message first.
struct AppealsPage {
    var context: ShellContext
    var rows: [Appeals.ListRow]
    var dates: RussianDateFormat
    var notice: String?

    static let mock = AppealsPage(
        context: .mock,
        rows: [
            .init(
                number: 12, topic: "Расчеты", section: "Зачет переплаты", status: "inProgress", resolution: nil,
                lastMessageAt: Date(timeIntervalSince1970: 1_796_600_000), customerUnread: 1,
                contractNumber: "74070100000001")
        ], dates: RussianDateFormat(timeZone: TimeZone(identifier: "Asia/Yekaterinburg")!))

    func render() -> HTML {
        Layout.page(
            title: "Обращения", context: context,
            content: """
                <h1>Обращения</h1>
                \(Forms.alert(notice, kind: "success"))
                <p><a class="button" href="\(SitePath.appealNew.path)">Создать обращение</a></p>
                \(rows.isEmpty ? HTML(trusted: "<p class=\"empty\">Обращений пока нет.</p>") : HTML.join(rows.map(block), separator: ""))
                """)
    }

    func block(_ row: Appeals.ListRow) -> HTML {
        let status = Appeals.Status(rawValue: row.status)?.title ?? row.status
        let resolution: HTML = row.resolution.map { ": \($0)" } ?? .empty
        let unread: HTML =
            row.customerUnread > 0 ? " <span class=\"badge\">Новый ответ</span>" : .empty
        return """
            <article class="card appeal\(row.customerUnread > 0 ? " unread" : "")">
            <h2><a href="\(SitePath.appeal(String(row.number)).path)">Обращение № \(String(row.number))</a>\(unread)</h2>
            <p>Раздел: \(row.topic) — \(row.section)</p>
            <p>Договор: № \(row.contractNumber)</p>
            <p>Статус: <span class="badge-status">\(status)\(resolution)</span></p>
            <p class="muted">Последнее сообщение: \(dates.dateTime(row.lastMessageAt))</p>
            </article>
            """
    }
}

/// «Новое обращение», first step: тема and раздел (one choice, grouped by topic), договор.
struct AppealNewPage {
    var context: ShellContext
    var sections: [Appeals.Section]
    var contracts: [ContractOption]
    var section: String = ""
    var contract: String = ""
    var errors: [String: String] = [:]
    /// «Направить обращение» when it is opened from «Запросить доступ» (manual §11.2.1.1).
    var title = "Новое обращение"

    static let mock = AppealNewPage(
        context: .mock,
        sections: [
            .init(id: UUID(), topic: "ЛКК ЮЛ", title: "Права доступа", fields: "[]", position: 1, published: true)
        ], contracts: [.init(number: "74070100000001", name: "Энергоснабжение цеха № 1")])

    func render() -> HTML {
        let topics = sections.reduce(into: [String]()) { if !$0.contains($1.topic) { $0.append($1.topic) } }
        let groups = topics.map { topic -> HTML in
            let options = sections.filter { $0.topic == topic }.map { item -> HTML in
                "<option value=\"\(item.id.uuidString)\"\(flag: "selected", item.id.uuidString == section)>\(item.title)</option>"
            }
            return "<optgroup label=\"\(topic)\">\(HTML.join(options, separator: ""))</optgroup>"
        }
        return Layout.page(
            title: title, context: context,
            content: """
                <h1>\(title)</h1>
                <form class="form narrow" method="get" action="\(SitePath.appealDetails.path)" novalidate>
                <div class="field\(errors["section"] == nil ? "" : " field-invalid")"><label for="f-section">Тема и раздел</label>
                <select id="f-section" name="section"><option value="">Выберите раздел</option>\(HTML.join(groups, separator: ""))</select>\(errors["section"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
                <div class="field\(errors["contract"] == nil ? "" : " field-invalid")"><label for="f-contract">Договор</label>
                <select id="f-contract" name="contract">\(Forms.contractOptions(contracts, selected: contract, all: false))</select>\(errors["contract"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
                <div class="page-actions"><a class="button button-secondary" href="\(SitePath.appeals.path)">Отмена</a> <button class="button" type="submit">Дальше</button></div>
                </form>
                """)
    }
}

/// «Информация по обращению»: the section's own fields, the text and files → «Отправить».
struct AppealDetailsPage {
    var context: ShellContext
    var section: Appeals.Section
    var contract: ContractOption
    var values: [String: String] = [:]
    var text = ""
    var errors: [String: String] = [:]

    static let mock = AppealDetailsPage(
        context: .mock,
        section: .init(
            id: UUID(), topic: "Расчеты", title: "Зачет переплаты",
            fields: "[{\"key\":\"amount\",\"kind\":\"money\",\"label\":\"Сумма переплаты, ₽\"}]", position: 3,
            published: true), contract: .init(number: "74070100000001", name: "Энергоснабжение цеха № 1"))

    func render() -> HTML {
        let fields = section.fieldList.map { field -> HTML in
            let type = field.kind == .month ? "month" : "text"
            return Forms.input(
                name: "field[\(field.key)]", label: field.label, type: type, value: values[field.key],
                error: errors["field-\(field.key)"], inputmode: field.kind == .money ? "decimal" : nil)
        }
        return Layout.page(
            title: "Информация по обращению", context: context,
            content: """
                <h1>Информация по обращению</h1>
                <p>Тема: \(section.topic). Раздел: \(section.title). Договор № \(contract.number) — \(contract.name).</p>
                \(Forms.alert(errors["form"]))
                <form class="form narrow" method="post" action="\(SitePath.appeals.path)" enctype="multipart/form-data" novalidate>
                \(Forms.csrf(context.csrf ?? ""))
                <input type="hidden" name="section" value="\(section.id.uuidString)">
                <input type="hidden" name="contract" value="\(contract.number)">
                \(HTML.join(fields, separator: ""))
                <div class="field\(errors["text"] == nil ? "" : " field-invalid")"><label for="f-text">Текст обращения</label>
                <textarea id="f-text" name="text" rows="8" maxlength="\(String(Appeals.maxText))" required>\(text)</textarea>\(errors["text"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
                <div class="field\(errors["files"] == nil ? "" : " field-invalid")"><label for="f-files">Добавить файл</label>
                <input id="f-files" name="files[]" type="file" multiple accept=".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx">
                <p class="hint">PDF, JPEG, PNG, Word или Excel, до 10 МБ каждый, не больше 5 файлов.</p>\(errors["files"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
                <div class="page-actions"><a class="button button-secondary" href="\(SitePath.appealNew.path)?section=\(section.id.uuidString)&amp;contract=\(contract.number)">Назад</a> <button class="button" type="submit">Отправить</button></div>
                </form>
                """)
    }
}

/// The card of an appeal: what it is about and its thread, for the customer.
struct AppealCardPage {
    var context: ShellContext
    var card: Appeals.Card
    var messages: [Appeals.Message]
    var files: [Appeals.FileRow]
    var dates: RussianDateFormat
    var text = ""
    var errors: [String: String] = [:]
    var notice: String?

    func render() -> HTML {
        Layout.page(
            title: "Обращение № \(card.number)", context: context,
            content: """
                <h1>Обращение № \(String(card.number))</h1>
                \(Forms.alert(notice, kind: "success"))
                \(AppealThread.summary(card, dates: dates))
                <h2>Переписка</h2>
                \(AppealThread.messages(messages, files: files, number: card.number, dates: dates, filePath: { SitePath.appealFile(String(card.number), $0.uuidString).path }))
                \(card.isClosed ? HTML(trusted: "<p class=\"muted\">Обращение закрыто.</p>") : replyForm)
                """)
    }

    var replyForm: HTML {
        """
        <form class="form narrow" method="post" action="\(SitePath.appealReply(String(card.number)).path)" enctype="multipart/form-data" novalidate>
        \(Forms.csrf(context.csrf ?? ""))
        <div class="field\(errors["text"] == nil ? "" : " field-invalid")"><label for="f-text">Ответ</label>
        <textarea id="f-text" name="text" rows="5" maxlength="\(String(Appeals.maxText))">\(text)</textarea>\(errors["text"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
        <div class="field\(errors["files"] == nil ? "" : " field-invalid")"><label for="f-files">Добавить файл</label>
        <input id="f-files" name="files[]" type="file" multiple accept=".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx">\(errors["files"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
        <div class="page-actions"><button class="button" type="submit">Отправить</button></div>
        </form>
        """
    }
}

/// Parts of an appeal's card both sides show.
enum AppealThread {
    static func summary(_ card: Appeals.Card, dates: RussianDateFormat) -> HTML {
        let fields = card.filledFields.map { field -> HTML in "<dt>\(field.label)</dt><dd>\(field.value)</dd>" }
        return """
            <dl class="appeal-summary">
            <dt>Статус</dt><dd><span class="badge-status">\(card.statusTitle)</span></dd>
            <dt>Номер</dt><dd>\(String(card.number))</dd>
            <dt>Дата и время создания</dt><dd>\(dates.dateTime(card.createdAt))</dd>
            <dt>Способ обращения</dt><dd>Личный кабинет</dd>
            <dt>Тема</dt><dd>\(card.topic)</dd>
            <dt>Раздел</dt><dd>\(card.section)</dd>
            <dt>Договор</dt><dd>№ \(card.contractNumber) — \(card.contractName)</dd>
            \(HTML.join(fields, separator: ""))
            </dl>
            """
    }

    static func messages(
        _ messages: [Appeals.Message], files: [Appeals.FileRow], number: Int64, dates: RussianDateFormat,
        customerLabel: String = "Вы", filePath: (UUID) -> String
    ) -> HTML {
        let items = messages.map { message -> HTML in
            let author =
                message.author == "staff"
                ? "Сбытовая компания" + (message.staffName.map { " (\($0))" } ?? "") : customerLabel
            let attached = files.filter { $0.messageId == message.id }.map { file -> HTML in
                "<li><a href=\"\(filePath(file.id))\">\(file.fileName)</a> <span class=\"muted\">\(sizeText(file.size))</span></li>"
            }
            let list: HTML =
                attached.isEmpty ? .empty : "<ul class=\"files\">\(HTML.join(attached, separator: ""))</ul>"
            return """
                <li class="message message-\(message.author)"><p class="muted">\(author), \(dates.dateTime(message.createdAt))</p>
                <p class="message-text">\(message.text)</p>\(list)</li>
                """
        }
        return "<ol class=\"thread\">\(HTML.join(items, separator: ""))</ol>"
    }

    static func sizeText(_ bytes: Int64) -> String {
        bytes < 1024 * 1024 ? "\(max(1, bytes / 1024)) КБ" : String(format: "%.1f МБ", Double(bytes) / 1_048_576)
    }
}
