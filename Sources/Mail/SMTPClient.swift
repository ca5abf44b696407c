import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How the SMTP connection is protected.
public enum SMTPSecurity: String, Sendable, Equatable {
    /// No TLS at all: only for a relay on the same host or in tests.
    case none
    /// Plain connection upgraded with `STARTTLS`, which the server must offer (port 587).
    case startTLS
    /// TLS from the first byte (port 465).
    case implicitTLS
}

/// Where and how to deliver mail over SMTP.
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    /// Seconds to wait for the connection and for each reply.
    public var timeout: TimeInterval
    /// The name sent with `EHLO`.
    public var heloName: String
    /// PEM file of extra trusted roots (for a private relay); `nil` trusts the system store.
    public var trustRootsFile: String?
    /// `nil` picks PLAIN when offered, else LOGIN.
    public var authMechanism: SMTPAuthMechanism?

    public init(
        host: String, port: Int, security: SMTPSecurity, username: String? = nil, password: String? = nil,
        timeout: TimeInterval = 30, heloName: String = "localhost", trustRootsFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.heloName = heloName
        self.trustRootsFile = trustRootsFile
    }

    /// Reads `smtp://user:pass@host:587` (STARTTLS), `smtps://…:465` (implicit TLS) or
    /// `smtp+plain://host:25` (no TLS). Returns `nil` for anything else.
    public init?(url text: String) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty
        else { return nil }
        let security: SMTPSecurity
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.startTLS, 587)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        case "smtp+plain": (security, defaultPort) = (.none, 25)
        default: return nil
        }
        if let port = url.port, !(1...65535).contains(port) { return nil }
        self.init(
            host: host, port: url.port ?? defaultPort, security: security,
            username: url.user?.removingPercentEncoding, password: url.password?.removingPercentEncoding)
        for item in url.queryItems ?? [] {
            switch item.name {
            case "timeout": if let value = item.value.flatMap(Double.init), value > 0 { timeout = value }
            case "helo": if let value = item.value, !value.isEmpty { heloName = value }
            case "ca": trustRootsFile = item.value
            case "auth": authMechanism = item.value.flatMap { SMTPAuthMechanism(rawValue: $0.uppercased()) }
            default: break
            }
        }
    }
}

/// The SASL mechanisms the client speaks.
public enum SMTPAuthMechanism: String, Sendable, Equatable {
    case plain = "PLAIN"
    case login = "LOGIN"
}

/// What went wrong while talking to the SMTP server.
public enum SMTPError: Error, CustomStringConvertible, Equatable {
    case timeout
    case connectionClosed
    case unexpectedReply(command: String, code: Int, text: String)
    case startTLSNotOffered
    case noSupportedAuthMechanism
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .timeout: "SMTP: no reply in time"
        case .connectionClosed: "SMTP: the server closed the connection"
        case .unexpectedReply(let command, let code, let text): "SMTP: \(command) answered \(code) \(text)"
        case .startTLSNotOffered: "SMTP: the server does not offer STARTTLS"
        case .noSupportedAuthMechanism: "SMTP: the server offers neither AUTH PLAIN nor AUTH LOGIN"
        case .invalidResponse(let line): "SMTP: malformed reply line \(line)"
        }
    }

    /// Whether sending again later may succeed (4xx replies, network trouble) or not (5xx).
    public var isTransient: Bool {
        if case .unexpectedReply(_, let code, _) = self { return code < 500 }
        return true
    }
}

/// One reply of the server: the code and its text lines.
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]
}

/// Sends messages over SMTP with STARTTLS or implicit TLS and AUTH PLAIN / LOGIN.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: EventLoopGroup

    public init(configuration: SMTPConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Delivers one message to every recipient; throws if the server refused it.
    public func send(_ message: MailMessage) async throws {
        try await send(MIME.render(message), from: message.from.email, to: message.to.map(\.email))
    }

    /// Delivers an already rendered message.
    public func send(_ data: Data, from sender: String, to recipients: [String]) async throws {
        let config = configuration
        let tlsContext: NIOSSLContext? =
            config.security == .none ? nil : try Self.makeTLSContext(config)
        let handler = SMTPReplyHandler()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(config.timeout * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if config.security == .implicitTLS, let tlsContext {
                        let tls = try NIOSSLClientHandler(
                            context: tlsContext, serverHostname: Self.sniName(config.host))
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.connect(host: config.host, port: config.port).get()
        let session = SMTPSession(channel: channel, handler: handler, timeout: config.timeout)
        do {
            try await session.expect(nil, 220)
            var features = try await session.expect("EHLO \(config.heloName)", 250).lines
            if config.security == .startTLS {
                guard features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw SMTPError.startTLSNotOffered
                }
                try await session.expect("STARTTLS", 220)
                // The handler is made and added on the channel's own event loop: it is not `Sendable`.
                let serverHostname = Self.sniName(config.host)
                try await channel.eventLoop.submit {
                    let tls = try NIOSSLClientHandler(context: tlsContext!, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                }.get()
                features = try await session.expect("EHLO \(config.heloName)", 250).lines
            }
            if let username = config.username {
                try await Self.authenticate(
                    session, features: features, preferred: config.authMechanism, username: username,
                    password: config.password ?? "")
            }
            try await session.expect("MAIL FROM:<\(sender)>", 250)
            for recipient in recipients {
                try await session.expect("RCPT TO:<\(recipient)>", 250, 251)
            }
            try await session.expect("DATA", 354)
            try await session.expectRaw(Self.dotStuffed(data), label: "DATA body", 250)
            _ = try? await session.expect("QUIT", 221)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        channel.close(promise: nil)
    }

    static func authenticate(
        _ session: SMTPSession, features: [String], preferred: SMTPAuthMechanism?, username: String, password: String
    ) async throws {
        var mechanisms =
            features.first { $0.uppercased().hasPrefix("AUTH") }?
            .uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).dropFirst().map(String.init) ?? []
        if let preferred { mechanisms = mechanisms.filter { $0 == preferred.rawValue } }
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await session.expect("AUTH PLAIN \(token)", 235, redacted: "AUTH PLAIN ***")
        } else if mechanisms.contains("LOGIN") {
            try await session.expect("AUTH LOGIN", 334)
            try await session.expect(Data(username.utf8).base64EncodedString(), 334, redacted: "AUTH LOGIN user")
            try await session.expect(Data(password.utf8).base64EncodedString(), 235, redacted: "AUTH LOGIN ***")
        } else {
            throw SMTPError.noSupportedAuthMechanism
        }
    }

    static func makeTLSContext(_ config: SMTPConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = config.trustRootsFile {
            tls.trustRoots = .file(file)
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// SNI must not carry an IP address.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
    }

    /// Lines beginning with a dot get another (RFC 5321 §4.5.2), and the body ends with `CRLF.CRLF`.
    static func dotStuffed(_ data: Data) -> Data {
        var out = Data()
        out.reserveCapacity(data.count + 16)
        var atLineStart = true
        for byte in data {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !out.isEmpty && out.last != UInt8(ascii: "\n") { out.append(contentsOf: Array("\r\n".utf8)) }
        out.append(contentsOf: Array(".\r\n".utf8))
        return out
    }
}

/// A command/reply exchange on an open channel, every step bounded by the timeout.
final class SMTPSession {
    let channel: Channel
    let handler: SMTPReplyHandler
    let timeout: TimeInterval

    init(channel: Channel, handler: SMTPReplyHandler, timeout: TimeInterval) {
        self.channel = channel
        self.handler = handler
        self.timeout = timeout
    }

    @discardableResult
    func expect(_ command: String?, _ codes: Int..., redacted: String? = nil) async throws -> SMTPReply {
        let bytes = command.map { Data(($0 + "\r\n").utf8) }
        return try await exchange(bytes, label: redacted ?? command ?? "greeting", codes: codes)
    }

    @discardableResult
    func expectRaw(_ data: Data, label: String, _ codes: Int...) async throws -> SMTPReply {
        try await exchange(data, label: label, codes: codes)
    }

    private func exchange(_ data: Data?, label: String, codes: [Int]) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let channel = self.channel
        let handler = self.handler
        channel.eventLoop.execute {
            handler.waiters.append(promise)
            handler.deliver()
            if let data {
                channel.writeAndFlush(channel.allocator.buffer(bytes: data), promise: nil)
            }
        }
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            handler.failAll(SMTPError.timeout)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let reply = try await promise.futureResult.get()
        guard codes.contains(reply.code) else {
            throw SMTPError.unexpectedReply(command: label, code: reply.code, text: reply.lines.joined(separator: " "))
        }
        return reply
    }
}

/// Splits the byte stream into reply lines and hands each complete (possibly multi-line) reply to
/// the oldest waiting command. Runs on the channel's event loop only.
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    var waiters: [EventLoopPromise<SMTPReply>] = []
    private var ready: [SMTPReply] = []
    private var pending = [UInt8]()
    private var lines: [String] = []
    private var failure: Error?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        if pending.count > 1 << 20 {
            failAll(SMTPError.invalidResponse("reply too long"))
            context.close(promise: nil)
            return
        }
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var lineBytes = pending[..<newline]
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            pending.removeSubrange(...newline)
            let line = String(decoding: lineBytes, as: UTF8.self)
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
                failAll(SMTPError.invalidResponse(line))
                context.close(promise: nil)
                return
            }
            let isLast = line.utf8.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-"
            lines.append(String(line.dropFirst(4)))
            if isLast {
                ready.append(SMTPReply(code: code, lines: lines))
                lines = []
            }
        }
        deliver()
    }

    /// Replies arrive in order; hand them out in order as commands ask.
    func deliver() {
        if let failure {
            waiters.forEach { $0.fail(failure) }
            waiters.removeAll()
            return
        }
        while !ready.isEmpty && !waiters.isEmpty {
            waiters.removeFirst().succeed(ready.removeFirst())
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {}

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SMTPError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func failAll(_ error: Error) {
        if failure == nil { failure = error }
        deliver()
    }
}
