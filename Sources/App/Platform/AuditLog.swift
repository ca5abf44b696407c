import Fluent
import Foundation
import SQLKit
import Vapor

/// The audit log: who did what, when and from where. Never passwords or card data.
public enum AuditLog {
    /// One entry as read back.
    public struct Entry: Sendable, Codable, Equatable {
        public var at: Date
        public var actor: String
        public var accountID: UUID?
        public var action: String
        public var subject: String?
        public var ipAddress: String?
        public var details: String?
    }

    /// Writes one entry. `actor` is `account`, `staff:<id>`, `billing` or `system`.
    public static func record(
        _ action: String, actor: String, accountID: UUID? = nil, subject: String? = nil, ipAddress: String? = nil,
        details: [String: String] = [:], at: Date, on db: Database
    ) async throws {
        try await record(
            action, actor: actor, accountID: accountID, subject: subject, ipAddress: ipAddress, details: details,
            at: at, on: db.sql)
    }

    /// The same, on a transaction that is not Fluent's (`SQLiteWriter`).
    public static func record(
        _ action: String, actor: String, accountID: UUID? = nil, subject: String? = nil, ipAddress: String? = nil,
        details: [String: String] = [:], at: Date, on sql: any SQLDatabase
    ) async throws {
        let json = try detailsText(details)
        try await sql.insert(into: "audit_log")
            .columns("id", "at", "actor", "account_id", "action", "subject", "ip_address", "details")
            .values(
                SQLBind(UUID()), SQLBind(at), SQLBind(actor), SQLBind(accountID), SQLBind(action), SQLBind(subject),
                SQLBind(ipAddress), SQLBind(json)
            )
            .run()
    }

    /// `details` as stored: a JSON object with sorted keys, nothing when empty.
    static func detailsText(_ details: [String: String]) throws -> String? {
        details.isEmpty ? nil : String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self)
    }

    /// The request's view: actor from the session, address from the connection.
    public static func record(
        _ action: String, subject: String? = nil, details: [String: String] = [:], request: Request
    ) async throws {
        let account = request.sessions.accountID
        try await record(
            action, actor: account == nil ? "anonymous" : "account", accountID: account, subject: subject,
            ipAddress: request.clientAddress, details: details, at: request.now, on: request.db)
    }

    /// The newest entries first; `action` and `actor` keep those that start with them.
    public static func recent(
        limit: Int = 100, accountID: UUID? = nil, action: String? = nil, actor: String? = nil, on db: Database
    ) async throws -> [Entry] {
        var query = db.sql.select()
            .columns("at", "actor", "account_id", "action", "subject", "ip_address", "details").from("audit_log")
        if let accountID { query = query.where("account_id", .equal, accountID) }
        if let action, !action.isEmpty { query = query.where("action", .like, Self.prefixPattern(action)) }
        if let actor, !actor.isEmpty { query = query.where("actor", .like, Self.prefixPattern(actor)) }
        return try await query.orderBy("at", .descending).limit(limit).all().map { row in
            Entry(
                at: try row.decode(column: "at", as: Date.self),
                actor: try row.decode(column: "actor", as: String.self),
                accountID: try row.decode(column: "account_id", as: UUID?.self),
                action: try row.decode(column: "action", as: String.self),
                subject: try row.decode(column: "subject", as: String?.self),
                ipAddress: try row.decode(column: "ip_address", as: String?.self),
                details: try row.decode(column: "details", as: String?.self))
        }
    }
}

extension AuditLog {
    /// `text%` with LIKE's own characters taken literally.
    static func prefixPattern(_ text: String) -> String {
        String(text.filter { $0 != "%" && $0 != "_" && $0 != "\\" }.prefix(100)) + "%"
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
