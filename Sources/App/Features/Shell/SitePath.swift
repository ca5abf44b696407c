/// Every page's address, used both to register routes and to build links, so the two cannot drift.
enum SitePath: Sendable {
    case home
    case manual
    case agreement
    case devMail
    case devMailMessage(String)
    case health
    case metrics

    var path: String {
        switch self {
        case .home: "/"
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
}
