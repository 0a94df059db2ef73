import Dispatch

/// Splits a kernel's rows into contiguous bands and runs them on up to `threads` threads.
///
/// Kernels must produce identical output for every band count: a band only writes its own
/// output rows and reads the source, never another band's output.
public enum RowBands {
    /// Runs `body(i)` for every `i` in `0 ..< count`, concurrently, and returns when all are
    /// done. `DispatchQueue.concurrentPerform` unless a process installs its own: sandboxed
    /// workers install a fixed pthread pool started before their seccomp filter, because
    /// Dispatch's Linux thread pool opens `/proc/TID/stat` (and crashes when it cannot) and
    /// logs through a syslog socket, neither of which a worker may do.
    nonisolated(unsafe) public static var parallelFor: (_ count: Int, _ body: (Int) -> Void) -> Void = { count, body in
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }

    /// Runs `body` once per band of `0 ..< rows`. Bands hold at least `minimumRows` rows, so
    /// small images run on the calling thread.
    @inlinable
    public static func run(rows: Int, threads: Int, minimumRows: Int = 32,
                           _ body: (Range<Int>) -> Void) {
        let bands = Swift.max(1, Swift.min(threads, rows / Swift.max(1, minimumRows)))
        if bands == 1 {
            body(0..<rows)
            return
        }
        // Bands write disjoint rows, so sharing `body` across threads is safe by construction.
        parallelFor(bands) { band in
            body((band * rows / bands)..<((band + 1) * rows / bands))
        }
    }
}

/// Carries a value across a `@Sendable` boundary the caller has proved safe.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
