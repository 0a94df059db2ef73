import Foundation
import FoveaProtocol
import Histogram

/// Call counts, errors and latency histograms (HdrHistogram, microseconds) per method and per
/// tool, since the daemon started.
final class ServerStats: @unchecked Sendable {
    private struct Entry {
        var calls = 0
        var errors = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    }

    private let lock = NSLock()
    private var methods: [String: Entry] = [:]
    private var tools: [String: Entry] = [:]
    let started = ContinuousClock.now

    /// Requests answered since the start.
    var answered: Int {
        lock.lock()
        defer { lock.unlock() }
        return methods.values.reduce(0) { $0 + $1.calls }
    }

    /// Records one answered request; `tool` is set for `tools/call`.
    func record(method: String, tool: String?, failed: Bool, elapsed: Duration) {
        let microseconds = UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
        lock.lock()
        defer { lock.unlock() }
        func update(_ entry: inout Entry) {
            entry.calls += 1
            if failed { entry.errors += 1 }
            _ = entry.latency.record(min(microseconds, 120_000_000))
        }
        update(&methods[method, default: Entry()])
        if let tool { update(&tools[tool, default: Entry()]) }
    }

    var methodsJSON: JSONValue {
        lock.lock()
        defer { lock.unlock() }
        return Self.json(methods)
    }

    var toolsJSON: JSONValue {
        lock.lock()
        defer { lock.unlock() }
        return Self.json(tools)
    }

    private static func json(_ entries: [String: Entry]) -> JSONValue {
        .object(entries.mapValues { entry in
            let milliseconds = { (percentile: Double) -> JSONValue in
                .double(Double(entry.latency.valueAtPercentile(percentile)) / 1000)
            }
            return ["calls": .int(entry.calls), "errors": .int(entry.errors),
                    "latency_ms": ["p50": milliseconds(50), "p90": milliseconds(90), "p99": milliseconds(99),
                                   "max": .double(Double(entry.latency.max) / 1000)]]
        })
    }
}
