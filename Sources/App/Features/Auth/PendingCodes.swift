import Crypto
import Fluent
import Foundation
import Mail
import PortalDomain
import Vapor

/// A code sent by e-mail and waiting to be typed in: a registration (the account is created only when its
/// code is confirmed) or a password recovery.
final class PendingCode: Model, @unchecked Sendable {
    static let schema = "pending_codes"

    enum Purpose: String, Codable { case registration, recovery, emailChange }

    @ID(key: .id) var id: UUID?
    @Field(key: "purpose") var purposeName: String
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "email") var email: String
    @OptionalField(key: "account_id") var accountID: UUID?
    @OptionalField(key: "password_hash") var passwordHash: String?
    @Field(key: "marketing") var marketing: Bool
    @Field(key: "code_hash") var codeHash: String
    @Field(key: "issued_at") var issuedAt: Date
    @Field(key: "last_sent_at") var lastSentAt: Date
    @Field(key: "failed_attempts") var failedAttempts: Int
    @Field(key: "used") var used: Bool

    init() {}

    var purpose: Purpose {
        get { Purpose(rawValue: purposeName) ?? .registration }
        set { purposeName = newValue.rawValue }
    }

    var state: OneTimeCodePolicy.State {
        OneTimeCodePolicy.State(issuedAt: issuedAt, failedAttempts: failedAttempts, used: used)
    }
}

enum PendingCodes {
    static func hash(_ code: String, id: UUID) -> String {
        SHA256.hash(data: Data("\(id.uuidString)|\(code)".utf8)).hex
    }

    /// The pending code of this session for `purpose`, if any.
    static func current(_ purpose: PendingCode.Purpose, session: UUID, on db: Database) async throws -> PendingCode? {
        try await PendingCode.query(on: db).filter(\.$sessionID == session).filter(\.$purposeName == purpose.rawValue)
            .sort(\.$issuedAt, .descending).first()
    }

    /// Replaces this session's pending code for `purpose`. Returns the code to e-mail, or `nil` when the row
    /// is a decoy (an e-mail that already has an account, or none): such a row behaves the same on screen
    /// and accepts no code.
    static func issue(
        _ purpose: PendingCode.Purpose, session: UUID, email: String, accountID: UUID?, passwordHash: String?,
        marketing: Bool, decoy: Bool, now: Date, on db: Database
    ) async throws -> (row: PendingCode, code: String?) {
        try await PendingCode.query(on: db).filter(\.$sessionID == session).filter(\.$purposeName == purpose.rawValue)
            .delete()
        let row = PendingCode()
        let id = UUID()
        row.id = id
        row.purpose = purpose
        row.sessionID = session
        row.email = email
        row.accountID = accountID
        row.passwordHash = passwordHash
        row.marketing = marketing
        row.issuedAt = now
        row.lastSentAt = now
        row.failedAttempts = 0
        row.used = false
        let code = OneTimeCodePolicy.generate()
        row.codeHash = decoy ? Sessions.randomToken() : hash(code, id: id)
        try await row.create(on: db)
        return (row, decoy ? nil : code)
    }

    /// A new code for the same row, when the minute has passed; the count of wrong tries starts again.
    static func reissue(_ row: PendingCode, now: Date, on db: Database) async throws -> (wait: Int, code: String?) {
        let wait = OneTimeCodePolicy.resendWait(lastSentAt: row.lastSentAt, now: now)
        guard wait == 0 else { return (wait, nil) }
        let decoy = row.purpose == .registration ? row.passwordHash == nil : row.accountID == nil
        let code = OneTimeCodePolicy.generate()
        row.codeHash = decoy ? Sessions.randomToken() : hash(code, id: row.id!)
        row.issuedAt = now
        row.lastSentAt = now
        row.failedAttempts = 0
        row.used = false
        try await row.update(on: db)
        return (0, decoy ? nil : code)
    }

    /// «Отправить повторно»: a new code in a new letter; returns the seconds still to wait (0 when sent).
    /// A decoy row sends nothing but answers the same.
    static func resend(_ row: PendingCode, from: MailAddress, now: Date, on db: Database) async throws -> Int {
        let (wait, code) = try await reissue(row, now: now, on: db)
        if let code {
            let letter: MailMessage
            switch row.purpose {
            case .registration: letter = AuthMails.registrationCode(code, to: row.email, from: from, now: now)
            case .recovery: letter = AuthMails.recoveryCode(code, to: row.email, from: from, now: now)
            case .emailChange: letter = AuthMails.emailChangeCode(code, to: row.email, from: from, now: now)
            }
            try await Outbox.enqueue(letter, now: now, on: db)
        }
        return wait
    }

    static let resentNotice = "Мы отправили новый код."

    static func waitMessage(_ seconds: Int) -> String { "Отправить код повторно можно через \(seconds) с." }

    /// Checks a typed code and records the outcome.
    static func verify(_ typed: String, row: PendingCode, now: Date, on db: Database) async throws
        -> OneTimeCodePolicy.Verdict
    {
        let matches = OneTimeCodePolicy.normalize(typed).map { hash($0, id: row.id!) == row.codeHash } ?? false
        let (verdict, state) = OneTimeCodePolicy.check(matches: matches, state: row.state, now: now)
        row.failedAttempts = state.failedAttempts
        row.used = state.used
        try await row.update(on: db)
        return verdict
    }

    /// Codes past their lifetime go (housekeeping).
    static func sweep(on db: Database, now: Date) async throws {
        try await PendingCode.query(on: db).filter(
            \.$issuedAt < now.addingTimeInterval(-2 * OneTimeCodePolicy.lifetime)
        )
        .delete()
    }
}

/// Daily caps on the codes sent to an e-mail address and on the wrong codes typed for it, whatever the
/// browser: «Отправить повторно» gives a code five new tries, so without them a code could be guessed
/// without end. The same answer comes whether or not the address has an account.
enum CodeLimits {
    static let codesPerDay = 5
    static let wrongCodesPerDay = 15
    static let day: TimeInterval = 24 * 3600

    /// Counts a code about to be sent to `email`; the message to show when today's codes are used up.
    static func refusal(sending email: String, _ req: Request) async throws -> String? {
        guard let wait = try await Throttle.check(req, [("codes:\(email)", codesPerDay)], window: day) else {
            return nil
        }
        return "Слишком много кодов для этого адреса за сутки. Повторите через \(Throttle.duration(wait))"
    }

    /// What the typed code gets; a refusal instead when today's wrong codes for the row's address are used up.
    /// A wrong code is counted.
    static func verify(_ typed: String, row: PendingCode, _ req: Request) async throws -> (
        verdict: OneTimeCodePolicy.Verdict, refusal: String?
    ) {
        let bucket = "codes-wrong:\(row.email)"
        if let wait = try await Throttle.peek(req, [(bucket, wrongCodesPerDay)], window: day) {
            return (
                .burned,
                "Слишком много неверных кодов для этого адреса за сутки. Повторите через \(Throttle.duration(wait))"
            )
        }
        let verdict = try await PendingCodes.verify(typed, row: row, now: req.now, on: req.db)
        switch verdict {
        case .wrong, .burned: try await Throttle.record(req, [bucket], window: day)
        default: break
        }
        return (verdict, nil)
    }

    /// «Отправить повторно» for `row`: the seconds still to wait (the minute between letters, or the day's
    /// cap as a message).
    static func resend(_ row: PendingCode, _ req: Request) async throws -> (wait: Int, refusal: String?) {
        let minute = OneTimeCodePolicy.resendWait(lastSentAt: row.lastSentAt, now: req.now)
        if minute == 0, let refusal = try await refusal(sending: row.email, req) { return (0, refusal) }
        return (try await PendingCodes.resend(row, from: req.portal.config.mailFrom, now: req.now, on: req.db), nil)
    }
}
