import Vapor

/// Each feature registers its own routes.
func routes(_ app: Application) throws {
    HelpController().register(app)
    SystemController().register(app)
    if app.portal.config.mode == .development, case .files(let directory) = app.portal.config.mailer {
        DevMailController(mailbox: DevMailbox(directory: directory)).register(app)
    }
}
