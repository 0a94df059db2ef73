import Foundation
import Glibc

/// The code template's home directories: `fovea-code-<daemon pid>-<random>` in the temporary
/// directory, one per daemon (matplotlib's font cache and IPython's profile go there). A daemon
/// removes its own when it stops; one that was killed (SIGKILL, a crash, the OOM killer) cannot,
/// so each daemon removes, before making its own, those whose daemon is gone.
///
/// "Gone" is told by a lock, not by the pid: a daemon holds an exclusive `flock` on the lock
/// file in its home for as long as it runs, and the kernel drops it when the daemon dies. A pid
/// would mislead where daemons in different PID namespaces (containers) share one /tmp.
enum TemplateHomes {
    static let prefix = "fovea-code-"
    static let lockName = ".fovea-daemon.lock"
    /// A home without a lock file (made by a daemon that predates the lock, or one between its
    /// `mkdir` and its lock) is left alone unless its pid is unused and it is older than this.
    static let unlockedAgeSeconds: TimeInterval = 600

    /// A home of this daemon: created (mode 0700) and locked until `release`.
    struct Home {
        let path: String
        fileprivate let lock: Int32

        /// Unlocks and removes the home.
        func release() {
            try? FileManager.default.removeItem(atPath: path)
            close(lock)
        }
    }

    /// Makes and locks a new home for this daemon in `directory`.
    static func make(in directory: String = NSTemporaryDirectory()) throws -> Home {
        let path = (directory as NSString).appendingPathComponent("\(prefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let lock = open((path as NSString).appendingPathComponent(lockName), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let reason = String(cString: strerror(errno))
            if lock >= 0 { close(lock) }
            try? FileManager.default.removeItem(atPath: path)
            throw CodeTemplateError("could not lock the code template's home \(path): \(reason)")
        }
        return Home(path: path, lock: lock)
    }

    /// Removes the homes in `directory` whose daemon is gone: named `fovea-code-<pid>-<digits>`,
    /// owned by this user, and either their lock file is unlocked, or they have none, no process
    /// `pid` exists and they are older than ``unlockedAgeSeconds``. Returns the names removed.
    @discardableResult
    static func removeThoseOfStoppedDaemons(in directory: String = NSTemporaryDirectory(), now: Date = Date()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt32(parts[1]) != nil else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid() else { continue }
            guard isAbandoned(path, pid: pid, modified: Double(status.st_mtim.tv_sec), now: now) else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(name) }
        }
        return removed
    }

    private static func isAbandoned(_ path: String, pid: Int32, modified: Double, now: Date) -> Bool {
        let lock = open((path as NSString).appendingPathComponent(lockName), O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        if lock >= 0 {
            defer { close(lock) }  // closing drops the lock taken here, if it was taken
            return flock(lock, LOCK_EX | LOCK_NB) == 0
        }
        guard errno == ENOENT else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH && now.timeIntervalSince1970 - modified > unlockedAgeSeconds
    }
}
