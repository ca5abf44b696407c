import Markup

/// What the shell around every page needs to know about the visitor.
struct ShellContext: Sendable {
    /// The signed-in person, if any: the profile and bell icons are theirs.
    struct Account: Sendable {
        var displayName: String
        var unreadNotifications: Int
        /// Appeals with replies not opened yet (the counter beside «Обращения»).
        var unreadAppeals = 0
        /// The address is not confirmed yet: every page says so (SHELL-2).
        var emailConfirmed = true
    }

    var currentPath: String
    var account: Account?
    /// The session's CSRF token, for the «Выйти» form.
    var csrf: String?
    /// A staging stand in production mode whose card payments go to the sandbox: every page says so.
    var testPayments = false
    /// «Уведомление в топе» still open, stacked above the page.
    var banners: [Notifications.Item] = []

    init(currentPath: String, account: Account?, csrf: String? = nil) {
        self.currentPath = currentPath
        self.account = account
        self.csrf = csrf
    }

    static let mock = ShellContext(
        currentPath: "/", account: Account(displayName: "Иванова А. П.", unreadNotifications: 3), csrf: "token")
    static let anonymous = ShellContext(currentPath: "/", account: nil)
}

/// One item of the top menu (manual §3). Sections join the menu as they are built.
struct MenuItem: Sendable {
    var title: String
    var path: SitePath

    /// The sections of the top menu (manual §3).
    static let main: [MenuItem] = [
        MenuItem(title: "Оплата", path: .payments),
        MenuItem(title: "Показания", path: .readings),
        MenuItem(title: "История", path: .history),
        MenuItem(title: "Обращения", path: .appeals),
        MenuItem(title: "Помощь", path: .help),
    ]

    /// The items under «Ещё».
    static let more: [MenuItem] = [
        MenuItem(title: "Инструкция пользователя", path: .manual),
        MenuItem(title: "Пользовательское соглашение", path: .agreement),
    ]
}

enum Layout {
    /// The whole page: head, header with the menu, the content, the footer.
    static func page(title: String, context: ShellContext, content: HTML) -> HTML {
        document(
            title: "\(title) — Личный кабинет клиента", header: header(context),
            main: """
                \(context.testPayments ? testPaymentsWarning : .empty)
                \(banners(context))
                \(context.account.map { $0.emailConfirmed ? .empty : unconfirmedWarning })
                \(content)
                """, footer: footer())
    }

    /// The HTML document every page of the portal and of the admin module is: the head with the style sheet
    /// and script, `header`, `main`, `footer`.
    static func document(title: String, header: HTML, main: HTML, footer: HTML = .empty) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="ru">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <link rel="stylesheet" href="/css/portal.css">
        <link rel="icon" href="/icons/favicon.svg" type="image/svg+xml">
        <script type="module" src="/js/portal.js"></script>
        </head>
        <body>
        \(header)
        <main class="page" id="main">
        \(main)
        </main>
        \(footer)
        </body>
        </html>
        """
    }

    static let testPaymentsMessage =
        "Тестовый стенд: платежи картой проходят через тестовый сервис, деньги не списываются."

    static var testPaymentsWarning: HTML {
        "<div class=\"alert alert-error\" role=\"alert\">\(testPaymentsMessage)</div>"
    }

    static func header(_ context: ShellContext) -> HTML {
        let moreActive = MenuItem.more.contains { $0.path.path == context.currentPath }
        return """
            <header class="topbar">
            <a class="brand" href="\(SitePath.home.path)"><span class="brand-mark" aria-hidden="true">⚡</span><span class="brand-text">Личный кабинет<small>клиента – юридического лица</small></span></a>
            <button class="menu-toggle" type="button" aria-controls="site-menu" aria-expanded="false" data-menu-toggle>Меню</button>
            <nav class="menu" id="site-menu" aria-label="Главное меню">
            <ul>
            \(each: MenuItem.main, { menuLink($0, current: context.currentPath, badge: $0.path.path == SitePath.appeals.path ? context.account?.unreadAppeals ?? 0 : 0) })
            <li class="more\(moreActive ? " active" : "")">
            <details data-more>
            <summary>Ещё</summary>
            <ul class="submenu">
            \(each: MenuItem.more, { menuLink($0, current: context.currentPath) })
            </ul>
            </details>
            </li>
            </ul>
            </nav>
            \(context.account.map { accountIcons($0, csrf: context.csrf ?? "") })
            </header>
            """
    }

    static func menuLink(_ item: MenuItem, current: String, badge: Int = 0) -> HTML {
        let active = item.path.path == current || current.hasPrefix(item.path.path + "/")
        let count: HTML =
            badge > 0
            ? " <span class=\"badge\" aria-label=\"с непрочитанными ответами: \(badge)\">\(badge)</span>" : .empty
        return
            "<li><a href=\"\(item.path.path)\"\(active ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(item.title)\(count)</a></li>"
    }

    /// «Уведомления» and «Профиль», top right (manual §3), for a signed-in person.
    static func accountIcons(_ account: ShellContext.Account, csrf: String) -> HTML {
        let badge: HTML =
            account.unreadNotifications > 0
            ? "<span class=\"badge\" aria-label=\"непрочитанных: \(account.unreadNotifications)\">\(account.unreadNotifications)</span>"
            : .empty
        return """
            <div class="account-icons">
            <a class="icon-link" href="\(SitePath.notifications.path)" title="Уведомления" aria-label="Уведомления">\(Icons.bell)\(badge)</a>
            <a class="icon-link" href="\(SitePath.profile.path)" title="Профиль" aria-label="Профиль">\(Icons.person)<span class="account-name">\(account.displayName)</span></a>
            <form method="post" action="\(SitePath.logout.path)" class="inline-form">\(Forms.csrf(csrf))<button class="link-button" type="submit">Выйти</button></form>
            </div>
            """
    }

    /// «Уведомление в топе» (manual §10.3): each until it is closed or its display period ends.
    static func banners(_ context: ShellContext) -> HTML {
        guard !context.banners.isEmpty else { return .empty }
        let items = context.banners.map { item -> HTML in
            let id = item.id.uuidString
            let link: HTML =
                item.linkUrl == nil
                ? .empty
                : "<form method=\"post\" action=\"\(SitePath.notificationFollow(id).path)\" class=\"inline-form\">\(Forms.csrf(context.csrf ?? ""))<button class=\"button button-secondary\" type=\"submit\">\(item.linkLabel)</button></form>"
            let close: HTML =
                item.needsConfirmation
                ? "<button class=\"button\" type=\"submit\">Подтвердить</button>"
                : "<button class=\"banner-close\" type=\"submit\" aria-label=\"Закрыть уведомление «\(item.subject)»\">×</button>"
            return """
                <section class="banner" aria-label="\(item.subject)">
                <div class="banner-text"><p class="banner-subject">\(item.subject)</p>\(PlainText.html(item.body))</div>
                <div class="banner-actions">\(link)<form method="post" action="\(SitePath.notificationClose(id).path)" class="inline-form">\(Forms.csrf(context.csrf ?? ""))<input type="hidden" name="back" value="\(context.currentPath)">\(close)</form></div>
                </section>
                """
        }
        return "<div class=\"banners\">\(HTML.join(items, separator: ""))</div>"
    }

    /// SHELL-2, manual §11.1.2: payments wait for a confirmed e-mail.
    static var unconfirmedWarning: HTML {
        """
        <div class="alert alert-warn" role="status">
        <p>Адрес электронной почты не подтвержден. Пока он не подтвержден, оплата в личном кабинете недоступна.</p>
        <p><a class="button" href="\(SitePath.profile.path)">Перейти в профиль</a></p>
        </div>
        """
    }

    static func footer() -> HTML {
        """
        <footer class="footer">
        <nav aria-label="Документы">
        <a class="button button-secondary" href="\(SitePath.manual.path)">Инструкция пользователя</a>
        <a href="\(SitePath.agreement.path)">Пользовательское соглашение</a>
        </nav>
        <p class="footer-note">Личный кабинет клиента – юридического лица гарантирующего поставщика электроэнергии</p>
        </footer>
        """
    }
}

/// Inline SVG icons (trusted constants).
enum Icons {
    static let save: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M17 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V7Zm-5 16a3 3 0 1 1 3-3 3 3 0 0 1-3 3Zm3-10H5V5h10Z"/></svg>
        """
    static let bell: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5-6.71V3.5a2 2 0 1 0-4 0v.79A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>
        """
    static let download: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3a1 1 0 0 1 1 1v9.59l3.3-3.3 1.4 1.42L12 17.41l-5.7-5.7 1.4-1.42 3.3 3.3V4a1 1 0 0 1 1-1ZM5 19h14v2H5Z"/></svg>
        """
    static let mail: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 2.4V17h16V7.4l-8 5.2Zm1.4-.4L12 11.3 18.6 7Z"/></svg>
        """
    static let trash: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M9 3h6l1 2h4v2H4V5h4Zm-3 6h12l-1 12H7Zm4 2v8h2v-8Zm4 0v8h2v-8Z"/></svg>
        """
    /// «Нераскрытый конверт»: a notification not read yet.
    static let envelopeClosed: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm9 8.2L20.6 7H3.4Z"/></svg>
        """
    /// «Раскрытый конверт»: read.
    static let envelopeOpen: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2.5 21.5 9v11a1 1 0 0 1-1 1h-17a1 1 0 0 1-1-1V9Zm0 2.4L5 9.6l7 4.6 7-4.6ZM4.5 11.4V19h15v-7.6L12 16.3Z"/></svg>
        """
    /// The «Галочка» that unfolds a notification.
    static let chevron: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M6.4 8.6 12 14.2l5.6-5.6L19 10l-7 7-7-7Z"/></svg>
        """
    static let person: HTML = """
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 12a5 5 0 1 0-5-5 5 5 0 0 0 5 5Zm0 2c-4.42 0-8 2.24-8 5v2h16v-2c0-2.76-3.58-5-8-5Z"/></svg>
        """
}
