import Fluent
import Foundation

/// A browser session (ARCHITECTURE.md, security defaults). The cookie holds a random token; this row holds
/// only its SHA-256, so a copy of the database cannot be used to sign in.
final class PortalSession: Model, @unchecked Sendable {
    static let schema = "sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "csrf_token") var csrfToken: String
    @OptionalField(key: "account_id") var accountID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @OptionalField(key: "user_agent") var userAgent: String?
    @OptionalField(key: "ip_address") var ipAddress: String?

    init() {}

    init(tokenHash: String, csrfToken: String, accountID: UUID?, now: Date, userAgent: String?, ipAddress: String?) {
        self.tokenHash = tokenHash
        self.csrfToken = csrfToken
        self.accountID = accountID
        createdAt = now
        lastSeenAt = now
        self.userAgent = userAgent.map { String($0.prefix(400)) }
        self.ipAddress = ipAddress
    }
}
