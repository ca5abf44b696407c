import Foundation
import Testing

@testable import Mail

/// Starts `Tests/support/smtp_sink.py` (aiosmtpd) once for this suite.
final class SMTPSink: Sendable {
    let directory: URL
    let plainPort: Int
    let startTLSPort: Int
    let tlsPort: Int
    let certificate: String
    let process: Process

    static let shared: Result<SMTPSink, Error> = Result { try SMTPSink() }

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("support/smtp_sink.py")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lkk-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ready = directory.appendingPathComponent("ready.json")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script.path, "--dir", directory.path, "--ready-file", ready.path, "--exit-on-stdin-eof",
        ]
        // The sink must not hold the test runner's output open, or `swift test` waits for it forever;
        // its stdin is a pipe whose end dies with this process, which stops the sink.
        let log = directory.appendingPathComponent("sink.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready.path) {
            guard process.isRunning, Date() < deadline else {
                throw SinkError("the SMTP sink did not start: is aiosmtpd installed (pip install aiosmtpd)?")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: ready)) as! [String: Any]
        let ports = info["ports"] as! [String: Int]
        plainPort = ports["plain"]!
        startTLSPort = ports["starttls"]!
        tlsPort = ports["tls"]!
        certificate = info["cert"] as! String
        atexit { if case .success(let sink) = SMTPSink.shared { sink.process.terminate() } }
    }

    /// The messages stored so far whose body contains `marker`, with their envelopes.
    func messages(containing marker: String) throws -> [(data: Data, envelope: [String: Any])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }
        return try files.sorted().compactMap { name in
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard String(decoding: data, as: UTF8.self).contains(marker) else { return nil }
            let json = directory.appendingPathComponent(String(name.dropLast(4)) + ".json")
            let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
            return (data, envelope)
        }
    }
}

struct SinkError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

@Suite(.serialized) struct SMTPSinkTests {
    func message(marker: String) -> MailMessage {
        MailMessage(
            from: MailAddress("noreply@lkk.example", name: "Личный кабинет"),
            to: [MailAddress("buh@romashka.example"), MailAddress("energo@romashka.example")],
            subject: "Код подтверждения — \(marker)",
            text: "Здравствуйте!\n.строка с точкой в начале\nВаш код: 123456 (\(marker))",
            html: "<p>Ваш код: <b>123456</b></p>", date: Date(), messageID: "<\(marker)@lkk.example>")
    }

    @Test func plainConversationDeliversTheMessageIntact() async throws {
        let sink = try SMTPSink.shared.get()
        let marker = UUID().uuidString
        let mail = message(marker: marker)
        let rendered = MIME.render(mail)
        let client = SMTPClient(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.plainPort, security: .none, timeout: 10))
        try await client.send(rendered, from: mail.from.email, to: mail.to.map(\.email))
        let stored = try sink.messages(containing: marker)
        #expect(stored.count == 1)
        // The sink stores the bytes it received, dot-unstuffed: they must equal what we rendered.
        #expect(stored.first?.data == rendered)
        #expect(stored.first?.envelope["mail_from"] as? String == "noreply@lkk.example")
        #expect(stored.first?.envelope["rcpt_tos"] as? [String] == ["buh@romashka.example", "energo@romashka.example"])
    }

    @Test func startTLSWithAuthPlain() async throws {
        let sink = try SMTPSink.shared.get()
        let marker = UUID().uuidString
        let config = SMTPConfiguration(
            host: "localhost", port: sink.startTLSPort, security: .startTLS, username: "lkk", password: "secret",
            timeout: 10, trustRootsFile: sink.certificate)
        try await SMTPClient(configuration: config).send(message(marker: marker))
        let stored = try sink.messages(containing: marker)
        #expect(stored.count == 1)
        #expect(stored.first?.envelope["tls"] as? Bool == true)
        #expect(stored.first?.envelope["authenticated"] as? Bool == true)
    }

    @Test func implicitTLSWithAuthLogin() async throws {
        let sink = try SMTPSink.shared.get()
        let marker = UUID().uuidString
        var config = SMTPConfiguration(
            host: "localhost", port: sink.tlsPort, security: .implicitTLS, username: "lkk", password: "secret",
            timeout: 10, trustRootsFile: sink.certificate)
        config.authMechanism = .login
        try await SMTPClient(configuration: config).send(message(marker: marker))
        #expect(try sink.messages(containing: marker).count == 1)
    }

    @Test func wrongPasswordIsRefusedAndNothingIsStored() async throws {
        let sink = try SMTPSink.shared.get()
        let marker = UUID().uuidString
        let config = SMTPConfiguration(
            host: "localhost", port: sink.startTLSPort, security: .startTLS, username: "lkk", password: "wrong",
            timeout: 10, trustRootsFile: sink.certificate)
        do {
            try await SMTPClient(configuration: config).send(message(marker: marker))
            Issue.record("a wrong password was accepted")
        } catch let error as SMTPError {
            guard case .unexpectedReply(let command, let code, _) = error else {
                Issue.record("expected a refusal, got \(error)")
                return
            }
            #expect(command == "AUTH PLAIN ***", "the password is not in the error")
            #expect(code == 535)
            #expect(!error.isTransient)
        }
        #expect(try sink.messages(containing: marker).isEmpty)
    }

    @Test func untrustedCertificateIsRefused() async throws {
        let sink = try SMTPSink.shared.get()
        let config = SMTPConfiguration(host: "localhost", port: sink.tlsPort, security: .implicitTLS, timeout: 5)
        await #expect(throws: (any Error).self) {
            try await SMTPClient(configuration: config).send(message(marker: "x"))
        }
    }

    @Test func silentServerTimesOut() async throws {
        // A listening socket that never greets: the client must give up after its timeout.
        let server = try await ServerBootstrapSilent.start()
        defer { server.close() }
        let config = SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .none, timeout: 0.5)
        let started = Date()
        await #expect(throws: SMTPError.timeout) {
            try await SMTPClient(configuration: config).send(message(marker: "t"))
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
