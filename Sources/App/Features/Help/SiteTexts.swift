import Foundation
import SQLKit

/// Texts of the portal the supplier's staff edit (`site_texts`).
enum SiteTexts {
    enum Key: String, Sendable {
        /// The supplier's own contacts, on «Помощь» → «Контакты».
        case contacts
        /// The supplier's section at the end of «Инструкция пользователя».
        case manual
    }

    static func body(_ key: Key, on sql: any SQLDatabase) async throws -> String {
        try await sql.select().column("body").from("site_texts").where("key", .equal, key.rawValue).first()?
            .decode(column: "body", as: String.self) ?? ""
    }

    static func save(_ key: Key, body: String, by staff: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "site_texts").columns("key", "body", "updated_at", "updated_by")
            .values(SQLBind(key.rawValue), SQLBind(body), SQLBind(now), SQLBind(staff))
            .onConflict(with: ["key"]) {
                $0.set(excludedValueOf: "body").set(excludedValueOf: "updated_at")
                    .set(excludedValueOf: "updated_by")
            }
            .run()
    }
}
