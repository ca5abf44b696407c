import Crypto
import Foundation
import PortalDomain
import Vapor

/// bcrypt for passwords, on the thread pool. Passwords longer than bcrypt's 72 bytes are pre-hashed with
/// SHA-256 first, so every character counts.
struct Passwords: Sendable {
    let cost: Int
    let common: Set<String>

    static func prepared(_ password: String) -> String {
        guard password.utf8.count > 72 else { return password }
        return "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    func hash(_ password: String, on pool: NIOThreadPool) async throws -> String {
        let (cost, prepared) = (cost, Self.prepared(password))
        return try await pool.runIfActive { try Bcrypt.hash(prepared, cost: cost) }
    }

    func verify(_ password: String, hash: String, on pool: NIOThreadPool) async throws -> Bool {
        let prepared = Self.prepared(password)
        return try await pool.runIfActive { (try? Bcrypt.verify(prepared, created: hash)) ?? false }
    }

    /// A hash that matches nothing, verified when no account matched so both answers take as long.
    static let decoy = "$2b$04$C6UzMDM.H6dfI/f/IKxGhuVQaoNyydAoBwZ48wL9bWjJfChyKPBZy"

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
