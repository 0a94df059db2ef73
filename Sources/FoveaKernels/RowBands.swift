import Dispatch

/// Splits a kernel's rows into contiguous bands and runs them on up to `threads` threads.
///
/// Kernels must produce identical output for every band count: a band only writes its own
/// output rows and reads the source, never another band's output.
public enum RowBands {
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
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                shared.value((band * rows / bands)..<((band + 1) * rows / bands))
            }
        }
    }
}

/// Carries a value across a `@Sendable` boundary the caller has proved safe.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
