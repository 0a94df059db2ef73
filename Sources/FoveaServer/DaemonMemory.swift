import Foundation
import FoveaProtocol

/// The supervisor's own memory, from `/proc/self/status`, for `server/stats`: a daemon that
/// serves hostile input for days must keep it flat (`fovea fuzz` and the hostile-corpus test
/// compare it before and after).
struct DaemonMemory {
    /// `VmRSS`: resident now.
    var residentBytes: Int
    /// `VmHWM`: the most ever resident.
    var peakResidentBytes: Int

    static func current() -> DaemonMemory? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func kilobytes(_ field: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = kilobytes("VmRSS"), let peak = kilobytes("VmHWM") else { return nil }
        return DaemonMemory(residentBytes: rss * 1024, peakResidentBytes: peak * 1024)
    }

    var json: JSONValue { ["rssBytes": .int(residentBytes), "peakRssBytes": .int(peakResidentBytes)] }
}
