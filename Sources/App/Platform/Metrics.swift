import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Request counts and latencies by route, and job outcomes, in this process; `/metrics` renders them in
/// Prometheus text format together with figures read from the database (queue depth, outbox backlog).
public final class PortalMetrics: Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct RouteKey: Hashable { let method: String; let route: String; let status: Int }
    struct Histogram {
        var counts = [Int](repeating: 0, count: PortalMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }
    struct State {
        var requests: [RouteKey: Int] = [:]
        var latency: [String: Histogram] = [:]
        var jobs: [String: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    func observe(method: String, route: String, status: Int, seconds: Double) {
        state.withLockedValue { s in
            s.requests[RouteKey(method: method, route: route, status: status), default: 0] += 1
            var histogram = s.latency["\(method) \(route)"] ?? Histogram()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            s.latency["\(method) \(route)"] = histogram
        }
    }

    func jobFinished(kind: String, succeeded: Bool) {
        state.withLockedValue { $0.jobs["\(kind)|\(succeeded ? "ok" : "error")", default: 0] += 1 }
    }

    /// The Prometheus exposition text.
    func render(jobQueueDepth: Int, outboxBacklog: Int) -> String {
        let s = state.withLockedValue { $0 }
        var out =
            "# HELP lkk_http_requests_total HTTP requests by route and status.\n# TYPE lkk_http_requests_total counter\n"
        for (key, count) in s.requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            out +=
                "lkk_http_requests_total{method=\"\(key.method)\",route=\"\(label(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        out +=
            "# HELP lkk_http_request_duration_seconds Request latency by route.\n# TYPE lkk_http_request_duration_seconds histogram\n"
        for (key, histogram) in s.latency.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            let labels = "method=\"\(parts[0])\",route=\"\(label(parts.count > 1 ? parts[1] : ""))\""
            for (index, bound) in Self.buckets.enumerated() {
                out +=
                    "lkk_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(histogram.counts[index])\n"
            }
            out += "lkk_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "lkk_http_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "lkk_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        out += "# HELP lkk_jobs_finished_total Jobs run by kind and outcome.\n# TYPE lkk_jobs_finished_total counter\n"
        for (key, count) in s.jobs.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|").map(String.init)
            out += "lkk_jobs_finished_total{kind=\"\(label(parts[0]))\",outcome=\"\(parts[1])\"} \(count)\n"
        }
        out +=
            "# HELP lkk_jobs_queue_depth Jobs queued or running.\n# TYPE lkk_jobs_queue_depth gauge\nlkk_jobs_queue_depth \(jobQueueDepth)\n"
        out +=
            "# HELP lkk_mail_outbox_backlog E-mails not yet sent.\n# TYPE lkk_mail_outbox_backlog gauge\nlkk_mail_outbox_backlog \(outboxBacklog)\n"
        return out
    }

    private func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Times each request and records it under its route pattern (never the raw path, so contract numbers
/// do not become label values).
struct MetricsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var status = 500
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
            request.portal.metrics.observe(
                method: request.method.rawValue, route: route, status: status, seconds: seconds)
        }
        let response = try await next.respond(to: request)
        status = Int(response.status.code)
        return response
    }
}
