import FoveaSandbox
import Glibc

/// The worker's read-only mappings of source images, kept between jobs: the supervisor sends
/// the same memfd (a new descriptor, the same inode) for every call on a cached image, and a
/// mapping already faulted in costs nothing to reuse. Bounded by count and bytes, least
/// recently used first; a kept mapping holds its memfd alive, so the bound also bounds the
/// memory a worker can pin after the supervisor evicts an image. Mappings hold no descriptor.
final class SourceMappings {
    private struct Key: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private var mappings: [Key: (mapping: DetachedMapping, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private let maximumCount: Int
    private let maximumBytes: Int

    init(maximumCount: Int = 8, maximumBytes: Int = 1 << 30) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
    }

    /// A read-only mapping of the size-sealed memfd `descriptor` (of exactly `size` bytes), taking
    /// ownership of the descriptor.
    func map(_ descriptor: Int32, size: Int) throws -> DetachedMapping {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw SystemCallError("fstat", context: "source memfd")
        }
        let key = Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        clock += 1
        if let cached = mappings[key], cached.mapping.bytes.count == size {
            close(descriptor)
            mappings[key]?.lastUse = clock
            return cached.mapping
        }
        let mapping = try DetachedMapping.mapSource(descriptor, size: size)
        mappings[key] = (mapping, clock)
        trim()
        return mapping
    }

    /// Drops the mappings of these inodes.
    func forget(_ inodes: [UInt64]) {
        let gone = Set(inodes)
        for key in mappings.keys where gone.contains(key.inode) { mappings[key] = nil }
    }

    private func trim() {
        var bytes = mappings.values.reduce(0) { $0 + $1.mapping.bytes.count }
        for (key, entry) in mappings.sorted(by: { $0.value.lastUse < $1.value.lastUse })
        where mappings.count > maximumCount || bytes > maximumBytes {
            guard mappings.count > 1 else { break }
            mappings[key] = nil
            bytes -= entry.mapping.bytes.count
        }
    }
}

/// Reusable memory for a job's final pixels before they are encoded, so a warm call neither
/// allocates nor faults in fresh pages. Large images get memory of their own.
final class ScratchMemory {
    private var memory: UnsafeMutableRawPointer?
    private var capacity = 0
    static let keptBytes = 32 << 20

    /// A view with `layout` over reused memory (valid until the next call).
    func view(_ layout: PixelLayout) -> (view: MutableImageView, owner: PixelBuffer?) {
        let needed = layout.byteCount
        guard needed <= Self.keptBytes else {
            let buffer = PixelBuffer(width: layout.width, height: layout.height, bands: layout.bands)
            return (buffer.mutableView, buffer)
        }
        if needed > capacity {
            memory?.deallocate()
            capacity = max(needed, 4 << 20)
            memory = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        }
        return (MutableImageView(base: memory!.assumingMemoryBound(to: UInt8.self), layout: layout), nil)
    }

    deinit { memory?.deallocate() }
}

import FoveaKernels
