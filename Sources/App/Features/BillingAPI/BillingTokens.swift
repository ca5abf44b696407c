import Foundation
import SQLKit

/// Bearer tokens of the billing exchange API. Only their SHA-256 is stored; the token is shown once, when
/// `lkk billing token create NAME` makes it.
enum BillingTokens {
    struct Listed: Sendable {
        let name: String
        let createdAt: Date
        let revokedAt: Date?
    }

    /// Makes a token named `name` and returns it; the name says who holds it (e.g. «billing-prod»).
    static func create(name: String, now: Date, on sql: any SQLDatabase) async throws -> String {
        let token = "lkkb_" + Sessions.randomToken()
        try await sql.insert(into: "billing_tokens")
            .columns("id", "name", "token_hash", "created_at", "revoked_at")
            .values(SQLBind(UUID()), SQLBind(name), SQLBind(Sessions.hash(token)), SQLBind(now), SQLLiteral.null)
            .run()
        return token
    }

    /// Revokes every live token named `name`; returns how many.
    static func revoke(name: String, now: Date, on sql: any SQLDatabase) async throws -> Int {
        let live = try await sql.select().column("id").from("billing_tokens")
            .where("name", .equal, name).where("revoked_at", .is, SQLLiteral.null).all()
        guard !live.isEmpty else { return 0 }
        try await sql.update("billing_tokens").set("revoked_at", to: now)
            .where("name", .equal, name).where("revoked_at", .is, SQLLiteral.null).run()
        return live.count
    }

    static func list(on sql: any SQLDatabase) async throws -> [Listed] {
        try await sql.select().columns("name", "created_at", "revoked_at").from("billing_tokens")
            .orderBy("created_at").all()
            .map {
                Listed(
                    name: try $0.decode(column: "name", as: String.self),
                    createdAt: try $0.decode(column: "created_at", as: Date.self),
                    revokedAt: try $0.decode(column: "revoked_at", as: Date?.self))
            }
    }

    /// Whether `token` is a live token.
    static func isValid(_ token: String, on sql: any SQLDatabase) async throws -> Bool {
        guard token.hasPrefix("lkkb_"), token.count < 100 else { return false }
        return try await sql.select().column("id").from("billing_tokens")
            .where("token_hash", .equal, Sessions.hash(token)).where("revoked_at", .is, SQLLiteral.null)
            .first() != nil
    }
}

/// What the portal collected for billing, in the order it happened: billing reads it with a cursor.
enum BillingFeed {
    /// Kinds of entries.
    enum Kind: String, Sendable, CaseIterable {
        /// A reading a person submitted (form or file) for the open period.
        case reading
        /// An account gained access to a contract (its role given).
        case contractLinked
        /// An account's access to a contract ended.
        case contractUnlinked
        /// An hourly profile of a meter for a month (an act: primary or correction).
        case intervalProfile
        /// A card payment the acquirer confirmed, with its split over documents and the advance.
        case onlinePayment
        /// An order placed in «История»: an акт сверки to prepare or a document to e-mail.
        case order
        /// A new appeal, with its first message.
        case appeal
        /// A later message in an appeal, from the customer or the staff.
        case appealMessage
    }

    struct Item: Sendable {
        let cursor: Int64
        let kind: String
        let entityID: String
        let createdAt: Date
        let data: JSONValue
    }

    /// One entry to append.
    struct Entry: Sendable {
        let kind: Kind
        let entityID: String
        let data: JSONValue
    }

    static func append(_ kind: Kind, entityID: String, data: JSONValue, now: Date, on sql: any SQLDatabase)
        async throws
    {
        try await append([Entry(kind: kind, entityID: entityID, data: data)], now: now, on: sql)
    }

    /// Appends entries in their order, several hundred per statement (a file of 5,000 readings would
    /// otherwise make 5,000 round trips).
    static func append(_ entries: [Entry], now: Date, on sql: any SQLDatabase) async throws {
        for chunk in entries.chunked(500) {
            let insert = sql.insert(into: "billing_feed").columns("kind", "entity_id", "payload", "created_at")
            for entry in chunk {
                insert.values(
                    SQLBind(entry.kind.rawValue), SQLBind(entry.entityID),
                    SQLBind(String(decoding: entry.data.json, as: UTF8.self)), SQLBind(now))
            }
            try await insert.run()
        }
    }

    /// Entries after `cursor`, oldest first.
    static func read(after cursor: Int64, limit: Int, on sql: any SQLDatabase) async throws -> [Item] {
        try await sql.select().columns("seq", "kind", "entity_id", "payload", "created_at").from("billing_feed")
            .where("seq", .greaterThan, cursor).orderBy("seq").limit(limit).all()
            .map {
                Item(
                    cursor: try $0.decode(column: "seq", as: Int64.self),
                    kind: try $0.decode(column: "kind", as: String.self),
                    entityID: try $0.decode(column: "entity_id", as: String.self),
                    createdAt: try $0.decode(column: "created_at", as: Date.self),
                    data: JSONValue.parse(Data(try $0.decode(column: "payload", as: String.self).utf8)) ?? .null)
            }
    }
}
