import Foundation
import SQLKit

/// «Помощь» → «Вопрос-ответ» (manual §8.1; HLP-1): questions in groups the staff edit, found by words of
/// the question or the answer whatever their case, «ё» or ending.
enum FAQ {
    struct Group: Decodable, Sendable, Equatable {
        let id: UUID
        let title: String
        let position: Int
        let published: Bool

        static func all(publishedOnly: Bool, on sql: any SQLDatabase) async throws -> [Group] {
            let filter: SQLQueryString = publishedOnly ? "WHERE published = \(bind: true)" : ""
            return try await sql.raw(
                "SELECT id, title, position, published FROM faq_groups \(filter) ORDER BY position, title"
            )
            .all(decoding: Group.self, with: .snakeCase)
        }
    }

    struct Question: Decodable, Sendable, Equatable {
        let id: UUID
        let groupId: UUID
        let question: String
        let answer: String
        let position: Int
        let published: Bool

        /// Published questions of published groups (or all, for the staff), in the group `group` if given,
        /// holding every word of `phrase` (by its stem) in the question or the answer.
        static func find(
            phrase: String, group: UUID?, publishedOnly: Bool, on sql: any SQLDatabase
        ) async throws -> [Question] {
            var conditions: SQLQueryString = "1 = 1"
            if publishedOnly {
                conditions = conditions + " AND q.published = \(bind: true) AND g.published = \(bind: true)"
            }
            if let group { conditions = conditions + " AND q.group_id = \(bind: group)" }
            for stem in FAQ.stems(phrase) {
                conditions = conditions + " AND q.search_text LIKE \(bind: "% " + stem + "%")"
            }
            return try await sql.raw(
                """
                SELECT q.id, q.group_id, q.question, q.answer, q.position, q.published
                FROM faq_questions q JOIN faq_groups g ON g.id = q.group_id
                WHERE \(conditions) ORDER BY g.position, q.position, q.question
                """
            ).all(decoding: Question.self, with: .snakeCase)
        }
    }

    /// Text as it is searched: lower case, «ё» as «е», only letters and digits, each word after a space.
    static func searchText(_ text: String) -> String {
        " " + words(text).joined(separator: " ") + " "
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().replacingOccurrences(of: "ё", with: "е")
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// The stems of a phrase's words: a word of five letters or more loses a common Russian ending, so
    /// «показаний», «показания» and «показан» find the same questions. Words of one letter are left out.
    static func stems(_ phrase: String) -> [String] {
        words(phrase).prefix(10).filter { $0.count > 1 }.map { word in
            guard word.count >= 5 else { return word }
            for ending in endings where word.hasSuffix(ending) && word.count - ending.count >= 3 {
                return String(word.dropLast(ending.count))
            }
            return word
        }
    }

    /// Endings of Russian nouns, adjectives and verbs, the longest first.
    static let endings = [
        "иями", "ями", "ами", "ией", "иях", "ого", "его", "ему", "ому", "ыми", "ими", "ать", "ять", "ить", "еть",
        "ия", "ие", "ий", "ию", "ая", "яя", "ое", "ее", "ые", "ой", "ей", "ый", "ом", "ем", "ам", "ям", "ах", "ях",
        "ов", "ев", "ут", "ют", "а", "я", "ы", "и", "у", "ю", "е", "о", "ь",
    ]

    /// Remembers a phrase that found nothing, for the staff.
    static func recordMiss(_ phrase: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "faq_misses").columns("id", "phrase", "created_at")
            .values(SQLBind(UUID()), SQLBind(String(phrase.prefix(200))), SQLBind(now)).run()
    }
}
