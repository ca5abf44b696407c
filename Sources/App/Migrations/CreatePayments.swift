import Fluent
import SQLKit

/// Online payments (PAY-2…PAY-7), the cards people saved with the acquirer, and the sandbox acquirer's own
/// records (it keeps them as a real acquirer would, apart from the portal's).
struct CreatePayments: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        // Text ids (a UUID's text) so billing's `onlinePaymentId` compares as text on both databases.
        try await database.schema("online_payments")
            .field("id", .string, .identifier(auto: false))
            .field("account_id", .uuid, .required)
            .field("contract_id", .string, .required)
            .field("amount_kopecks", .int64, .required)
            // document, debt or advance: what the person chose to pay.
            .field("purpose", .string, .required)
            // JSON: the shares per document and the advance (PortalDomain.PaymentAllocation).
            .field("allocation", .string, .required)
            .field("acquirer", .string, .required)
            .field("external_id", .string)
            .field("state", .string, .required)
            .field("save_card", .bool, .required)
            .field("saved_card_id", .uuid)
            .field("card_title", .string)
            .field("failure", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        // Billing names the online payment a received payment came from; until it does, the documents that
        // payment covered show as paid and awaiting crediting.
        try await database.schema("payments_received").field("online_payment_id", .string).update()
        try await sql.create(index: "payments_received_online_idx").on("payments_received")
            .column("online_payment_id").run()
        // One payment per acquirer payment: a webhook can never credit two rows.
        try await sql.create(index: "online_payments_external_idx").on("online_payments")
            .column("acquirer").column("external_id").unique().run()
        try await sql.create(index: "online_payments_contract_idx").on("online_payments")
            .column("contract_id").column("state").run()
        try await sql.create(index: "online_payments_account_idx").on("online_payments")
            .column("account_id").column("created_at").run()

        try await database.schema("saved_cards")
            .id()
            .field("account_id", .uuid, .required)
            .field("acquirer", .string, .required)
            .field("method_id", .string, .required)
            .field("title", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "saved_cards_method_idx").on("saved_cards")
            .column("account_id").column("acquirer").column("method_id").unique().run()

        try await database.schema("sandbox_acquirer_payments")
            .field("id", .string, .identifier(auto: false))
            .field("idempotence_key", .string, .required)
            .field("amount_kopecks", .int64, .required)
            .field("description", .string, .required)
            .field("return_url", .string, .required)
            .field("metadata", .string, .required)
            .field("status", .string, .required)
            .field("method_id", .string)
            .field("save_method", .bool, .required)
            .field("card_last4", .string)
            .field("reason", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "sandbox_acquirer_payments_key_idx").on("sandbox_acquirer_payments")
            .column("idempotence_key").unique().run()
        try await database.schema("sandbox_acquirer_methods")
            .field("id", .string, .identifier(auto: false))
            .field("card_last4", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: Database) async throws {
        for table in ["sandbox_acquirer_methods", "sandbox_acquirer_payments", "saved_cards", "online_payments"] {
            try await database.schema(table).delete()
        }
    }
}
