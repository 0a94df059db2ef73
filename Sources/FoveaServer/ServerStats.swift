import Foundation
import FoveaProtocol

/// Per-method call counts and errors since start (latency histograms: see ``LatencyRecorder``).
final class ServerStats: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [String: Int] = [:]
    private var errors: [String: Int] = [:]
    let started = ContinuousClock.now

    func record(_ name: String, failed: Bool) {
        lock.lock()
        calls[name, default: 0] += 1
        if failed { errors[name, default: 0] += 1 }
        lock.unlock()
    }

    var json: JSONValue {
        lock.lock()
        defer { lock.unlock() }
        var tools: [String: JSONValue] = [:]
        for (name, count) in calls {
            tools[name] = ["calls": .int(count), "errors": .int(errors[name] ?? 0)]
        }
        return .object(tools)
    }
}
