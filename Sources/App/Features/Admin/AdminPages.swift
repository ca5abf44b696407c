import Foundation
import Markup
import PortalDomain

/// The admin module's frame: its own header and menu, the portal's style sheet.
enum AdminLayout {
    struct Item {
        let title: String
        let path: String
        let adminOnly: Bool
    }

    static let menu: [Item] = [
        Item(title: "Обращения", path: "/admin/appeals", adminOnly: false),
        Item(title: "Клиенты", path: "/admin/customers", adminOnly: false),
        Item(title: "Уведомления", path: "/admin/notifications", adminOnly: false),
        Item(title: "Письма", path: "/admin/outbox", adminOnly: false),
        Item(title: "Журнал действий", path: "/admin/audit", adminOnly: false),
        Item(title: "Сотрудники", path: "/admin/staff", adminOnly: true),
        Item(title: "Темы обращений", path: "/admin/catalogue", adminOnly: true),
        Item(title: "Вопрос-ответ", path: "/admin/faq", adminOnly: true),
        Item(title: "Контакты", path: "/admin/contacts", adminOnly: true),
        Item(title: "Инструкция", path: "/admin/manual", adminOnly: true),
        Item(title: "Соглашение", path: "/admin/agreement", adminOnly: true),
    ]

    static func page(title: String, staff: StaffMember?, csrf: String?, current: String = "", content: HTML) -> HTML {
        let items = menu.filter { !$0.adminOnly || staff?.isAdmin == true }.map { item -> HTML in
            let active = current.hasPrefix(item.path)
            return
                "<li><a href=\"\(item.path)\"\(active ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(item.title)</a></li>"
        }
        let nav: HTML =
            staff == nil
            ? .empty
            : """
            <nav class="menu" id="site-menu" aria-label="Разделы администрирования"><ul>\(HTML.join(items, separator: ""))</ul></nav>
            <div class="account-icons"><span class="account-name">\(staff?.name ?? "") (\(staff?.staffRole?.title ?? ""))</span>
            <form method="post" action="/admin/logout" class="inline-form">\(Forms.csrf(csrf ?? ""))<button class="link-button" type="submit">Выйти</button></form></div>
            """
        return Layout.document(
            title: "\(title) — Администрирование ЛКК ЮЛ",
            header: """
                <header class="topbar"><a class="brand" href="/admin"><span class="brand-mark" aria-hidden="true">⚡</span><span class="brand-text">Администрирование<small>личного кабинета клиента – юридического лица</small></span></a>
                \(nav)
                </header>
                """, main: content)
    }
}

struct AdminLoginPage {
    var csrf: String
    var email = ""
    var error: String?

    func render() -> HTML {
        AdminLayout.page(
            title: "Вход для сотрудников", staff: nil, csrf: nil,
            content: """
                <h1>Вход для сотрудников</h1>
                \(Forms.alert(error))
                <form class="form narrow" method="post" action="/admin/login" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: email, autocomplete: "username", autofocus: true))
                \(Forms.input(name: "password", label: "Пароль", type: "password", autocomplete: "current-password"))
                <div class="page-actions"><button class="button" type="submit">Дальше</button></div>
                </form>
                """)
    }
}

struct AdminCodePage {
    var csrf: String
    var error: String?
    var recovery = false

    func render() -> HTML {
        let field =
            recovery
            ? Forms.input(name: "recovery", label: "Код восстановления", value: "", error: error, autocomplete: "off")
            : Forms.input(
                name: "code", label: "Код из приложения-аутентификатора", value: "", error: error,
                autocomplete: "one-time-code", inputmode: "numeric", autofocus: true)
        let other: HTML =
            recovery
            ? "<p><a href=\"/admin/login/code\">Ввести код из приложения</a></p>"
            : "<p><a href=\"/admin/login/code?recovery=1\">Нет доступа к приложению? Ввести код восстановления</a></p>"
        return AdminLayout.page(
            title: "Подтверждение входа", staff: nil, csrf: nil,
            content: """
                <h1>Подтверждение входа</h1>
                <p>Введите шестизначный код, который показывает приложение-аутентификатор на вашем телефоне.</p>
                <form class="form narrow" method="post" action="/admin/login/code" novalidate>
                \(Forms.csrf(csrf))
                \(field)
                <div class="page-actions"><button class="button" type="submit">Войти</button></div>
                </form>
                \(other)
                """)
    }
}

struct AdminSetupPage {
    var token: String
    var csrf: String
    var member: StaffMember
    var qr: String
    var secret: String
    var errors: [String: String] = [:]

    func render() -> HTML {
        let grouped = stride(from: 0, to: secret.count, by: 4).map { start -> String in
            let from = secret.index(secret.startIndex, offsetBy: start)
            let to = secret.index(from, offsetBy: min(4, secret.count - start))
            return String(secret[from..<to])
        }.joined(separator: " ")
        return AdminLayout.page(
            title: "Настройка входа", staff: nil, csrf: nil,
            content: """
                <h1>Настройка входа</h1>
                <p>\(member.name), \(member.email) — \(member.staffRole?.title ?? member.role).</p>
                \(Forms.alert(errors["form"]))
                <form class="form narrow" method="post" action="/admin/setup" novalidate>
                \(Forms.csrf(csrf))
                <input type="hidden" name="token" value="\(token)">
                <h2>1. Пароль</h2>
                \(Forms.input(name: "password", label: "Новый пароль", type: "password", error: errors["password"], autocomplete: "new-password"))
                \(Forms.input(name: "repeat", label: "Повторите пароль", type: "password", error: errors["repeat"], autocomplete: "new-password"))
                <h2>2. Приложение-аутентификатор</h2>
                <p>Отсканируйте QR-код приложением-аутентификатором (например, «Яндекс Ключ», Google Authenticator или FreeOTP) или введите ключ вручную.</p>
                <div class="qr">\(HTML(trusted: qr))</div>
                <p>Ключ: <code class="secret">\(grouped)</code></p>
                \(Forms.input(name: "code", label: "Код из приложения", value: "", error: errors["code"], autocomplete: "one-time-code", inputmode: "numeric"))
                <div class="page-actions"><button class="button" type="submit">Сохранить</button></div>
                </form>
                """)
    }
}

struct AdminRecoveryCodesPage {
    var codes: [String]

    func render() -> HTML {
        AdminLayout.page(
            title: "Коды восстановления", staff: nil, csrf: nil,
            content: """
                <h1>Вход настроен</h1>
                <p>Сохраните коды восстановления: каждый из них один раз заменяет код из приложения, если телефон потерян. Больше они показаны не будут.</p>
                <ul class="recovery-codes">\(each: codes, { "<li><code>\($0)</code></li>" })</ul>
                <p><a class="button" href="/admin/login">Войти</a></p>
                """)
    }
}

struct AdminHomePage {
    var staff: StaffMember
    var csrf: String
    var recoveryLeft: Int

    func render() -> HTML {
        AdminLayout.page(
            title: "Администрирование", staff: staff, csrf: csrf,
            content: """
                <h1>Администрирование</h1>
                \(recoveryLeft < 3 ? Forms.alert("Осталось кодов восстановления: \(recoveryLeft). Попросите администратора системы выдать новую ссылку для настройки входа.", kind: "info") : .empty)
                <ul class="admin-sections">
                <li><a href="/admin/appeals">Обращения</a> — входящие обращения клиентов, неотвеченные первыми</li>
                <li><a href="/admin/customers">Клиенты</a> — поиск учетной записи по e-mail, ИНН или номеру договора</li>
                <li><a href="/admin/outbox">Письма</a> — отправленные порталом письма и их доставка</li>
                <li><a href="/admin/audit">Журнал действий</a> — кто и когда что сделал</li>
                \(staff.isAdmin ? HTML(trusted: "<li><a href=\"/admin/staff\">Сотрудники</a> — учетные записи сотрудников, приглашения и блокировка</li><li><a href=\"/admin/catalogue\">Темы обращений</a> — темы, разделы и их поля</li>") : .empty)
                </ul>
                """)
    }
}

struct AdminStaffPage {
    var staff: StaffMember
    var csrf: String
    var members: [StaffMember]
    var form = Form()
    var invited: (email: String, link: String)?
    var dates: RussianDateFormat

    struct Form {
        var email = ""
        var name = ""
        var role = StaffMember.Role.operator.rawValue
        var errors: [String: String] = [:]
    }

    func render() -> HTML {
        let roleOptions = StaffMember.Role.allCases.map { role -> HTML in
            "<option value=\"\(role.rawValue)\"\(flag: "selected", role.rawValue == form.role)>\(role.title)</option>"
        }
        return AdminLayout.page(
            title: "Сотрудники", staff: staff, csrf: csrf, current: "/admin/staff",
            content: """
                <h1>Сотрудники</h1>
                \(invited.map { invite -> HTML in "<div class=\"alert alert-success\" role=\"status\">Ссылка для настройки входа \(invite.email) (действует 72 часа, показана один раз): <code class=\"secret\">\(invite.link)</code></div>" })
                <div class="table-scroll"><table class="table">
                <thead><tr><th scope="col">Сотрудник</th><th scope="col">Роль</th><th scope="col">Вход</th><th scope="col">Последний вход</th><th scope="col">Действия</th></tr></thead>
                <tbody>\(each: members, row)</tbody></table></div>
                <section class="card"><h2>Пригласить сотрудника</h2>
                <form class="form narrow" method="post" action="/admin/staff" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: form.email, error: form.errors["email"]))
                \(Forms.input(name: "name", label: "ФИО", value: form.name, error: form.errors["name"]))
                <div class="field"><label for="f-role">Роль</label><select id="f-role" name="role">\(HTML.join(roleOptions, separator: ""))</select></div>
                <div class="page-actions"><button class="button" type="submit">Пригласить</button></div>
                </form></section>
                """)
    }

    func row(_ member: StaffMember) -> HTML {
        let state =
            member.blocked ? "Заблокирован" : member.enrolled ? "Настроен" : "Ожидает настройки"
        let own = member.id == staff.id
        let block: HTML =
            own
            ? .empty
            : """
            <form method="post" action="/admin/staff/\(member.id.uuidString)/\(member.blocked ? "unblock" : "block")" class="inline-form">\(Forms.csrf(csrf))<button class="link-button" type="submit">\(member.blocked ? "Разблокировать" : "Заблокировать")</button></form>
            <form method="post" action="/admin/staff/\(member.id.uuidString)/reset" class="inline-form">\(Forms.csrf(csrf))<button class="link-button" type="submit">Новая ссылка для настройки</button></form>
            """
        return
            "<tr><td>\(member.name)<br><span class=\"muted\">\(member.email)</span></td><td>\(member.staffRole?.title ?? member.role)</td><td>\(state)</td><td>\(member.lastSignInAt.map(dates.dateTime) ?? "—")</td><td>\(block)</td></tr>"
    }
}

struct AdminCustomersPage {
    struct Account: Sendable {
        let id: UUID
        let email: String?
        let login: String?
        let name: String
        let createdAt: Date
        var contracts: [(number: String, name: String, inn: String, role: String)]
        /// The versions of «Пользовательское соглашение» accepted, newest first, with when.
        var agreements: [(version: Int, at: Date)] = []
    }

    var staff: StaffMember
    var csrf: String
    var query: String
    var accounts: [Account]
    var dates: RussianDateFormat

    func render() -> HTML {
        AdminLayout.page(
            title: "Клиенты", staff: staff, csrf: csrf, current: "/admin/customers",
            content: """
                <h1>Клиенты</h1>
                <form class="filters" method="get" action="/admin/customers">
                <div class="field"><label for="f-q">E-mail, ИНН или номер договора</label><input id="f-q" name="q" type="search" value="\(query)"></div>
                <button class="button button-secondary" type="submit">Найти</button>
                </form>
                \(query.isEmpty ? HTML.empty : results)
                """)
    }

    var results: HTML {
        guard !accounts.isEmpty else { return "<p class=\"empty\">Ничего не найдено.</p>" }
        return HTML.join(accounts.map(account), separator: "")
    }

    func account(_ account: Account) -> HTML {
        let contracts = account.contracts.map { contract -> HTML in
            let administrator = contract.role == PortalDomain.Role.administrator.rawValue
            let change: HTML = """
                <form method="post" action="/admin/roles" class="inline-form">\(Forms.csrf(csrf))<input type="hidden" name="account" value="\(account.id.uuidString)"><input type="hidden" name="contract" value="\(contract.number)"><input type="hidden" name="change" value="\(administrator ? "withdraw" : "grant")"><button class="link-button" type="submit">\(administrator ? "Снять «Администратор»" : "Назначить «Администратор»")</button></form>
                """
            return
                "<tr><td>№ \(contract.number)</td><td>\(contract.name)</td><td>\(contract.inn)</td><td>\(Role(rawValue: contract.role)?.title ?? contract.role)</td><td>\(change)</td></tr>"
        }
        let table: HTML =
            contracts.isEmpty
            ? "<p class=\"empty\">Договоров нет.</p>"
            : """
            <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Договор</th><th scope="col">Наименование</th><th scope="col">ИНН</th><th scope="col">Роль</th><th scope="col">Действия</th></tr></thead>
            <tbody>\(HTML.join(contracts, separator: ""))</tbody></table></div>
            """
        return """
            <section class="card"><h2>\(account.name.isEmpty ? "Без имени" : account.name)</h2>
            <p>E-mail: \(account.email ?? "—"); логин: \(account.login ?? "—"); зарегистрирован \(dates.dateTime(account.createdAt))</p>
            <p>Пользовательское соглашение: \(account.agreements.isEmpty ? "не принято" : account.agreements.map { "редакция № \($0.version) принята \(dates.dateTime($0.at))" }.joined(separator: "; "))</p>
            \(table)</section>
            """
    }
}

struct AdminOutboxPage {
    struct Letter: Decodable, Sendable {
        let recipients: String
        let subject: String
        let status: String
        let attempts: Int
        let createdAt: Date
        let sentAt: Date?
        let lastError: String?
    }

    var staff: StaffMember
    var csrf: String
    var status: String
    var letters: [Letter]
    var dates: RussianDateFormat

    static let statuses: [(String, String)] = [
        ("", "Все"), ("pending", "В очереди"), ("sending", "Отправляется"), ("sent", "Отправлено"),
        ("failed", "Не доставлено"),
    ]

    func render() -> HTML {
        let options = Self.statuses.map { status -> HTML in
            "<option value=\"\(status.0)\"\(flag: "selected", status.0 == self.status)>\(status.1)</option>"
        }
        return AdminLayout.page(
            title: "Письма", staff: staff, csrf: csrf, current: "/admin/outbox",
            content: """
                <h1>Письма</h1>
                <form class="filters" method="get" action="/admin/outbox">
                <div class="field"><label for="f-status">Состояние</label><select id="f-status" name="status">\(HTML.join(options, separator: ""))</select></div>
                <button class="button button-secondary" type="submit">Применить</button>
                </form>
                \(letters.isEmpty ? HTML(trusted: "<p class=\"empty\">Писем нет.</p>") : table)
                """)
    }

    var table: HTML {
        """
        <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Создано</th><th scope="col">Кому</th><th scope="col">Тема</th><th scope="col">Состояние</th><th scope="col">Отправлено</th></tr></thead>
        <tbody>\(each: letters, row)</tbody></table></div>
        """
    }

    func row(_ letter: Letter) -> HTML {
        let title = Self.statuses.first { $0.0 == letter.status }?.1 ?? letter.status
        let problem: HTML = letter.lastError.map { "<br><span class=\"muted\">\($0)</span>" } ?? .empty
        return
            "<tr><td>\(dates.dateTime(letter.createdAt))</td><td>\(letter.recipients)</td><td>\(letter.subject)</td><td>\(title) (попыток: \(String(letter.attempts)))\(problem)</td><td>\(letter.sentAt.map(dates.dateTime) ?? "—")</td></tr>"
    }
}

struct AdminAuditPage {
    var staff: StaffMember
    var csrf: String
    var action: String
    var actor: String
    var entries: [AuditLog.Entry]
    var dates: RussianDateFormat

    func render() -> HTML {
        let actors = [
            ("", "Все"), ("account", "Клиенты"), ("staff", "Сотрудники"), ("console", "Консоль"),
            ("billing", "Биллинг"),
            ("anonymous", "Без входа"),
        ]
        let options = actors.map { actor -> HTML in
            "<option value=\"\(actor.0)\"\(flag: "selected", actor.0 == self.actor)>\(actor.1)</option>"
        }
        return AdminLayout.page(
            title: "Журнал действий", staff: staff, csrf: csrf, current: "/admin/audit",
            content: """
                <h1>Журнал действий</h1>
                <form class="filters" method="get" action="/admin/audit">
                <div class="field"><label for="f-action">Действие</label><input id="f-action" name="action" type="search" value="\(action)" placeholder="например, staff.signin"></div>
                <div class="field"><label for="f-actor">Кто</label><select id="f-actor" name="actor">\(HTML.join(options, separator: ""))</select></div>
                <button class="button button-secondary" type="submit">Применить</button>
                </form>
                \(entries.isEmpty ? HTML(trusted: "<p class=\"empty\">Записей нет.</p>") : table)
                """)
    }

    var table: HTML {
        """
        <div class="table-scroll"><table class="table"><thead><tr><th scope="col">Когда</th><th scope="col">Кто</th><th scope="col">Действие</th><th scope="col">Объект</th><th scope="col">Адрес</th><th scope="col">Подробности</th></tr></thead>
        <tbody>\(each: entries, row)</tbody></table></div>
        """
    }

    func row(_ entry: AuditLog.Entry) -> HTML {
        let who = entry.actor + (entry.accountID.map { " \($0.uuidString.prefix(8))" } ?? "")
        let details = entry.details ?? ""
        return
            "<tr><td>\(dates.dateTime(entry.at))</td><td>\(who)</td><td>\(entry.action)</td><td>\(entry.subject ?? "—")</td><td>\(entry.ipAddress ?? "—")</td><td>\(details)</td></tr>"
    }
}

struct AdminInboxPage {
    var staff: StaffMember
    var csrf: String
    var filters: AdminAppealsController.InboxFilters
    var topics: [String]
    var rows: [AdminAppealsController.InboxRow]
    var now: Date
    var dates: RussianDateFormat

    func render() -> HTML {
        let statuses = [("", "Все открытые"), ("all", "Все")] + Appeals.Status.allCases.map { ($0.rawValue, $0.title) }
        let statusOptions = statuses.map { status -> HTML in
            "<option value=\"\(status.0)\"\(flag: "selected", status.0 == filters.status)>\(status.1)</option>"
        }
        let topicOptions = ([""] + topics).map { topic -> HTML in
            "<option value=\"\(topic)\"\(flag: "selected", topic == filters.topic)>\(topic.isEmpty ? "Все" : topic)</option>"
        }
        let assignees = [("", "Все"), ("me", "Мне"), ("none", "Никому")].map { item -> HTML in
            "<option value=\"\(item.0)\"\(flag: "selected", item.0 == filters.assignee)>\(item.1)</option>"
        }
        return AdminLayout.page(
            title: "Обращения", staff: staff, csrf: csrf, current: "/admin/appeals",
            content: """
                <h1>Обращения</h1>
                <form class="filters" method="get" action="/admin/appeals">
                <div class="field"><label for="f-status">Статус</label><select id="f-status" name="status">\(HTML.join(statusOptions, separator: ""))</select></div>
                <div class="field"><label for="f-topic">Тема</label><select id="f-topic" name="topic">\(HTML.join(topicOptions, separator: ""))</select></div>
                <div class="field"><label for="f-contract">Договор</label><input id="f-contract" name="contract" inputmode="numeric" value="\(filters.contract)"></div>
                <div class="field"><label for="f-from">Создано с</label><input id="f-from" name="from" type="month" value="\(filters.from?.description ?? "")"></div>
                <div class="field"><label for="f-to">по</label><input id="f-to" name="to" type="month" value="\(filters.to?.description ?? "")"></div>
                <div class="field"><label for="f-assignee">Исполнитель</label><select id="f-assignee" name="assignee">\(HTML.join(assignees, separator: ""))</select></div>
                <button class="button button-secondary" type="submit">Применить</button>
                </form>
                \(rows.isEmpty ? HTML(trusted: "<p class=\"empty\">Обращений нет.</p>") : table)
                """)
    }

    var table: HTML {
        """
        <div class="table-scroll"><table class="table"><thead><tr><th scope="col">№</th><th scope="col">Тема и раздел</th><th scope="col">Договор</th><th scope="col">Статус</th><th scope="col">Ожидает ответа</th><th scope="col">Исполнитель</th></tr></thead>
        <tbody>\(each: rows, row)</tbody></table></div>
        """
    }

    func row(_ row: AdminAppealsController.InboxRow) -> HTML {
        let waiting = row.awaitingStaff ? Self.age(now.timeIntervalSince(row.lastMessageAt)) : "—"
        return
            "<tr><td><a href=\"/admin/appeals/\(String(row.number))\">\(String(row.number))</a></td><td>\(row.topic) — \(row.section)</td><td>№ \(row.contractNumber)</td><td>\(Appeals.Status(rawValue: row.status)?.title ?? row.status)</td><td>\(waiting)</td><td>\(row.assignee ?? "—")</td></tr>"
    }

    /// «3 ч 5 мин», «2 дн 4 ч».
    static func age(_ seconds: TimeInterval) -> String {
        let minutes = max(0, Int(seconds) / 60)
        if minutes < 60 { return "\(minutes) мин" }
        if minutes < 24 * 60 { return "\(minutes / 60) ч \(minutes % 60) мин" }
        return "\(minutes / (24 * 60)) дн \(minutes / 60 % 24) ч"
    }
}

struct AdminAppealPage {
    var staff: StaffMember
    var csrf: String
    var card: Appeals.Card
    var customer: (name: String, email: String, organization: String)
    var messages: [Appeals.Message]
    var files: [Appeals.FileRow]
    var colleagues: [StaffMember]
    var dates: RussianDateFormat
    var text = ""
    var errors: [String: String] = [:]
    var notice: String?

    func render() -> HTML {
        let number = String(card.number)
        let options = colleagues.map { member -> HTML in
            "<option value=\"\(member.id.uuidString)\"\(flag: "selected", member.id == card.assigneeId)>\(member.name)\(member.id == staff.id ? " (я)" : "")</option>"
        }
        let actions: HTML =
            card.isClosed
            ? "<p class=\"muted\">Обращение закрыто.</p>"
            : """
            <section class="card"><h2>Ответ</h2>
            <form class="form narrow" method="post" action="/admin/appeals/\(number)/reply" enctype="multipart/form-data" novalidate>
            \(Forms.csrf(csrf))
            <div class="field\(errors["text"] == nil ? "" : " field-invalid")"><label for="f-text">Текст ответа</label><textarea id="f-text" name="text" rows="6">\(text)</textarea>\(errors["text"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
            <div class="field\(errors["files"] == nil ? "" : " field-invalid")"><label for="f-files">Добавить файл</label><input id="f-files" name="files[]" type="file" multiple>\(errors["files"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
            \(Forms.checkbox(name: "documents", label: "Запросить документы (статус «Требуются документы»)", checked: false))
            <div class="page-actions"><button class="button" type="submit">Ответить</button></div>
            </form></section>
            \(card.topic == "ЛКК ЮЛ" && card.section == "Права доступа" ? grantForm(number) : .empty)
            <section class="card"><h2>Закрыть обращение</h2>
            <form class="form narrow" method="post" action="/admin/appeals/\(number)/close" novalidate>
            \(Forms.csrf(csrf))
            \(Forms.input(name: "resolution", label: "Резолюция", error: errors["resolution"]))
            <div class="page-actions"><button class="button button-secondary" type="submit">Закрыть</button></div>
            </form></section>
            <section class="card"><h2>Исполнитель</h2>
            <form class="filters" method="post" action="/admin/appeals/\(number)/assign">
            \(Forms.csrf(csrf))
            <div class="field"><label for="f-assignee">Сотрудник</label><select id="f-assignee" name="assignee">\(HTML.join(options, separator: ""))</select></div>
            <button class="button button-secondary" type="submit">Назначить</button>
            </form></section>
            """
        return AdminLayout.page(
            title: "Обращение № \(number)", staff: staff, csrf: csrf, current: "/admin/appeals",
            content: """
                <h1>Обращение № \(number)</h1>
                \(Forms.alert(notice, kind: "success"))
                <p>Клиент: \(customer.name.isEmpty ? "—" : customer.name), \(customer.email)\(customer.organization.isEmpty ? "" : ", " + customer.organization)</p>
                \(AppealThread.summary(card, dates: dates))
                <h2>Переписка</h2>
                \(AppealThread.messages(messages, files: files, number: card.number, dates: dates, customerLabel: "Клиент", filePath: { "/admin/appeals/\(number)/files/\($0.uuidString)" }))
                \(actions)
                """)
    }
}

extension AdminAppealPage {
    func grantForm(_ number: String) -> HTML {
        """
        <section class="card"><h2>Роль «Администратор»</h2>
        <p>Назначить автору обращения роль «Администратор» на договоре № \(card.contractNumber). Если у договора уже есть администратор, он станет «Руководителем».</p>
        <form method="post" action="/admin/appeals/\(number)/grant-administrator" class="inline-form">\(Forms.csrf(csrf))<button class="button" type="submit">Назначить «Администратор»</button></form>
        </section>
        """
    }
}

struct AdminCataloguePage {
    var staff: StaffMember
    var csrf: String
    var sections: [Appeals.Section]
    var error: String?

    static func fieldsText(_ section: Appeals.Section) -> String {
        section.fieldList.map { "\($0.kind.rawValue): \($0.label)" }.joined(separator: "\n")
    }

    func render() -> HTML {
        AdminLayout.page(
            title: "Темы обращений", staff: staff, csrf: csrf, current: "/admin/catalogue",
            content: """
                <h1>Темы и разделы обращений</h1>
                \(Forms.alert(error))
                <p>Поля раздела — по одному в строке: «text: Номер прибора учета», «month: Расчетный период», «money: Сумма».</p>
                \(HTML.join(sections.map(form), separator: ""))
                <section class="card"><h2>Новый раздел</h2>\(editor(action: "/admin/catalogue", topic: "", title: "", fields: "", position: 100, published: nil, id: "new"))</section>
                """)
    }

    func form(_ section: Appeals.Section) -> HTML {
        """
        <section class="card"><h2>\(section.topic) — \(section.title)\(section.published ? "" : " (скрыт)")</h2>
        \(editor(action: "/admin/catalogue/\(section.id.uuidString)", topic: section.topic, title: section.title, fields: Self.fieldsText(section), position: section.position, published: section.published, id: section.id.uuidString))
        </section>
        """
    }

    func editor(
        action: String, topic: String, title: String, fields: String, position: Int, published: Bool?, id: String
    )
        -> HTML
    {
        let publishedBox: HTML =
            published.map {
                "<div class=\"field field-check\"><input id=\"p-\(id)\" name=\"published\" type=\"checkbox\" value=\"on\"\($0 ? HTML(trusted: " checked") : .empty)><label for=\"p-\(id)\">Показывать клиентам</label></div>"
            } ?? .empty
        return """
            <form class="form narrow" method="post" action="\(action)" novalidate>
            \(Forms.csrf(csrf))
            <div class="field"><label for="t-\(id)">Тема</label><input id="t-\(id)" name="topic" value="\(topic)"></div>
            <div class="field"><label for="s-\(id)">Раздел</label><input id="s-\(id)" name="title" value="\(title)"></div>
            <div class="field"><label for="f-\(id)">Поля</label><textarea id="f-\(id)" name="fields" rows="3">\(fields)</textarea></div>
            <div class="field"><label for="o-\(id)">Порядок</label><input id="o-\(id)" name="position" inputmode="numeric" value="\(String(position))"></div>
            \(publishedBox)
            <div class="page-actions"><button class="button button-secondary" type="submit">Сохранить</button></div>
            </form>
            """
    }
}
