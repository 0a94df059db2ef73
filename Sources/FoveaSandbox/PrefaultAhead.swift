import Glibc
import Synchronization

/// Faults in the pages of a fresh shared mapping on a thread of its own, ahead of a decoder
/// that fills it row by row.
///
/// Each first write to a page of the decode's memfd costs the writer a page fault (the kernel
/// allocates and zeroes the page): ≈ 25 000 of them for an 8K RGB image, tens of milliseconds
/// on the decode's critical path, while the second core has nothing to do until the first rows
/// are decoded. `MADV_POPULATE_WRITE` (Linux 5.14) takes those faults here instead, in chunks,
/// and never changes a page that is already there, so it cannot race the decoder's writes
/// (populating beforehand all at once, `MAP_POPULATE`, made the header wait as long as it saved:
/// docs/BENCHMARKS.md). On a kernel without it the first call fails and the thread ends.
public final class PrefaultAhead: @unchecked Sendable {
    /// `MADV_POPULATE_WRITE` from <linux/mman.h> (glibc 2.36's headers may lack it).
    static let populateWrite: Int32 = 23
    /// Bytes per `madvise`: small enough to stop soon after ``stop()``.
    static let chunkBytes = 2 << 20

    private let base: UnsafeMutableRawPointer
    private let count: Int
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    /// Starts faulting in `region` (nothing for regions below a few chunks: not worth a thread).
    public init(_ region: UnsafeMutableRawBufferPointer) {
        base = region.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
        count = region.baseAddress == nil ? 0 : region.count
        guard count >= 4 * Self.chunkBytes else { return }
        var handle = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(&handle, nil, { context in
            let prefault = Unmanaged<PrefaultAhead>.fromOpaque(context!).takeRetainedValue()
            prefault.run()
            return nil
        }, context) == 0 {
            thread = handle
        } else {
            Unmanaged<PrefaultAhead>.fromOpaque(context).release()
        }
    }

    private func run() {
        var offset = 0
        while offset < count && !stopping.load(ordering: .relaxed) {
            let length = min(Self.chunkBytes, count - offset)
            guard madvise(base + offset, length, Self.populateWrite) == 0 else { return }
            offset += length
        }
    }

    /// Stops after the chunk in progress and waits for the thread (before the mapping goes).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    deinit { precondition(thread == nil, "PrefaultAhead: stop() before the mapping goes") }
}
