import Fluent
import Foundation

/// A person's login to the portal (GLOSSARY: account). The e-mail is stored lower-cased.
final class Account: Model, @unchecked Sendable {
    static let schema = "accounts"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "email") var email: String?
    @Field(key: "email_confirmed") var emailConfirmed: Bool
    /// Given to accounts an administrator creates by assigning a role; accepted in the «E-mail» field.
    @OptionalField(key: "login") var login: String?
    @Field(key: "password_hash") var passwordHash: String
    @OptionalField(key: "last_name") var lastName: String?
    @OptionalField(key: "first_name") var firstName: String?
    @OptionalField(key: "middle_name") var middleName: String?
    @OptionalField(key: "organization") var organization: String?
    @OptionalField(key: "position") var position: String?
    @OptionalField(key: "address") var address: String?
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "notify_by_email") var notifyByEmail: Bool
    /// Appeals with replies not opened yet: the counter beside «Обращения» in the menu.
    @Field(key: "unread_appeals") var unreadAppeals: Int
    /// A temporary password (given with a role by a contract's administrator) stops working at this time.
    @OptionalField(key: "password_expires_at") var passwordExpiresAt: Date?
    /// The password was made by someone else: a new one is asked for before anything else.
    @Field(key: "must_change_password") var mustChangePassword: Bool
    /// A version of «Пользовательское соглашение» was published that this account has not accepted yet.
    @Field(key: "agreement_pending") var agreementPending: Bool
    @Field(key: "marketing") var marketing: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "password_changed_at") var passwordChangedAt: Date

    init() {}

    init(email: String, passwordHash: String, marketing: Bool, now: Date) {
        self.email = email
        emailConfirmed = true
        self.passwordHash = passwordHash
        self.marketing = marketing
        notifyByEmail = true
        unreadAppeals = 0
        mustChangePassword = false
        agreementPending = false
        createdAt = now
        passwordChangedAt = now
    }

    /// «Давайте познакомимся» is filled in.
    var hasPersonalData: Bool {
        [lastName, firstName, organization, position, address].allSatisfy { ($0 ?? "").isEmpty == false }
    }

    /// «Иванова А. П.»
    var shortName: String {
        guard let lastName, !lastName.isEmpty else { return email ?? login ?? "" }
        let initials = [firstName, middleName].compactMap { $0?.first.map { "\($0)." } }.joined(separator: " ")
        return initials.isEmpty ? lastName : "\(lastName) \(initials)"
    }
}
