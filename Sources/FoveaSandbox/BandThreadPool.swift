import Glibc
import SystemPackage

/// A fixed set of threads that runs a kernel's row bands in a worker, in place of Dispatch.
///
/// Started during warm-up, before the seccomp filter, and never retired, so after the filter
/// the pool needs nothing but `futex`. Dispatch cannot be used in a sandboxed worker: its
/// Linux thread pool is watched by a monitor that opens `/proc/TID/stat` every second and
/// crashes the process when that fails (open is refused with EACCES), its manager thread logs
/// through a syslog socket, and it keeps epoll, eventfd and timerfd descriptors open.
///
/// The worker makes FoveaKernels' `RowBands` use it (`RowBands.parallelFor`). The calling
/// thread runs bands too, so a pool for `threads` kernel threads has `threads - 1` helpers. A
/// call made while the pool is busy (from a band, or another thread) runs its bands inline,
/// one after another. A pool lives as long as its process: helpers are never stopped.
public final class BandThreadPool: @unchecked Sendable {
    private let helpers: Int
    // Heap-allocated: pthread objects must not move, which Swift properties may.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let workFinished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var generation: UInt64 = 0
    private var body: ((Int) -> Void)?
    private var count = 0
    private var next = 0
    private var unfinished = 0
    private var busy = false

    /// Starts `threads - 1` helper threads; throws if one cannot be created.
    public init(threads: Int) throws(SystemCallError) {
        helpers = max(0, threads - 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(workFinished, nil)
        for index in 0..<helpers {
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, 4 << 20)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            var thread = pthread_t()
            let context = Unmanaged.passRetained(HelperContext(pool: self, name: "fovea-band-\(index + 1)"))
            let error = pthread_create(&thread, &attributes, { raw in
                let context = Unmanaged<HelperContext>.fromOpaque(raw!).takeRetainedValue()
                ProcessControl.setThreadName(context.name)
                context.pool.helperLoop()
            }, context.toOpaque())
            pthread_attr_destroy(&attributes)
            if error != 0 {
                context.release()
                throw SystemCallError("pthread_create", errno: Errno(rawValue: error), context: "kernel thread \(index + 1)")
            }
        }
    }

    /// Runs `body(i)` for `i` in `0 ..< count` on the helpers and the calling thread, and
    /// returns when every call has returned.
    public func run(_ count: Int, _ body: (Int) -> Void) {
        pthread_mutex_lock(mutex)
        if busy || helpers == 0 || count <= 1 {
            pthread_mutex_unlock(mutex)
            for index in 0..<count { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            busy = true
            self.body = body
            self.count = count
            next = 0
            unfinished = count
            generation &+= 1
            pthread_cond_broadcast(workAvailable)
            pthread_mutex_unlock(mutex)
            work()
            pthread_mutex_lock(mutex)
            while unfinished > 0 { pthread_cond_wait(workFinished, mutex) }
            self.body = nil
            busy = false
            pthread_mutex_unlock(mutex)
        }
    }

    /// Claims and runs bands until none is left.
    private func work() {
        while runOneBand() {
            pthread_mutex_lock(mutex)
            unfinished -= 1
            if unfinished == 0 { pthread_cond_signal(workFinished) }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Claims one band and runs it; false when none is left. Not inlined, so this thread's
    /// reference to `body` is gone before the band is counted as finished: `run` may return
    /// (ending `withoutActuallyEscaping`, which traps if the closure is still referenced) as
    /// soon as the count reaches zero.
    @inline(never)
    private func runOneBand() -> Bool {
        pthread_mutex_lock(mutex)
        guard next < count, let body else {
            pthread_mutex_unlock(mutex)
            return false
        }
        let index = next
        next += 1
        pthread_mutex_unlock(mutex)
        body(index)
        return true
    }

    private func helperLoop() -> Never {
        var seen: UInt64 = 0
        while true {
            pthread_mutex_lock(mutex)
            while generation == seen { pthread_cond_wait(workAvailable, mutex) }
            seen = generation
            pthread_mutex_unlock(mutex)
            work()
        }
    }

    private final class HelperContext {
        let pool: BandThreadPool
        let name: String
        init(pool: BandThreadPool, name: String) {
            self.pool = pool
            self.name = name
        }
    }
}
