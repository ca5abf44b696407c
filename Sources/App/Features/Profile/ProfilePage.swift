import Markup
import PortalDomain

/// «Профиль» (manual §11.1): personal data, phone and e-mail edited in place, password, notifications.
struct ProfilePage: Sendable {
    struct Person: Sendable {
        var fullName: String
        var organization: String
        var position: String
        var address: String
        var phone: String
        var email: String
        var emailConfirmed: Bool
        var notifyByEmail: Bool
        var marketing: Bool
    }

    var context: ShellContext
    var csrf: String
    var person: Person
    var errors = FormErrors()
    var notice: String?
    /// Values typed into a form that was refused, by field.
    var typed: [String: String] = [:]
    /// Cards saved with the acquirer for later payments.
    var savedCards: [PaymentsData.SavedCard] = []

    static let mock = ProfilePage(
        context: .mock, csrf: "token",
        person: Person(
            fullName: "Иванова Анна Петровна", organization: "ООО «Ромашка»", position: "Главный бухгалтер",
            address: "г. Екатеринбург, ул. Ленина, 1", phone: "+7 (343) 123-45-67", email: "buh@romashka.ru",
            emailConfirmed: false, notifyByEmail: true, marketing: false))

    func render() -> HTML {
        Layout.page(
            title: "Профиль", context: context,
            content: """
                <h1>Профиль</h1>
                \(ProfileTabs.render(current: .profile))
                \(Forms.alert(notice, kind: "info"))
                \(Forms.alert(errors.form))
                <div class="profile-grid">
                <section class="card">
                <h2>Личные данные</h2>
                <dl class="facts">
                <dt>ФИО</dt><dd>\(person.fullName)</dd>
                <dt>Организация</dt><dd>\(person.organization)</dd>
                <dt>Должность</dt><dd>\(person.position)</dd>
                <dt>Адрес</dt><dd>\(person.address)</dd>
                </dl>
                <p><a class="button button-secondary" href="\(SitePath.profileEdit.path)">Редактирование профиля</a></p>
                </section>
                <section class="card">
                <h2>Контакты</h2>
                <form method="post" action="\(SitePath.profilePhone.path)" class="inline-edit" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "phone", label: "Телефон", type: "tel", value: typed["phone"] ?? person.phone, error: errors["phone"], autocomplete: "tel"))
                <button class="button icon-button" type="submit" title="Сохранить" aria-label="Сохранить телефон">\(Icons.save)</button>
                </form>
                <form method="post" action="\(SitePath.profileEmail.path)" class="inline-edit" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "email", label: "E-mail", type: "email", value: typed["email"] ?? person.email, error: errors["email"], autocomplete: "email"))
                \(Forms.input(name: "emailPassword", label: "Текущий пароль", type: "password", error: errors["emailPassword"], autocomplete: "current-password"))
                <button class="button icon-button" type="submit" title="Сохранить" aria-label="Сохранить e-mail">\(Icons.save)</button>
                </form>
                \(person.emailConfirmed ? HTML("<p class=\"status status-ok\">Адрес подтвержден</p>") : unconfirmed)
                </section>
                <section class="card">
                <h2>Изменить пароль</h2>
                <form method="post" action="\(SitePath.profilePassword.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "current", label: "Текущий пароль", type: "password", error: errors["current"], autocomplete: "current-password"))
                \(Forms.input(name: "password", label: "Новый пароль", type: "password", error: errors["password"], autocomplete: "new-password"))
                \(Forms.input(name: "repeat", label: "Повторите пароль", type: "password", error: errors["repeat"], autocomplete: "new-password"))
                <button class="button" type="submit">Изменить пароль</button>
                </form>
                </section>
                \(savedCards.isEmpty ? HTML.empty : savedCardsSection)
                <section class="card">
                <h2>Уведомления</h2>
                <form method="post" action="\(SitePath.profileSettings.path)">
                \(Forms.csrf(csrf))
                \(Forms.checkbox(name: "notifyByEmail", label: "Получать уведомления на электронную почту", checked: person.notifyByEmail))
                \(Forms.checkbox(name: "marketing", label: "Получать рекламно-информационную рассылку", checked: person.marketing))
                <button class="button button-secondary" type="submit">Сохранить</button>
                </form>
                </section>
                <section class="card">
                <h2>Учетная запись</h2>
                <form method="post" action="\(SitePath.logout.path)" class="inline-form">\(Forms.csrf(csrf))<button class="button button-secondary" type="submit">Выйти</button></form>
                <a class="button button-danger" href="\(SitePath.profileDelete.path)">Удалить аккаунт</a>
                </section>
                </div>
                """)
    }

    var savedCardsSection: HTML {
        """
        <section class="card">
        <h2>Привязанные карты</h2>
        <ul class="saved-cards">\(each: savedCards, savedCard)</ul>
        </section>
        """
    }

    func savedCard(_ card: PaymentsData.SavedCard) -> HTML {
        """
        <li>\(card.title) <form method="post" action="\(SitePath.profileCardRemove(card.id.uuidString).path)" class="inline-form">\(Forms.csrf(csrf))<button class="link-button" type="submit" aria-label="Удалить \(card.title)">Удалить</button></form></li>
        """
    }

    var unconfirmed: HTML {
        """
        <p class="status status-warn">Адрес не подтвержден</p>
        <form method="post" action="\(SitePath.profileEmailSend.path)">\(Forms.csrf(csrf))<button class="button" type="submit">Подтвердить</button></form>
        """
    }
}

/// «Профиль» and «Сессии» tabs.
enum ProfileTabs {
    enum Tab { case profile, contracts, sessions }

    static func render(current: Tab) -> HTML {
        func tab(_ title: String, _ path: SitePath, _ tab: Tab) -> HTML {
            "<a href=\"\(path.path)\"\(current == tab ? HTML(trusted: " aria-current=\"page\" class=\"tab active\"") : HTML(trusted: " class=\"tab\""))>\(title)</a>"
        }
        return
            "<nav class=\"tabs\" aria-label=\"Разделы профиля\">\(tab("Профиль", .profile, .profile))\(tab("Договоры", .profileContracts, .contracts))\(tab("Сессии", .profileSessions, .sessions))</nav>"
    }
}

/// «Редактирование профиля».
struct ProfileEditPage: Sendable {
    var context: ShellContext
    var csrf: String
    var values: WelcomePage.Values
    var errors = FormErrors()

    func render() -> HTML {
        Layout.page(
            title: "Редактирование профиля", context: context,
            content: """
                <section class="auth-card">
                <h1>Редактирование профиля</h1>
                <form method="post" action="\(SitePath.profileEdit.path)" novalidate>
                \(Forms.csrf(csrf))
                \(WelcomePage.fields(values, errors))
                <button class="button button-wide" type="submit">Сохранить</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.profile.path)">Вернуться в профиль</a></p>
                </section>
                """)
    }
}

/// «Удалить аккаунт» confirmation.
struct DeleteAccountPage: Sendable {
    var context: ShellContext
    var csrf: String
    var errors = FormErrors()

    func render() -> HTML {
        Layout.page(
            title: "Удаление аккаунта", context: context,
            content: """
                <section class="auth-card">
                <h1>Удалить аккаунт?</h1>
                <p>Учетная запись будет удалена вместе с доступом ко всем договорам. Войти в нее будет нельзя; адрес электронной почты можно будет использовать для новой регистрации.</p>
                \(Forms.alert(errors.form))
                <form method="post" action="\(SitePath.profileDelete.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "password", label: "Пароль", type: "password", error: errors["password"], autocomplete: "current-password"))
                <button class="button button-danger button-wide" type="submit">Удалить</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.profile.path)">Отмена</a></p>
                </section>
                """)
    }
}

/// «Сессии» (PRF-6).
struct SessionsPage: Sendable {
    struct Row: Sendable {
        var id: String
        var browser: String
        var system: String
        var lastSeen: String
        var current: Bool
    }

    var context: ShellContext
    var csrf: String
    var rows: [Row]

    static let mock = SessionsPage(
        context: .mock, csrf: "token",
        rows: [
            Row(
                id: "a", browser: "Google Chrome 120", system: "Windows 10/11", lastSeen: "29.11.2026 10:15",
                current: true),
            Row(id: "b", browser: "Safari 17", system: "iOS 17", lastSeen: "28.11.2026 18:02", current: false),
        ])

    func render() -> HTML {
        Layout.page(
            title: "Сессии", context: context,
            content: """
                <h1>Профиль</h1>
                \(ProfileTabs.render(current: .sessions))
                <table class="table">
                <thead><tr><th>Браузер</th><th>Операционная система</th><th>Дата и время</th><th></th></tr></thead>
                <tbody>
                \(each: rows, row)
                </tbody>
                </table>
                """)
    }

    func row(_ row: Row) -> HTML {
        """
        <tr><td>\(row.browser)</td><td>\(row.system)</td><td>\(row.current ? HTML(trusted: "<span class=\"badge-current\">Текущая</span>") : HTML("\(row.lastSeen)"))</td>
        <td><form method="post" action="\(SitePath.profileSessionEnd(row.id).path)" class="inline-form">\(Forms.csrf(csrf))<button class="link-button" type="submit">Завершить</button></form></td></tr>
        """
    }
}

/// The code form for a changed e-mail (PRF-2).
struct EmailConfirmPage: Sendable {
    var context: ShellContext
    var csrf: String
    var email: String
    var errors = FormErrors()
    var notice: String?

    func render() -> HTML {
        Layout.page(
            title: "Подтверждение e-mail", context: context,
            content: """
                <section class="auth-card">
                <h1>Подтверждение e-mail</h1>
                <p>Мы отправили письмо с кодом на адрес <b>\(email)</b>. Код действует 15 минут.</p>
                \(Forms.alert(notice, kind: "info"))
                \(Forms.alert(errors.form))
                <form method="post" action="\(SitePath.profileEmailConfirm.path)" novalidate>
                \(Forms.csrf(csrf))
                \(Forms.input(name: "code", label: "Код из письма", error: errors["code"], autocomplete: "one-time-code", inputmode: "numeric", autofocus: true))
                <button class="button button-wide" type="submit">Подтвердить</button>
                </form>
                <form method="post" action="\(SitePath.profileEmailResend.path)" class="inline-form">
                \(Forms.csrf(csrf))
                <button class="link-button" type="submit">Отправить повторно</button>
                </form>
                <p class="auth-links"><a href="\(SitePath.profile.path)">Вернуться в профиль</a></p>
                </section>
                """)
    }
}
