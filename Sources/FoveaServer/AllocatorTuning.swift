import Foundation
import CLinux
import NIOCore

/// glibc `malloc` settings for a daemon that serves for days and whose allocations come in
/// bursts of large, short-lived buffers (an answer line, its base64, a put's bytes, a code
/// call's figures) on many threads (event loops, worker slots, code sessions).
///
/// By default glibc raises its mmap threshold to the size of the largest block freed (up to
/// 32 MiB), after which such buffers come from per-thread arenas, up to 8 per core, which keep
/// the freed pages: resident memory climbs with every new peak and does not come back
/// (docs/FUZZING.md measured +23% over ten minutes of `fovea fuzz`). So: fixed thresholds
/// (which switch the dynamic one off), fewer arenas, and the free pages given back after a
/// busy period. An operator's own `MALLOC_*` or `GLIBC_TUNABLES=glibc.malloc.*` settings win.
enum AllocatorTuning {
    /// Blocks from this size up are mapped and unmapped on their own: puts (an 8K photo is a
    /// 10 MB line), tile answers (16 MB), large figures. A warm zoom's buffers (0.3–0.4 MB) stay below it:
    /// mapped, their page faults cost the daemon ≈ 0.4 ms per call (measured, docs/FUZZING.md).
    static let mmapThreshold: Int32 = 1 << 20
    /// Free memory at the top of a heap beyond this is returned at once (the rest by the trimmer).
    static let trimThreshold: Int32 = 4 << 20
    static let arenas: Int32 = 2
    /// How often free pages inside the heaps are given back (`malloc_trim`), if calls ran since.
    static let trimInterval = TimeAmount.seconds(10)

    /// Whether the environment already tunes malloc (then nothing is changed).
    static var operatorTuned: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment.keys.contains { $0.hasPrefix("MALLOC_") }
            || (environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") ?? false)
    }

    /// Sets the thresholds and the arena count; false if glibc refused one.
    static func apply() -> Bool {
        return fovea_malloc_tune(mmapThreshold, trimThreshold, arenas) == 1
    }
}

/// Gives free heap pages back to the kernel (`malloc_trim(0)`, which also releases free pages
/// in the middle of each arena) every ``AllocatorTuning/trimInterval`` after calls were
/// answered, on a background queue: the arenas are locked one at a time, briefly.
final class AllocatorTrimmer: @unchecked Sendable {
    private let answered: @Sendable () -> Int
    private var answeredAtLastTrim = 0  // touched only on the task's event loop
    private var task: RepeatedTask?

    init(answered: @escaping @Sendable () -> Int) {
        self.answered = answered
    }

    func start(on loop: EventLoop) {
        task = loop.scheduleRepeatedTask(initialDelay: AllocatorTuning.trimInterval, delay: AllocatorTuning.trimInterval) { [self] _ in
            let now = answered()
            guard now != answeredAtLastTrim else { return }
            answeredAtLastTrim = now
            DispatchQueue.global(qos: .utility).async { _ = fovea_malloc_trim() }
        }
    }

    func stop() { task?.cancel() }
}
