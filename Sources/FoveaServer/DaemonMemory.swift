import FoveaProtocol
import FoveaSandbox

/// The supervisor's own memory, from `/proc/self/status`, for `server/stats`: a daemon that
/// serves hostile input for days must keep it flat (`fovea fuzz` and the hostile-corpus test
/// compare it before and after).
struct DaemonMemory {
    /// `VmRSS`: resident now.
    var residentBytes: Int
    /// `VmHWM`: the most ever resident.
    var peakResidentBytes: Int

    static func current() -> DaemonMemory? {
        let fields = ProcStatus.fields(of: "self")
        func bytes(_ field: String) -> Int? {
            fields[field].flatMap { $0.split(separator: " ").first }.flatMap { Int($0) }.map { $0 * 1024 }  // "1234 kB"
        }
        guard let rss = bytes("VmRSS"), let peak = bytes("VmHWM") else { return nil }
        return DaemonMemory(residentBytes: rss, peakResidentBytes: peak)
    }

    var json: JSONValue { ["rssBytes": .int(residentBytes), "peakRssBytes": .int(peakResidentBytes)] }
}
