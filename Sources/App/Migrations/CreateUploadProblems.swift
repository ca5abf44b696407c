import Fluent

/// The full list of an upload's problems, one per line: the page shows them grouped, and this list is what
/// «Скачать полный список замечаний» downloads.
struct CreateUploadProblems: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("reading_uploads").field("problems", .string).update()
    }

    func revert(on database: Database) async throws {
        try await database.schema("reading_uploads").deleteField("problems").update()
    }
}
