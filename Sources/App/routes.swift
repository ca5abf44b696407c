import Vapor

/// Each feature registers its own routes.
func routes(_ app: Application, passwords: Passwords, publicDirectory: String) throws {
    let auth = AuthController(passwords: passwords)
    auth.register(app)
    HelpController(auth: auth, publicDirectory: publicDirectory).register(app)
    ProfileController(passwords: passwords).register(app)
    ContractsController().register(app)
    ContractRolesController(passwords: passwords).register(app)
    ReadingsController().register(app)
    ReadingsUploadController().register(app)
    IntervalActsController().register(app)
    PaymentsController().register(app)
    HistoryController().register(app)
    AppealsController().register(app)
    HelpSectionController().register(app)
    NotificationsController().register(app)
    AdminController(passwords: passwords).register(app)
    AdminAppealsController().register(app)
    AdminFAQController().register(app)
    AdminNotificationsController().register(app)
    AdminAgreementController().register(app)
    AdminTextsController().register(app)
    SandboxCheckoutController().register(app)
    SystemController().register(app)
    BillingAPIController().register(app)
    if app.portal.config.mode == .development, case .files(let directory) = app.portal.config.mailer {
        DevMailController(mailbox: DevMailbox(directory: directory)).register(app)
    }
}
