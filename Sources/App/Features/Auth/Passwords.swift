import Crypto
import Foundation
import NIOConcurrencyHelpers
import PortalDomain
import Vapor

/// bcrypt for passwords, on the thread pool. Passwords longer than bcrypt's 72 bytes are pre-hashed with
/// SHA-256 first, so every character counts.
struct Passwords: Sendable {
    let cost: Int
    let common: Set<String>
    /// Every hash and verification, with its cost (the tests compare the work of two paths through it).
    let work: PasswordWork
    /// A hash of the configured cost that matches no password, made the first time it is needed.
    private let decoy = NIOLockedValueBox<String?>(nil)

    init(cost: Int, common: Set<String>, work: PasswordWork = PasswordWork()) {
        self.cost = cost
        self.common = common
        self.work = work
    }

    /// Verifies `password` against a hash of the configured cost that matches nothing: done when no account
    /// matched, so that an unknown address costs the same work as a known one. The hash is made once, on the
    /// thread pool, the first time (not at start-up, which every command goes through).
    func verifyDecoy(_ password: String, on pool: NIOThreadPool) async throws {
        let (prepared, cost, decoy) = (Self.prepared(password), cost, decoy)
        work.record(.verify, cost: cost)
        _ = try await pool.runIfActive {
            let hash = try decoy.withLockedValue { stored in
                if let stored { return stored }
                let made = try Bcrypt.hash(Sessions.randomToken(), cost: cost)
                stored = made
                return made
            }
            return (try? Bcrypt.verify(prepared, created: hash)) ?? false
        }
    }

    static func prepared(_ password: String) -> String {
        guard password.utf8.count > 72 else { return password }
        return "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    func hash(_ password: String, on pool: NIOThreadPool) async throws -> String {
        let (cost, prepared) = (cost, Self.prepared(password))
        work.record(.hash, cost: cost)
        return try await pool.runIfActive { try Bcrypt.hash(prepared, cost: cost) }
    }

    func verify(_ password: String, hash: String, on pool: NIOThreadPool) async throws -> Bool {
        let prepared = Self.prepared(password)
        work.record(.verify, cost: PasswordWork.cost(of: hash))
        return try await pool.runIfActive { (try? Bcrypt.verify(prepared, created: hash)) ?? false }
    }

    func problem(_ password: String, repeated: String?, email: String?) -> PasswordPolicy.Problem? {
        PasswordPolicy.problem(password, repeated: repeated, email: email) { common.contains($0) }
    }

    /// Reads the list shipped in `Resources/common-passwords.txt` (scripts/make-common-passwords).
    static func loadCommonList(publicDirectory: String) throws -> Set<String> {
        let candidates = [
            URL(fileURLWithPath: publicDirectory).deletingLastPathComponent().appendingPathComponent(
                "Resources/common-passwords.txt"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Resources/common-passwords.txt"),
        ]
        for url in candidates {
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                return Set(text.split(separator: "\n").map { String($0) })
            }
        }
        throw ConfigError(
            variable: "PORTAL_RESOURCES_DIR",
            problem: "Resources/common-passwords.txt is missing beside the Public folder")
    }
}

/// The bcrypt operations done, in order, each with its work factor.
final class PasswordWork: Sendable {
    enum Operation: Sendable, Equatable { case hash, verify }
    struct Entry: Sendable, Equatable {
        let operation: Operation
        let cost: Int
    }
    private let entries = NIOLockedValueBox<[Entry]>([])

    init() {}

    func record(_ operation: Operation, cost: Int) {
        entries.withLockedValue { list in
            list.append(Entry(operation: operation, cost: cost))
            // Only the latest are of use (to tests); a serving process keeps a few.
            if list.count > 1_000 { list.removeFirst(list.count - 100) }
        }
    }

    /// What was done since `start` (a value of `count`).
    func since(_ start: Int) -> [Entry] { entries.withLockedValue { Array($0.dropFirst(start)) } }

    var count: Int { entries.withLockedValue { $0.count } }

    /// The cost written in a bcrypt hash (`$2b$12$…`); 0 when it is not one.
    static func cost(of hash: String) -> Int {
        let parts = hash.split(separator: "$")
        return parts.count >= 3 ? Int(parts[1]) ?? 0 : 0
    }
}
