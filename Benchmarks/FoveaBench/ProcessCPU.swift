import FoveaClient
import Glibc

/// CPU time of the daemon, its workers and this process from `/proc`: on a shared machine the
/// CPU a call costs is far steadier than its wall time, which other processes' load stretches.
public struct ProcessCPU: Sendable {
    /// The daemon's own threads (listener, connections, slots: hashing, base64, JSON).
    public var daemon: Double
    /// Its workers: those alive now, plus those it reaped (the daemon's `cutime + cstime`).
    public var workers: Double
    /// This process (the benchmark's clients).
    public var client: Double

    /// Seconds of CPU used so far by the daemon whose pid is `daemon`, its workers and this
    /// process; nil when `/proc` cannot be read.
    public static func now(daemon: pid_t) -> ProcessCPU? {
        guard let own = stat(daemon) else { return nil }
        var workers = own.children
        for child in children(of: daemon) {
            if let worker = stat(child) { workers += worker.own }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let client = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return ProcessCPU(daemon: own.own, workers: workers, client: client)
    }

    /// Milliseconds per call between `start` and `self`, over `calls` calls.
    public func perCall(since start: ProcessCPU, calls: Int) -> ProcessCPU {
        let scale = 1000 / Double(Swift.max(1, calls))
        return ProcessCPU(daemon: (daemon - start.daemon) * scale, workers: (workers - start.workers) * scale,
                          client: (client - start.client) * scale)
    }

    /// The pid of the process on the other end of `client`'s Unix socket (`SO_PEERCRED`).
    public static func peer(of client: FoveaClient) -> pid_t? {
        var credentials = (pid: Int32(0), uid: UInt32(0), gid: UInt32(0))  // struct ucred
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(client.descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              credentials.pid > 0 else { return nil }
        return credentials.pid
    }

    /// utime + stime (all threads, dead ones included) and cutime + cstime (reaped children)
    /// of `pid`, in seconds, from `/proc/PID/stat`.
    static func stat(_ pid: pid_t) -> (own: Double, children: Double)? {
        guard let text = read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let utime = Double(fields[11]), let stime = Double(fields[12]),
              let cutime = Double(fields[13]), let cstime = Double(fields[14]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ((utime + stime) / ticks, (cutime + cstime) / ticks)
    }

    /// The children of every thread of `pid` (workers are spawned from slot threads).
    static func children(of pid: pid_t) -> [pid_t] {
        guard let directory = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(directory) }
        var found: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard Int32(name) != nil, let list = read("/proc/\(pid)/task/\(name)/children") else { continue }
            found += list.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { pid_t($0) }
        }
        return found
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
