import Foundation
import Glibc

/// A spare worker (``WorkerSlot``, decode isolation) starts at the lowest CPU priority, nice
/// 19, and is brought back to the daemon's own priority when a job takes it. Its start (≈ 50–90
/// ms of CPU: the dynamic linker, libvips, the sandbox) then uses only what live jobs leave
/// idle: on two cores, a spare started at normal priority took its share from the tiles of
/// the very image whose decode it replaces. A spare is needed only after the next decode, so
/// it has the whole job's time to start.
///
/// Linux keeps a nice value per thread and a new thread takes its creator's, so lowering the
/// main thread right after the spawn lowers the threads it starts; raising walks every thread
/// in `/proc/<pid>/task`. Raising needs `CAP_SYS_NICE` (or an `RLIMIT_NICE` that allows it):
/// where it fails, the slot kills that spare, starts its workers at normal priority from then
/// on, and logs why once.
enum SparePriority {
    /// The nice value spares start with.
    static let spare: Int32 = 19

    /// This process's nice value: what a spare goes back to.
    static var daemon: Int32 {
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        return errno == 0 ? value : 0
    }

    /// Sets every thread of process `pid` to `nice`. Returns nil when all were set (threads that
    /// exit meanwhile do not count), else the error of the first that could not be.
    @discardableResult
    static func set(_ pid: pid_t, nice: Int32) -> POSIXErrorCode? {
        let threads = threadIDs(of: pid)
        for tid in threads.isEmpty ? [pid] : threads {
            if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), nice) != 0 {
                let error = errno
                if error == ESRCH { continue }
                return POSIXErrorCode(rawValue: error) ?? .EPERM
            }
        }
        return nil
    }

    /// The thread IDs of process `pid` (empty if it is gone).
    static func threadIDs(of pid: pid_t) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return names.compactMap { pid_t($0) }
    }

    /// The nice value of thread `tid` of process `pid`, from `/proc` (field 19 of `stat`).
    static func nice(pid: pid_t, tid: pid_t) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name, which may hold spaces: state is field 3, nice field 19.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 16 ? Int32(fields[16]) : nil
    }
}
