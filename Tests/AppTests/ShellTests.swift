import Foundation
import Markup
import Testing
import Vapor
import VaporTesting

@testable import App

@Suite struct ShellTests {
    @Test func layoutHasTheMenuAndFooterOfTheManual() {
        let html = HomePage.mock.render().rendered
        #expect(html.contains("<html lang=\"ru\">"))
        #expect(!html.contains(">Выйти</button>"), "no «Выйти» for a visitor")
        #expect(html.contains("<summary>Ещё</summary>"))
        #expect(html.contains(">Инструкция пользователя</a>"))
        #expect(html.contains(">Пользовательское соглашение</a>"))
        #expect(html.contains("name=\"viewport\""))
        #expect(!html.contains("<script>"), "no inline script: the CSP forbids it")
        #expect(!html.contains("title=\"Профиль\""), "no account icons for a visitor")
    }

    @Test func signedInShellShowsBellAndProfile() {
        var context = ShellContext.mock
        context.account?.displayName = "<script>x</script>"
        let html = Layout.page(title: "Т", context: context, content: "").rendered
        #expect(html.contains("aria-label=\"Уведомления\""))
        #expect(html.contains("aria-label=\"Профиль\""))
        #expect(html.contains(">3</span>"))
        #expect(html.contains("href=\"/notifications\""))
        #expect(html.contains("<button class=\"link-button\" type=\"submit\">Выйти</button>"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
        #expect(!html.contains("<script>x"))
    }

    @Test func currentPageIsMarkedInTheMenu() {
        let html = ManualPage(context: ShellContext(currentPath: "/manual", account: nil)).render().rendered
        #expect(html.contains("<a href=\"/manual\" aria-current=\"page\">Инструкция пользователя</a>"))
        #expect(html.contains("<li class=\"more active\">"))
    }

    /// The start page links the sections that exist and describes none that does not yet.
    @Test func theStartPageLinksTheBuiltSections() {
        let html = HomePage.mock.render().rendered
        #expect(html.contains("<h2><a href=\"/payments\">Оплата</a></h2>"))
        #expect(html.contains("<h2><a href=\"/readings\">Показания</a></h2>"))
        #expect(!html.contains("<h2>История</h2>") && !html.contains("<h2>Обращения</h2>"))
    }

    @Test func everyPageRenders() {
        let pages: [(String, String)] = [
            (HomePage.mock.render().rendered, "Личный кабинет клиента – юридического лица"),
            (ManualPage.mock.render().rendered, "<h1>Инструкция пользователя</h1>"),
            (AgreementPage.mock.render().rendered, "<h1>Пользовательское соглашение</h1>"),
            (AgreementPage.mock.render().rendered, "<h2>1. Термины</h2>"),
            (AgreementAcceptPage.mock.render().rendered, "Я принимаю пользовательское соглашение"),
            (NotificationsPage.mock.render().rendered, "envelope envelope-closed"),
            (NotificationsPage.mock.render().rendered, ">Подтвердить</button>"),
            (NotificationModalPage.mock.render().rendered, "1 из 2"),
            (DevMailPage.mock.render().rendered, "Код подтверждения"),
            (PaymentsPage.mock.render().rendered, "12\u{202F}345,67"),
            (PaymentsPage.mock.render().rendered, "График счетов и оплат"),
            (ReadingsPage.mock.render().rendered, "Расчетный период: ноябрь 2026"),
            (ReadingsPage.mock.render().rendered, "Цех № 1"),
            (ContractPage.mock.render().rendered, "<h1>Договор № 74070100000001</h1>"),
            (ContractPage.mock.render().rendered, "Меркурий 230"),
            (HistoryDocumentsPage.mock.render().rendered, "Счет-фактура № СФ-1/11 от 05.12.2026"),
            (HistoryDocumentsPage.mock.render().rendered, "aria-current=\"page\">Документы</a>"),
            (HistorySendPage.mock.render().rendered, "value=\"buh@romashka.ru\""),
            (HistoryPaymentsPage.mock.render().rendered, "Оплачен, ожидает зачисления"),
            (HistoryReadingsPage.mock.render().rendered, "12345,678"),
            (HistoryOrdersPage.mock.render().rendered, "Акт сверки взаиморасчетов с 01.01.2026 по 30.11.2026"),
            (AppealsPage.mock.render().rendered, "Раздел: Расчеты — Зачет переплаты"),
            (AppealsPage.mock.render().rendered, "Новый ответ"),
            (AppealNewPage.mock.render().rendered, "<optgroup label=\"ЛКК ЮЛ\">"),
            (AppealDetailsPage.mock.render().rendered, "Сумма переплаты, ₽"),
            (HelpFAQPage.mock.render().rendered, "Можно ли передать показания файлом Excel?"),
            (HelpFAQPage.mock.render().rendered, "Поисковая фраза"),
            (
                HelpContactsPage.mock.render().rendered,
                "<dt>ФИО руководителя отделения</dt><dd>Смирнов Олег Петрович</dd>"
            ),
            (ErrorPages.page(status: .notFound, context: .anonymous).rendered, "Страница не найдена"),
            (ErrorPages.page(status: .internalServerError, context: .anonymous).rendered, "Что-то пошло не так"),
        ]
        for (html, expected) in pages {
            #expect(html.contains(expected))
            #expect(html.hasSuffix("</html>"))
        }
    }

    @Test func pagesAreServed() async throws {
        try await withPortal { world in
            for (path, title) in [
                ("/", "Вход"), ("/login", "Вход"), ("/register", "Регистрация"), ("/recover", "Восстановление пароля"),
                ("/manual", "Инструкция пользователя"), ("/agreement", "Пользовательское соглашение"),
            ] {
                try await world.app.testing().test(.GET, path) { res async in
                    #expect(res.status == .ok)
                    #expect(res.headers.contentType == .html)
                    #expect(res.body.string.contains("<title>\(title) — Личный кабинет клиента</title>"))
                }
            }
            try await world.app.testing().test(.GET, "css/portal.css") { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("@media"))
            }
            try await world.app.testing().test(.GET, "js/portal.js") { res async in
                #expect(res.status == .ok)
            }
            try await world.app.testing().test(.GET, "favicon.ico") { res async in
                #expect(res.status == .movedPermanently)
                #expect(res.headers.first(name: .location) == "/icons/favicon.svg")
            }
        }
    }

    /// Only paths that can name a public file reach the file system (`PublicFilesMiddleware`); the rest of the
    /// public folder's answers stay as `FileMiddleware` gives them.
    @Test func publicFilesAndThePathsBesideThem() async throws {
        let files = PublicFilesMiddleware(publicDirectory: try #require(Resources.publicDirectory(configured: nil)))
        #expect(files.topLevel == ["css", "icons", "images", "js"])
        for path in ["/css/portal.css", "/js/portal.js", "//icons/favicon.svg", "/css", "/a%20b", "/x/../css/a"] {
            #expect(files.mayNameAFile(path), "\(path)")
        }
        for path in ["/", "/payments", "/readings/upload", "/cssx/portal.css", "/api/v1/contracts"] {
            #expect(!files.mayNameAFile(path), "\(path)")
        }
        try await withPortal { world in
            try await world.app.testing().test(.GET, "icons/favicon.svg") { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("<svg"))
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff", "security headers too")
            }
            for path in ["css", "css/no-such.css"] {
                try await world.app.testing().test(.GET, path) { res async in
                    #expect(res.status == .notFound, "\(path)")
                    #expect(res.body.string.contains("Страница не найдена"), "\(path)")
                }
            }
        }
    }

    @Test func friendlyNotFoundAndServerError() async throws {
        try await withPortal { world in
            world.addTestRoutes()
            try await world.app.testing().test(.GET, "no/such/page") { res async in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains("Страница не найдена"))
                #expect(res.body.string.contains("<summary>Ещё</summary>"), "inside the shell")
            }
            try await world.app.testing().test(.GET, "test/boom") { res async in
                #expect(res.status == .internalServerError)
                #expect(res.body.string.contains("Что-то пошло не так"))
                #expect(!res.body.string.contains("secret-internal-detail"))
            }
        }
    }
}

@Suite struct SystemTests {
    @Test func healthReportsTheDatabase() async throws {
        try await withPortal { world in
            try await world.app.testing().test(.GET, "health") { res async throws in
                #expect(res.status == .ok)
                let body = try res.content.decode(SystemController.Health.self)
                #expect(body.status == "ok")
                #expect(body.database == "ok")
            }
        }
    }

    @Test func metricsCountRequestsJobsAndOutbox() async throws {
        try await withPortal({ $0.metricsToken = "metrics-token-of-the-monitoring" }) { world in
            for _ in 0..<3 { try await world.app.testing().test(.GET, "manual") { _ in } }
            try await world.app.testing().test(.GET, "missing/123") { _ in }
            try await JobQueue.enqueue(
                "test.pending", runAt: world.clock.now().addingTimeInterval(60), on: world.app.db)
            // Another host gets nothing without the token, and everything with it.
            try await world.app.testing().test(.GET, "metrics") { res async in #expect(res.status == .notFound) }
            try await world.app.testing().test(
                .GET, "metrics", headers: ["Authorization": "Bearer another-token-of-someone"]
            ) { res async in #expect(res.status == .notFound) }
            try await world.app.testing().test(
                .GET, "metrics", headers: ["Authorization": "Bearer metrics-token-of-the-monitoring"]
            ) { res async in #expect(res.status == .ok) }
            try await world.fromThisMachine().test(.GET, "metrics") { res async in
                let text = res.body.string
                #expect(res.headers.first(name: .contentType)?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(text.contains("lkk_http_requests_total{method=\"GET\",route=\"/manual\",status=\"200\"} 3"))
                #expect(text.contains("lkk_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"))
                #expect(!text.contains("missing/123"), "raw paths never become labels")
                #expect(text.contains("lkk_http_request_duration_seconds_count{method=\"GET\",route=\"/manual\"} 3"))
                #expect(text.contains("lkk_jobs_queue_depth 1"))
                #expect(text.contains("lkk_mail_outbox_backlog 0"))
            }
        }
    }

    @Test func auditLogRecordsAndReadsBack() async throws {
        try await withPortal { world in
            let account = UUID()
            try await AuditLog.record(
                "signin.failed", actor: "anonymous", subject: "buh@romashka.example", ipAddress: "10.0.0.1",
                at: world.clock.now(), on: world.app.db)
            world.clock.advance(5)
            try await AuditLog.record(
                "signin", actor: "account", accountID: account, ipAddress: "10.0.0.1", details: ["browser": "Chrome"],
                at: world.clock.now(), on: world.app.db)
            let all = try await AuditLog.recent(on: world.app.db)
            #expect(all.map(\.action) == ["signin", "signin.failed"])
            #expect(all.first?.details == "{\"browser\":\"Chrome\"}")
            #expect(try await AuditLog.recent(accountID: account, on: world.app.db).count == 1)
        }
    }
}
