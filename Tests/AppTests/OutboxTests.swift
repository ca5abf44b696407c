import Fluent
import Foundation
import Mail
import SQLKit
import Testing
import Vapor

@testable import App

@Suite struct OutboxTests {
    func letter(_ subject: String = "Код подтверждения") -> MailMessage {
        MailMessage(
            from: MailAddress("noreply@lkk.example"), to: [MailAddress("buh@romashka.example")], subject: subject,
            text: "Ваш код: 123456", date: Date(timeIntervalSince1970: 1_795_900_000))
    }

    @Test func messageIsDeliveredExactlyOnce() async throws {
        try await withPortal { world in
            let id = try await Outbox.enqueue(letter(), now: world.clock.now(), on: world.app.db)
            // A second delivery job for the same message, as a retry or a duplicate would be.
            try await JobQueue.enqueue(
                Outbox.jobKind, payload: id.uuidString, runAt: world.clock.now(), on: world.app.db)
            let worker = JobWorker(application: world.app)
            try await worker.drain()
            world.clock.advance(3600)
            try await worker.drain()
            #expect(world.mail.sent.count == 1)
            #expect(world.mail.sent.first?.to == ["buh@romashka.example"])
            #expect(String(decoding: world.mail.sent[0].mime, as: UTF8.self).contains("Subject: =?UTF-8?B?"))
            #expect(try await world.count("outbox_messages", where: "status = 'sent'") == 1)
            #expect(try await world.count("jobs", where: "status = 'done'") == 2)
        }
    }

    @Test func messageOfARolledBackActionIsNeverSent() async throws {
        try await withPortal { world in
            struct ActionFailed: Error {}
            await #expect(throws: ActionFailed.self) {
                try await world.app.db.transaction { tx in
                    try await Outbox.enqueue(letter(), now: world.clock.now(), on: tx)
                    throw ActionFailed()
                }
            }
            try await JobWorker(application: world.app).drain()
            #expect(world.mail.sent.isEmpty)
            #expect(try await world.count("outbox_messages") == 0)
            #expect(try await world.count("jobs") == 0)
        }
    }

    @Test func transientFailureIsRetriedAndThenDelivered() async throws {
        try await withPortal { world in
            world.mail.script([.failTransient, .failTransient])
            try await Outbox.enqueue(letter(), now: world.clock.now(), on: world.app.db)
            let worker = JobWorker(application: world.app)
            for _ in 0..<4 {
                try await worker.drain()
                world.clock.advance(600)
            }
            #expect(world.mail.sent.count == 1)
            #expect(try await world.count("outbox_messages", where: "status = 'sent' AND attempts = 3") == 1)
        }
    }

    @Test func permanentRefusalIsNotRetried() async throws {
        try await withPortal { world in
            world.mail.script([.failPermanent])
            try await Outbox.enqueue(letter(), now: world.clock.now(), on: world.app.db)
            let worker = JobWorker(application: world.app)
            for _ in 0..<3 {
                try await worker.drain()
                world.clock.advance(3600)
            }
            #expect(world.mail.sent.isEmpty)
            #expect(try await world.count("outbox_messages", where: "status = 'failed'") == 1)
        }
    }

    @Test func devMailListsWhatTheFileMailerWrote() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lkk-devmail-\(UUID().uuidString)")
            .path
        try await withPortal({ $0.mailer = .files(folder) }) { world in
            world.app.portal.mailTransport = FileMailTransport(directory: folder)
            try await Outbox.enqueue(
                letter("Код подтверждения <b>регистрации</b>"), now: world.clock.now(), on: world.app.db)
            try await JobWorker(application: world.app).drain()
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".eml") }
            #expect(names.count == 1)
            // From another host it does not exist.
            try await world.app.testing().test(.GET, "dev/mail") { res async in #expect(res.status == .notFound) }
            try await world.app.testing().test(.GET, "dev/mail/\(names[0])") { res async in
                #expect(res.status == .notFound)
                #expect(!res.body.string.contains("Ваш код: 123456"))
            }
            try await world.fromThisMachine().test(.GET, "dev/mail") { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Код подтверждения &lt;b&gt;регистрации&lt;/b&gt;"))
                #expect(res.body.string.contains("buh@romashka.example"))
            }
            try await world.fromThisMachine().test(.GET, "dev/mail/\(names[0])") { res async in
                #expect(res.body.string.contains("Ваш код: 123456"))
            }
            try await world.fromThisMachine().test(.GET, "dev/mail/..%2F..%2Fetc%2Fpasswd") { res async in
                #expect(res.status == .forbidden || res.status == .notFound)
                #expect(!res.body.string.contains("root:"))
            }
            try await world.app.testing().test(.GET, "dev/mail/0-none.eml") { res async in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test func devMailDoesNotExistInProduction() async throws {
        try await withPortal({ $0.mode = .production }) { world in
            try await world.app.testing().test(.GET, "dev/mail") { res async in
                #expect(res.status == .notFound)
            }
        }
    }
}
