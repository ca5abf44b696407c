import RoutingKit

/// Every page's address, used both to register routes and to build links, so the two cannot drift.
enum SitePath: Sendable {
    case home
    case login
    case logout
    case register
    case registerCode
    case registerResend
    case welcome
    case welcomePhone
    case recover
    case recoverCode
    case recoverResend
    case profile
    case profileEdit
    case profilePhone
    case profileEmail
    case profileEmailConfirm
    case profileEmailResend
    case profileEmailSend
    case profilePassword
    case profileSettings
    case profileDelete
    case profileSessions
    case profileSessionEnd(String)
    case profileCardRemove(String)
    case profileContracts
    case payments
    case paymentsPay
    case paymentReturn(String)
    case readings
    case readingsUpload
    case readingsTemplate
    case intervalTemplate
    case intervalAct(String)
    case uploadProblems(String)
    case contractAdd
    case contractConfirm
    case contract(String)
    case contractDownload(String)
    case contractRemove(String)
    case contractRoles(String)
    case contractRoleNew(String)
    case contractRole(String, String)
    case contractRoleRemove(String, String)
    case history
    case historyDocuments
    case historyDocumentFile
    case historyDocumentSend
    case historyPayments
    case historyReadings
    case historyReadingsDownload
    case historyOrders
    case historyOrderFile(String)
    case appeals
    case appealNew
    case appealDetails
    case appeal(String)
    case appealReply(String)
    case appealFile(String, String)
    case help
    case helpContacts
    case manual
    case manualPDF
    case agreement
    case agreementAccept
    case notifications
    case notificationsModal
    case notificationConfirm(String)
    case notificationFollow(String)
    case notificationClose(String)
    case devMail
    case devMailMessage(String)
    case health
    case ping
    case favicon
    case metrics

    var path: String {
        switch self {
        case .home: "/"
        case .login: "/login"
        case .logout: "/logout"
        case .register: "/register"
        case .registerCode: "/register/code"
        case .registerResend: "/register/code/resend"
        case .welcome: "/welcome"
        case .welcomePhone: "/welcome/phone"
        case .recover: "/recover"
        case .recoverCode: "/recover/code"
        case .recoverResend: "/recover/code/resend"
        case .profile: "/profile"
        case .profileEdit: "/profile/edit"
        case .profilePhone: "/profile/phone"
        case .profileEmail: "/profile/email"
        case .profileEmailConfirm: "/profile/email/confirm"
        case .profileEmailResend: "/profile/email/resend"
        case .profileEmailSend: "/profile/email/send"
        case .profilePassword: "/profile/password"
        case .profileSettings: "/profile/settings"
        case .profileDelete: "/profile/delete"
        case .profileSessions: "/profile/sessions"
        case .profileCardRemove(let id): "/profile/cards/\(id)/remove"
        case .profileSessionEnd(let id): "/profile/sessions/\(id)/end"
        case .profileContracts: "/profile/contracts"
        case .payments: "/payments"
        case .paymentsPay: "/payments/pay"
        case .paymentReturn(let id): "/payments/return/\(id)"
        case .readings: "/readings"
        case .readingsUpload: "/readings/upload"
        case .readingsTemplate: "/readings/template"
        case .intervalTemplate: "/readings/interval-template"
        case .intervalAct(let id): "/readings/acts/\(id)"
        case .uploadProblems(let id): "/readings/uploads/\(id)/problems"
        case .contractAdd: "/contracts/add"
        case .contractConfirm: "/contracts/confirm"
        case .contract(let number): "/contracts/\(number)"
        case .contractDownload(let number): "/contracts/\(number)/download"
        case .contractRemove(let number): "/contracts/\(number)/remove"
        case .contractRoles(let number): "/contracts/\(number)/roles"
        case .contractRoleNew(let number): "/contracts/\(number)/roles/new"
        case .contractRole(let number, let account): "/contracts/\(number)/roles/\(account)"
        case .contractRoleRemove(let number, let account): "/contracts/\(number)/roles/\(account)/remove"
        case .history: "/history"
        case .historyDocuments: "/history/documents"
        case .historyDocumentFile: "/history/documents/file"
        case .historyDocumentSend: "/history/documents/send"
        case .historyPayments: "/history/payments"
        case .historyReadings: "/history/readings"
        case .historyReadingsDownload: "/history/readings/download"
        case .historyOrders: "/history/orders"
        case .historyOrderFile(let id): "/history/orders/\(id)/file"
        case .appeals: "/appeals"
        case .appealNew: "/appeals/new"
        case .appealDetails: "/appeals/new/details"
        case .appeal(let number): "/appeals/\(number)"
        case .appealReply(let number): "/appeals/\(number)/reply"
        case .appealFile(let number, let id): "/appeals/\(number)/files/\(id)"
        case .help: "/help"
        case .helpContacts: "/help/contacts"
        case .manual: "/manual"
        case .manualPDF: "/manual.pdf"
        case .agreement: "/agreement"
        case .agreementAccept: "/agreement/accept"
        case .notifications: "/notifications"
        case .notificationsModal: "/notifications/modal"
        case .notificationConfirm(let id): "/notifications/\(id)/confirm"
        case .notificationFollow(let id): "/notifications/\(id)/follow"
        case .notificationClose(let id): "/notifications/\(id)/close"
        case .devMail: "/dev/mail"
        case .devMailMessage(let name): "/dev/mail/\(name)"
        case .health: "/health"
        case .ping: "/ping"
        case .favicon: "/favicon.ico"
        case .metrics: "/metrics"
        }
    }

    /// The path components for route registration (`:name` for parameters).
    var components: [String] {
        switch self {
        case .devMailMessage: ["dev", "mail", ":name"]
        case .profileSessionEnd: ["profile", "sessions", ":id", "end"]
        case .profileCardRemove: ["profile", "cards", ":id", "remove"]
        case .intervalAct: ["readings", "acts", ":id"]
        case .uploadProblems: ["readings", "uploads", ":id", "problems"]
        case .paymentReturn: ["payments", "return", ":id"]
        case .historyOrderFile: ["history", "orders", ":id", "file"]
        case .appeal: ["appeals", ":number"]
        case .notificationConfirm: ["notifications", ":id", "confirm"]
        case .notificationFollow: ["notifications", ":id", "follow"]
        case .notificationClose: ["notifications", ":id", "close"]
        case .appealReply: ["appeals", ":number", "reply"]
        case .appealFile: ["appeals", ":number", "files", ":id"]
        case .contract: ["contracts", ":number"]
        case .contractDownload: ["contracts", ":number", "download"]
        case .contractRemove: ["contracts", ":number", "remove"]
        case .contractRoles: ["contracts", ":number", "roles"]
        case .contractRoleNew: ["contracts", ":number", "roles", "new"]
        case .contractRole: ["contracts", ":number", "roles", ":account"]
        case .contractRoleRemove: ["contracts", ":number", "roles", ":account", "remove"]
        default: path.split(separator: "/").map(String.init)
        }
    }

    /// The path components for route registration (`:name` for parameters).
    var route: [PathComponent] { components.map(PathComponent.init(stringLiteral:)) }
}
