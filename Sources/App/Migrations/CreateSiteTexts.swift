import Fluent
import Foundation
import SQLKit

/// Texts of the portal the supplier's staff edit, by key: the supplier's own contacts on «Помощь» →
/// «Контакты» (above each contract's branch and curator) and its section of «Инструкция пользователя».
struct CreateSiteTexts: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("site_texts")
            .field("key", .string, .identifier(auto: false))
            .field("body", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string)
            .create()
        try await CreateBytewiseKeys.collate([("site_texts", ["key"])], on: database)
        try await database.sql.insert(into: "site_texts").columns("key", "body", "updated_at")
            .values(SQLBind(SiteTexts.Key.contacts.rawValue), SQLBind(Self.contacts), SQLBind(Date())).run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("site_texts").delete()
    }

    static let contacts = """
        Контакт-центр сбытовой компании принимает звонки по будням с 8:00 до 18:00 по местному времени.

        Письменные вопросы удобнее всего задавать в разделе «Обращения»: ответ придет в карточку обращения и на электронную почту.
        """
}
