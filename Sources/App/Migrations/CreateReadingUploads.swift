import Fluent
import SQLKit

/// Files of readings people uploaded, kept with the outcome of each upload (RD-4, RD-7).
struct CreateReadingUploads: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("reading_uploads")
            .id()
            .field("contract_id", .string, .required)
            .field("account_id", .uuid)
            .field("kind", .string, .required)
            .field("period", .string, .required)
            .field("file_name", .string, .required)
            .field("file_data", .data, .required)
            .field("accepted", .int, .required)
            .field("rejected", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sql.create(index: "reading_uploads_contract_idx").on("reading_uploads")
            .column("contract_id").column("created_at").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("reading_uploads").delete()
    }
}
