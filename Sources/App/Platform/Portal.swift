import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The time as the portal sees it; tests move it by hand.
public protocol PortalClock: Sendable {
    func now() -> Date
}

public struct SystemClock: PortalClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stays where it is put.
public final class ManualClock: PortalClock {
    private let current: NIOLockedValueBox<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_900_000)) { current = .init(start) }
    public func now() -> Date { current.withLockedValue { $0 } }
    public func advance(_ seconds: TimeInterval) { current.withLockedValue { $0 += seconds } }
}

/// The portal's own services, reached as `app.portal` / `req.portal`, replaced by tests.
public struct PortalServices: Sendable {
    public var config: PortalConfig
    public var clock: any PortalClock
    public var mailTransport: any MailTransport
    public var metrics: PortalMetrics
    public var jobs: JobRegistry
    /// Where rate-limit windows are counted: in memory on SQLite, in the database on PostgreSQL.
    public var rateLimiter: RateLimiter
    /// The bcrypt operations done (`Passwords`), for tests that compare two paths' work.
    let passwordWork = PasswordWork()

    public init(config: PortalConfig, clock: any PortalClock, mailTransport: any MailTransport) {
        self.config = config
        self.clock = clock
        self.mailTransport = mailTransport
        metrics = PortalMetrics()
        jobs = JobRegistry()
        rateLimiter = RateLimiter(for: config.database)
    }
}

extension Application {
    private struct PortalKey: StorageKey { typealias Value = PortalServices }

    public var portal: PortalServices {
        get {
            guard let services = storage[PortalKey.self] else { fatalError("configure(_:) sets app.portal first") }
            return services
        }
        set { storage[PortalKey.self] = newValue }
    }
}

extension Request {
    public var portal: PortalServices { application.portal }
    /// The time of this request.
    public var now: Date { application.portal.clock.now() }
    /// The address of the client, seen through the load balancers listed in `PORTAL_TRUSTED_PROXIES`.
    public var clientAddress: String {
        TrustedProxy.clientAddress(
            peer: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor],
            trusted: application.portal.config.trustedProxies)
    }
}
