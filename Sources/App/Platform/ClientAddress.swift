import Foundation
import Vapor

/// An address or an IPv4 network (`10.0.0.0/8`) from which `X-Forwarded-For` is believed.
public struct TrustedProxy: Sendable, Equatable {
    let network: UInt32?
    let prefix: Int
    let exact: String?

    /// `10.0.0.5`, `10.0.0.0/8`, or an IPv6 address written exactly as the socket reports it (`::1`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        if let v4 = Self.ipv4(parts[0]) {
            let prefix = parts.count == 2 ? Int(parts[1]) : 32
            guard let prefix, (0...32).contains(prefix) else { return nil }
            network = prefix == 0 ? 0 : v4 & ~UInt32(0) << (32 - prefix)
            self.prefix = prefix
            exact = nil
        } else if parts.count == 1, parts[0].contains(":") {
            network = nil
            prefix = 128
            exact = parts[0].lowercased()
        } else {
            return nil
        }
    }

    func contains(_ address: String) -> Bool {
        if let exact { return address.lowercased() == exact }
        guard let network, let value = Self.ipv4(address) else { return false }
        let mask = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return value & mask == network
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// The client's address: the socket's peer, unless the peer is a trusted proxy; then the nearest
    /// `X-Forwarded-For` hop that is not itself a trusted proxy.
    static func clientAddress(peer: String?, forwardedFor: [String], trusted: [TrustedProxy]) -> String {
        guard let peer else { return "unknown" }
        guard trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty {
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
        }
        return hops.first { !$0.isEmpty } ?? peer
    }
}
