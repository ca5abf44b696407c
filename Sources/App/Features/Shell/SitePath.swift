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
    case manual
    case agreement
    case devMail
    case devMailMessage(String)
    case health
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
        case .manual: "/manual"
        case .agreement: "/agreement"
        case .devMail: "/dev/mail"
        case .devMailMessage(let name): "/dev/mail/\(name)"
        case .health: "/health"
        case .metrics: "/metrics"
        }
    }

    /// The path components for route registration (`:name` for parameters).
    var components: [String] {
        switch self {
        case .devMailMessage: ["dev", "mail", ":name"]
        default: path.split(separator: "/").map(String.init)
        }
    }

    /// The path components for route registration (`:name` for parameters).
    var route: [PathComponent] { components.map(PathComponent.init(stringLiteral:)) }
}
