import Foundation
import Markup
import PortalDomain
import Vapor

/// «Уведомления» (manual §10; NTF-1…3): the bell's page, «Модальное окно» as a page of its own (it works
/// without scripts), and the buttons of a notification and of a banner. A notification is the account's own:
/// another account's id, or one withdrawn, is 404.
struct NotificationsController {
    static let pageSize = 20

    func register(_ routes: any RoutesBuilder) {
        routes.get(SitePath.notifications.route, use: list)
        routes.get(SitePath.notificationsModal.route, use: modal)
        routes.post(SitePath.notificationConfirm("").route, use: confirm)
        routes.post(SitePath.notificationFollow("").route, use: follow)
        routes.post(SitePath.notificationClose("").route, use: close)
    }

    /// The list, unread first; `open` unfolds one (the «Галочка»), which reads a simple notification.
    @Sendable func list(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let sql = req.db.sql
        let now = req.now
        var opened: UUID?
        if let id = req.queryValue("open").flatMap(UUID.init(uuidString:)),
            let item = try await Notifications.item(id, account: account.id!, now: now, on: sql)
        {
            opened = id
            if !item.isRead {
                try await Notifications.markRead(item, account: account.id!, confirm: false, now: now, on: sql)
            }
        }
        let requested = max(1, min(10_000, req.queryValue("page").flatMap { Int($0) } ?? 1))
        var (items, total) = try await Notifications.page(
            account: account.id!, page: requested, size: Self.pageSize, now: now, on: sql)
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        let page = min(requested, pages)
        if page != requested {
            items = try await Notifications.page(
                account: account.id!, page: page, size: Self.pageSize, now: now, on: sql
            ).items
        }
        if opened != nil {
            // The count was read with the session, before this page read the notification.
            req.sessions.unreadNotifications = try await Notifications.unreadCount(
                account: account.id!, now: now, on: sql)
        }
        return NotificationsPage(
            context: req.shellContext, items: items, page: page, pages: pages, opened: opened, dates: req.dates
        ).render().response()
    }

    /// «Модальное окно»: the `n`-th of the modal notifications not confirmed yet, «n из N».
    @Sendable func modal(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let pending = try await Notifications.pendingModals(account: account.id!, now: req.now, on: req.db.sql)
        guard !pending.isEmpty else { return req.redirect(to: SitePath.home.path) }
        let index = max(1, min(pending.count, req.queryValue("n").flatMap { Int($0) } ?? 1))
        return NotificationModalPage(
            context: req.shellContext, item: pending[index - 1], index: index, count: pending.count
        )
        .render().response()
    }

    private func item(_ req: Request, account: Account) async throws -> Notifications.Item {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let item = try await Notifications.item(id, account: account.id!, now: req.now, on: req.db.sql)
        else { throw Abort(.notFound) }
        return item
    }

    /// «Подтвердить»: from the modal window, on to the next one (the window closes after the last); from the
    /// list, back to the notification.
    @Sendable func confirm(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let item = try await item(req, account: account)
        try await Notifications.markRead(item, account: account.id!, confirm: true, now: req.now, on: req.db.sql)
        let fields = try req.formFields()
        if fields["from"] == "modal" {
            let left = try await Notifications.pendingModals(account: account.id!, now: req.now, on: req.db.sql)
            guard !left.isEmpty else { return req.redirect(to: SitePath.home.path) }
            let index = min(left.count, max(1, Int(fields["n"] ?? "") ?? 1))
            return req.redirect(to: SitePath.notificationsModal.path + "?n=\(index)")
        }
        let page = max(1, min(10_000, Int(fields["page"] ?? "") ?? 1))
        let id = item.id.uuidString
        return req.redirect(to: SitePath.notifications.path + "?page=\(page)&open=\(id)#n-\(id)")
    }

    /// The link button: the notification is read (and confirmed), then its address opens.
    @Sendable func follow(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let item = try await item(req, account: account)
        guard let link = item.linkUrl, Notifications.isAllowedLink(link) else { throw Abort(.notFound) }
        try await Notifications.markRead(item, account: account.id!, confirm: true, now: req.now, on: req.db.sql)
        return req.redirect(to: link)
    }

    /// A banner's «×» (or «Подтвердить»): it closes and stays in the list, read.
    @Sendable func close(req: Request) async throws -> Response {
        let account = try req.signedIn()
        let item = try await item(req, account: account)
        try await Notifications.close(item, account: account.id!, now: req.now, on: req.db.sql)
        let back = try req.formFields()["back"] ?? ""
        let safe = back.hasPrefix("/") && !back.hasPrefix("//") && !back.contains("\\") && back.count < 300
        return req.redirect(to: safe ? back : SitePath.home.path)
    }
}

/// The bell's page (manual §10.1).
struct NotificationsPage {
    var context: ShellContext
    var items: [Notifications.Item]
    var page: Int
    var pages: Int
    var opened: UUID?
    var dates: RussianDateFormat

    static let mock = NotificationsPage(
        context: .mock,
        items: [
            .init(
                id: UUID(uuidString: "8C1F3E2A-1111-4C4C-9A9A-000000000001")!, kind: "modal",
                subject: "Изменение тарифов с 1 января",
                body:
                    "С 1 января меняются тарифы на передачу электроэнергии.\n\nПодробности: https://example.ru/tariffs",
                needsConfirmation: true, linkUrl: "/payments", linkTitle: "Открыть «Оплату»",
                showsFrom: Date(timeIntervalSince1970: 1_796_000_000), readAt: nil, confirmedAt: nil),
            .init(
                id: UUID(uuidString: "8C1F3E2A-1111-4C4C-9A9A-000000000002")!, kind: "bell",
                subject: "Поступил платеж по договору № 77010000000001", body: "Сумма: 12 500,00 ₽.",
                needsConfirmation: false, linkUrl: nil, linkTitle: nil,
                showsFrom: Date(timeIntervalSince1970: 1_795_000_000),
                readAt: Date(timeIntervalSince1970: 1_795_100_000), confirmedAt: nil),
        ], page: 1, pages: 1, opened: UUID(uuidString: "8C1F3E2A-1111-4C4C-9A9A-000000000001"),
        dates: RussianDateFormat(timeZone: TimeZone(identifier: "Europe/Moscow")!))

    func render() -> HTML {
        let list: HTML =
            items.isEmpty
            ? "<p class=\"empty\">Уведомлений пока нет.</p>"
            : "<ul class=\"notices\">\(each: items, row)</ul>"
        return Layout.page(
            title: "Уведомления", context: context,
            content: """
                <h1>Уведомления</h1>
                \(list)
                \(Pager.html(page: page, count: pages, label: "Страницы уведомлений") { SitePath.notifications.path + "?page=\($0)" })
                """)
    }

    func row(_ item: Notifications.Item) -> HTML {
        let id = item.id.uuidString
        let isOpen = item.id == opened
        let state = item.isRead ? (item.confirmedAt != nil ? "Подтверждено" : "Прочитано") : "Не прочитано"
        let toggle =
            isOpen
            ? SitePath.notifications.path + "?page=\(page)#n-\(id)"
            : SitePath.notifications.path + "?page=\(page)&open=\(id)#n-\(id)"
        let linkForm: HTML =
            item.linkUrl == nil
            ? .empty
            : "<form method=\"post\" action=\"\(SitePath.notificationFollow(id).path)\" class=\"inline-form\">\(Forms.csrf(context.csrf ?? ""))<button class=\"button button-secondary\" type=\"submit\">\(item.linkLabel)</button></form>"
        let details: HTML =
            isOpen
            ? """
            <div class="notice-body" id="nb-\(id)">
            \(PlainText.html(item.body))
            <div class="page-actions">
            \(item.needsConfirmation && item.confirmedAt == nil ? confirmForm(id) : .empty)
            \(linkForm)
            </div>
            </div>
            """ : .empty
        return """
            <li class="notice\(item.isRead ? "" : " notice-unread")" id="n-\(id)">
            <div class="notice-head">
            <span class="envelope\(item.isRead ? "" : " envelope-closed")" title="\(state)">\(item.isRead ? Icons.envelopeOpen : Icons.envelopeClosed)<span class="visually-hidden">\(state)</span></span>
            <span class="notice-subject">\(item.subject)</span>
            <span class="notice-date">\(dates.dateTime(item.showsFrom))</span>
            <a class="notice-toggle" href="\(toggle)" aria-expanded="\(isOpen ? "true" : "false")" title="\(isOpen ? "Свернуть" : "Подробнее")"><span class="visually-hidden">\(isOpen ? "Свернуть" : "Подробнее"): \(item.subject)</span>\(Icons.chevron)</a>
            </div>
            \(details)
            </li>
            """
    }

    func confirmForm(_ id: String) -> HTML {
        """
        <form method="post" action="\(SitePath.notificationConfirm(id).path)" class="inline-form">\(Forms.csrf(context.csrf ?? ""))<input type="hidden" name="from" value="list"><input type="hidden" name="page" value="\(String(page))"><button class="button" type="submit">Подтвердить</button></form>
        """
    }
}

/// «Модальное окно» (manual §10.2): one notification at a time, «n из N», «Назад» and «Вперед».
struct NotificationModalPage {
    var context: ShellContext
    var item: Notifications.Item
    var index: Int
    var count: Int

    static let mock = NotificationModalPage(
        context: .mock, item: NotificationsPage.mock.items[0], index: 1, count: 2)

    func render() -> HTML {
        let id = item.id.uuidString
        let csrf = Forms.csrf(context.csrf ?? "")
        let base = SitePath.notificationsModal.path + "?n="
        let back: HTML =
            index > 1
            ? "<a class=\"button button-secondary\" href=\"\(base + String(index - 1))\" rel=\"prev\">‹ Назад</a>"
            : "<span class=\"button button-secondary is-disabled\" aria-disabled=\"true\">‹ Назад</span>"
        let forward: HTML =
            index < count
            ? "<a class=\"button button-secondary\" href=\"\(base + String(index + 1))\" rel=\"next\">Вперед ›</a>"
            : "<span class=\"button button-secondary is-disabled\" aria-disabled=\"true\">Вперед ›</span>"
        let link: HTML =
            item.linkUrl == nil
            ? .empty
            : "<form method=\"post\" action=\"\(SitePath.notificationFollow(id).path)\" class=\"inline-form\">\(csrf)<button class=\"button button-secondary\" type=\"submit\">\(item.linkLabel)</button></form>"
        let pager: HTML =
            count > 1
            ? "<nav class=\"modal-pager\" aria-label=\"Уведомления\">\(back)<span class=\"modal-count\">\(String(index)) из \(String(count))</span>\(forward)</nav>"
            : .empty
        return Layout.page(
            title: item.subject, context: context,
            content: """
                <div class="modal-backdrop">
                <section class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title">
                <h1 id="modal-title">\(item.subject)</h1>
                \(PlainText.html(item.body))
                <div class="page-actions">
                <form method="post" action="\(SitePath.notificationConfirm(id).path)" class="inline-form">\(csrf)<input type="hidden" name="from" value="modal"><input type="hidden" name="n" value="\(String(index))"><button class="button" type="submit">Подтвердить</button></form>
                \(link)
                </div>
                \(pager)
                </section>
                </div>
                """)
    }
}
