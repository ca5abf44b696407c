import Foundation
import Mail
import PortalDomain
import SQLKit
import Vapor

/// A member of the supplier's staff (manual §11.2.1.3; ADM-1, ADM-5): the admin module's own accounts, with
/// a password and a second factor (TOTP), never a customer's account.
struct StaffMember: Decodable, Sendable, Equatable {
    enum Role: String, Sendable, CaseIterable {
        /// «Оператор»: answers appeals, reads customers.
        case `operator`
        /// «Администратор системы»: also manages staff and content.
        case admin

        var title: String {
            switch self {
            case .operator: "Оператор"
            case .admin: "Администратор системы"
            }
        }
    }

    let id: UUID
    let email: String
    let name: String
    let role: String
    let passwordHash: String?
    let totpSecret: String?
    let totpLastStep: Int64?
    let enrolled: Bool
    let blocked: Bool
    let setupExpiresAt: Date?
    let createdAt: Date
    let lastSignInAt: Date?

    var staffRole: Role? { Role(rawValue: role) }
    var isAdmin: Bool { staffRole == .admin }

    static let columns =
        "id, email, name, role, password_hash, totp_secret, totp_last_step, enrolled, blocked, setup_expires_at, created_at, last_sign_in_at"

    static func find(email: String, on sql: any SQLDatabase) async throws -> StaffMember? {
        try await sql.raw(
            "SELECT \(unsafeRaw: columns) FROM staff_accounts WHERE email = \(bind: email.lowercased())"
        ).first(decoding: StaffMember.self, with: .snakeCase)
    }

    static func find(id: UUID, on sql: any SQLDatabase) async throws -> StaffMember? {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM staff_accounts WHERE id = \(bind: id)")
            .first(decoding: StaffMember.self, with: .snakeCase)
    }

    /// The member whose setup link carries `token`, while the link is valid.
    static func find(setupToken token: String, now: Date, on sql: any SQLDatabase) async throws -> StaffMember? {
        guard Sessions.isWellFormed(token) else { return nil }
        let member = try await sql.raw(
            """
            SELECT \(unsafeRaw: columns) FROM staff_accounts WHERE setup_token_hash = \(bind: Sessions.hash(token))
            """
        ).first(decoding: StaffMember.self, with: .snakeCase)
        guard let member, let expires = member.setupExpiresAt, expires > now, !member.blocked else { return nil }
        return member
    }

    static func all(on sql: any SQLDatabase) async throws -> [StaffMember] {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM staff_accounts ORDER BY name, email")
            .all(decoding: StaffMember.self, with: .snakeCase)
    }
}

/// Creating staff, their setup links, enrolment and recovery codes.
enum StaffAccounts {
    /// How long a setup link works.
    static let setupLifetime: TimeInterval = 72 * 3600
    static let recoveryCodeCount = 10
    static let issuer = "ЛКК ЮЛ"

    enum Failure: Error, Equatable {
        case invalidEmail, taken
    }

    /// Adds a member (or, for an existing one, starts over: a new password and a new second factor) and
    /// returns the one-time setup token for the link `/admin/setup?token=…`.
    static func invite(
        email raw: String, name: String, role: StaffMember.Role, now: Date, on sql: any SQLDatabase,
        replacing: Bool = false
    ) async throws -> String {
        guard let email = EmailAddress.normalize(raw) else { throw Failure.invalidEmail }
        let token = Sessions.randomToken()
        if let existing = try await StaffMember.find(email: email, on: sql) {
            guard replacing else { throw Failure.taken }
            try await sql.update("staff_accounts")
                .set("password_hash", to: SQLLiteral.null).set("totp_secret", to: SQLLiteral.null)
                .set("totp_last_step", to: SQLLiteral.null).set("enrolled", to: false)
                .set("setup_token_hash", to: Sessions.hash(token))
                .set("setup_expires_at", to: now.addingTimeInterval(setupLifetime))
                .where("id", .equal, existing.id).run()
            try await sql.delete(from: "staff_recovery_codes").where("staff_id", .equal, existing.id).run()
            try await sql.delete(from: "staff_sessions").where("staff_id", .equal, existing.id).run()
            return token
        }
        try await sql.insert(into: "staff_accounts")
            .columns(
                "id", "email", "name", "role", "enrolled", "blocked", "setup_token_hash", "setup_expires_at",
                "created_at"
            )
            .values(
                SQLBind(UUID()), SQLBind(email), SQLBind(name.trimmingCharacters(in: .whitespaces)),
                SQLBind(role.rawValue), SQLBind(false), SQLBind(false), SQLBind(Sessions.hash(token)),
                SQLBind(now.addingTimeInterval(setupLifetime)), SQLBind(now)
            )
            .run()
        return token
    }

    /// The member's TOTP secret for enrolment: the one already drawn, or a new one saved now (so the QR code
    /// stays the same when the page is opened again).
    static func enrolmentSecret(for member: StaffMember, on sql: any SQLDatabase) async throws -> [UInt8] {
        if let stored = member.totpSecret.flatMap(Base32.decode), stored.count >= 10 { return stored }
        let secret = TOTP.newSecret()
        try await sql.update("staff_accounts").set("totp_secret", to: Base32.encode(secret))
            .where("id", .equal, member.id).run()
        return secret
    }

    /// Ten new recovery codes («xxxx-xxxx-xxxx», shown once); only their hashes are kept.
    static func newRecoveryCodes(for id: UUID, on sql: any SQLDatabase) async throws -> [String] {
        try await sql.delete(from: "staff_recovery_codes").where("staff_id", .equal, id).run()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        var codes: [String] = []
        for _ in 0..<recoveryCodeCount {
            let characters = (0..<12).map { _ in alphabet.randomElement(using: &generator)! }
            let code = stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
            codes.append(code)
            try await sql.insert(into: "staff_recovery_codes").columns("id", "staff_id", "code_hash")
                .values(SQLBind(UUID()), SQLBind(id), SQLBind(Sessions.hash(normalizedRecoveryCode(code)))).run()
        }
        return codes
    }

    static func normalizedRecoveryCode(_ typed: String) -> String {
        typed.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    /// Uses up the recovery code `typed` of member `id`: true once, false after or for a wrong one.
    static func useRecoveryCode(_ typed: String, of id: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        let normalized = normalizedRecoveryCode(typed)
        guard normalized.count == 12 else { return false }
        let used = try await sql.raw(
            """
            UPDATE staff_recovery_codes SET used_at = \(bind: now)
            WHERE staff_id = \(bind: id) AND code_hash = \(bind: Sessions.hash(normalized)) AND used_at IS NULL
            RETURNING id
            """
        ).first()
        return used != nil
    }

    static func unusedRecoveryCodes(of id: UUID, on sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.raw(
            "SELECT COUNT(*) AS n FROM staff_recovery_codes WHERE staff_id = \(bind: id) AND used_at IS NULL"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Accepts a TOTP code of `member` at most once: the step is stored only if no other request stored
    /// it (or a later one) first.
    static func acceptCode(_ typed: String, of member: StaffMember, now: Date, on sql: any SQLDatabase) async throws
        -> Bool
    {
        guard let secret = member.totpSecret.flatMap(Base32.decode),
            let step = TOTP.acceptedStep(typed, secret: secret, at: now, lastUsed: member.totpLastStep)
        else { return false }
        let stored = try await sql.raw(
            """
            UPDATE staff_accounts SET totp_last_step = \(bind: step)
            WHERE id = \(bind: member.id) AND (totp_last_step IS NULL OR totp_last_step < \(bind: step))
            RETURNING id
            """
        ).first()
        return stored != nil
    }
}
