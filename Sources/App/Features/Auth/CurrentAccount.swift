import Fluent
import Vapor

/// Loads the signed-in account once per request and keeps a person who has not finished registration on
/// the step they left (AUTH-3): «Давайте познакомимся», then the phone, then a new password when the one
/// they have was made by someone else.
struct CurrentAccountMiddleware: AsyncMiddleware {
    struct Key: StorageKey { typealias Value = Account }

    /// Pages a person may open before finishing registration.
    static let openPaths: Set<String> = [
        SitePath.welcome.path, SitePath.welcomePhone.path, SitePath.logout.path, SitePath.manual.path,
        SitePath.agreement.path, SitePath.manualPDF.path, SitePath.health.path, SitePath.metrics.path,
    ]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.sessions.accountID != nil else { return try await next.respond(to: request) }
        guard let account = request.sessions.loadedAccount else {
            try await request.sessions.signOut()
            return request.redirect(to: SitePath.login.path)
        }
        request.storage[Key.self] = account
        let path = request.url.path
        // Banners are unread notifications: with none unread there are none to read.
        if request.sessions.unreadNotifications > 0 && request.method == .GET {
            request.storage[NotificationBannersKey.self] = try await Notifications.banners(
                account: account.id!, now: request.now, on: request.db.sql)
        }
        if !Self.openPaths.contains(path) && !path.hasPrefix("/dev/") {
            if !account.hasPersonalData { return request.redirect(to: SitePath.welcome.path) }
            if account.phone == nil && path != SitePath.welcomePhone.path {
                return request.redirect(to: SitePath.welcomePhone.path)
            }
            // A password someone else made (a role given to a new address) is replaced before anything else.
            if account.mustChangePassword && path != SitePath.profile.path && path != SitePath.profilePassword.path {
                return request.redirect(to: SitePath.profile.path + "?password=required")
            }
            // A new version of the agreement is accepted before anything else.
            if account.agreementPending && !account.mustChangePassword && path != SitePath.agreementAccept.path {
                return request.redirect(to: SitePath.agreementAccept.path)
            }
        }
        return try await next.respond(to: request)
    }
}

/// The banners («Уведомление в топе») of this request's page, read only when the bell counts unread ones.
struct NotificationBannersKey: StorageKey { typealias Value = [Notifications.Item] }

extension Request {
    /// The signed-in account, if any.
    var account: Account? { storage[CurrentAccountMiddleware.Key.self] }
}

extension Request {
    /// The signed-in account; a visitor who is not signed in is sent to «Вход».
    func signedIn() throws -> Account {
        guard let account else { throw Abort.redirect(to: SitePath.login.path) }
        return account
    }
}
