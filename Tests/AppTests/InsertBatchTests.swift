import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing

@testable import App

@Suite struct InsertBatchTests {
    func audit(_ sql: any SQLDatabase, id: UUID, action: String, at: Date) -> SQLInsertBuilder {
        sql.insert(into: "audit_log").columns(
            "id", "at", "actor", "account_id", "action", "subject", "ip_address", "details"
        )
        .values(
            SQLBind(id), SQLBind(at), SQLBind("system"), SQLLiteral.null, SQLBind(action), SQLLiteral.null,
            SQLLiteral.null, SQLLiteral.null)
    }

    func actions(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.select().column("action").from("audit_log").where("action", .like, "batch.%").orderBy("action")
            .all().map { try $0.decode(column: "action", as: String.self) }
    }

    @Test func onPostgreSQLInsertsIntoSeveralTablesAreOneStatementStoredWholeOrNotAtAll() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            guard sql.dialect.name == "postgresql" else { return }
            let now = world.clock.now()
            let counting = CountingDatabase(sql)
            try await InsertBatch.run(on: counting) { batch in
                try await self.audit(batch, id: UUID(), action: "batch.a", at: now).run()
                try await batch.insert(into: "billing_feed").columns("kind", "entity_id", "payload", "created_at")
                    .values(SQLBind("reading"), SQLBind("CH-batch"), SQLBind("{}"), SQLBind(now)).run()
                try await self.audit(batch, id: UUID(), action: "batch.b", at: now).run()
            } transaction: { _ in
                Issue.record("a small batch is not a transaction")
            }
            #expect(counting.count == 1, "one statement")
            #expect(try await actions(sql) == ["batch.a", "batch.b"])
            let feed = try await sql.select().column("entity_id").from("billing_feed")
                .where("entity_id", .equal, "CH-batch").all()
            #expect(feed.count == 1)

            // The last part fails (a duplicate key): nothing of the batch is stored.
            let taken = UUID()
            try await audit(sql, id: taken, action: "batch.c", at: now).run()
            await #expect(throws: (any Error).self) {
                try await InsertBatch.run(on: sql) { batch in
                    try await self.audit(batch, id: UUID(), action: "batch.d", at: now).run()
                    try await self.audit(batch, id: taken, action: "batch.e", at: now).run()
                } transaction: { _ in
                }
            }
            #expect(try await actions(sql) == ["batch.a", "batch.b", "batch.c"])
        }
    }

    @Test func anythingButAPlainInsertIsRefusedAndALargeBatchGoesAsATransaction() async throws {
        try await withPortal { world in
            let sql = world.app.db.sql
            let now = world.clock.now()
            let counting = CountingDatabase(sql)
            for body: @Sendable (any SQLDatabase) async throws -> Void in [
                { try await $0.select().column("id").from("audit_log").run() },
                { try await self.audit($0, id: UUID(), action: "batch.r", at: now).returning("id").run() },
                { try await $0.update("audit_log").set("action", to: "x").run() },
            ] {
                await #expect(throws: InsertBatch.NotAnInsert.self) {
                    try await InsertBatch.run(on: counting, body) { _ in Issue.record("nothing runs") }
                }
            }
            #expect(counting.count == 0)

            // Over the limit of binds: the inserts are handed to the transaction, in order.
            let handed = NIOLockedValueBox<Int>(0)
            try await InsertBatch.run(on: counting) { batch in
                let insert = batch.insert(into: "billing_feed").columns("kind", "entity_id", "payload", "created_at")
                for index in 0..<(InsertBatch.maxBinds / 4 + 1) {
                    insert.values(SQLBind("reading"), SQLBind("CH-\(index)"), SQLBind("{}"), SQLBind(now))
                }
                try await insert.run()
                try await self.audit(batch, id: UUID(), action: "batch.f", at: now).run()
            } transaction: { inserts in
                handed.withLockedValue { $0 = inserts.count }
            }
            #expect(handed.withLockedValue { $0 } == 2)
            #expect(counting.count == 0)
        }
    }
}
