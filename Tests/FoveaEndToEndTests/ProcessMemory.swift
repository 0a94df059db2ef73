import Foundation

/// Memory of the daemon and its workers, read from /proc: resident anonymous memory of every
/// process plus each distinct memfd they hold or map, counted once by the pages it really has
/// (a sparse scratch memfd lent for an output costs only what was written).
enum ProcessMemory {
    struct Snapshot {
        var anonymousBytes: Int
        var memfdBytes: Int
        var total: Int { anonymousBytes + memfdBytes }
    }

    /// Every child of `pid`, whichever of its threads started it (the workers are started by
    /// the slots' threads, so the main thread's list alone misses them).
    static func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { Int32($0) }
        }
    }

    static func statusValue(_ pid: Int32, _ key: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// The daemon `pid` and its workers.
    static func snapshot(daemon pid: Int32) -> Snapshot {
        let processes = [pid] + children(of: pid)
        var anonymous = 0
        var memfds: [String: Int] = [:]
        for process in processes {
            anonymous += statusValue(process, "RssAnon")
            let fdDirectory = "/proc/\(process)/fd"
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? [] {
                let path = fdDirectory + "/" + entry
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path), target.hasPrefix("/memfd:") else { continue }
                var info = stat()
                if stat(path, &info) == 0 { memfds["\(info.st_ino)"] = Int(info.st_blocks) * 512 }
            }
            let maps = (try? String(contentsOfFile: "/proc/\(process)/maps", encoding: .utf8)) ?? ""
            for line in maps.split(separator: "\n") where line.contains("/memfd:") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 5 else { continue }
                let key = String(fields[4])
                var info = stat()
                if memfds[key] == nil, stat("/proc/\(process)/map_files/\(fields[0])", &info) == 0 {
                    memfds[key] = Int(info.st_blocks) * 512
                }
            }
        }
        return Snapshot(anonymousBytes: anonymous, memfdBytes: memfds.values.reduce(0, +))
    }
}
