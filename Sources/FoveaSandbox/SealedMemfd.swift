import CLinux
import Glibc
import SystemPackage

/// A sealed, read-only-forever memfd: how bytes and pixels cross between processes.
///
/// Made by ``create(name:size:fill:)``: `memfd_create(MFD_ALLOW_SEALING)`, `ftruncate`, filled
/// through a shared mapping that is unmapped before `F_SEAL_WRITE|SHRINK|GROW|SEAL` is added (a
/// live writable mapping makes `F_SEAL_WRITE` fail with `EBUSY`). A memfd received from
/// another process is only used after ``adopt(_:expectedSize:)`` has checked its seals and size.
public final class SealedMemfd: @unchecked Sendable {
    public let descriptor: FileDescriptor
    public let size: Int

    private init(descriptor: FileDescriptor, size: Int) {
        self.descriptor = descriptor
        self.size = size
    }

    deinit { try? descriptor.close() }

    /// Creates a memfd of `size` bytes, lets `fill` write it, then seals it.
    public static func create(name: String, size: Int,
                              fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> SealedMemfd {
        let writable = try WritableMemfd(name: name, size: size)
        try fill(writable.bytes)
        return try writable.seal()
    }

    init(sealedDescriptor: FileDescriptor, size: Int) {
        self.descriptor = sealedDescriptor
        self.size = size
    }

    /// A sealed copy of `bytes`.
    public static func create(name: String, copying bytes: UnsafeRawBufferPointer) throws -> SealedMemfd {
        try create(name: name, size: bytes.count) { target in
            if let base = bytes.baseAddress { target.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        }
    }

    /// Takes ownership of a descriptor received from another process, after checking that it
    /// carries every seal and is exactly `expectedSize` bytes. On failure the descriptor is closed.
    public static func adopt(_ fd: Int32, expectedSize: Int) throws(MemfdRejection) -> SealedMemfd {
        let memfd = SealedMemfd(descriptor: FileDescriptor(rawValue: fd), size: expectedSize)
        let seals = fovea_memfd_get_seals(fd)
        guard fovea_memfd_seals_complete(seals) != 0 else {
            throw MemfdRejection("descriptor is not a fully sealed memfd (seals \(seals))")
        }
        try requireRegularFile(fd, size: expectedSize, named: "memfd")
        return memfd
    }

    /// Throws unless `fd` is a regular file (a memfd) of exactly `size` bytes.
    static func requireRegularFile(_ fd: Int32, size: Int, named name: String) throws(MemfdRejection) {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw MemfdRejection("fstat failed: \(Errno.last)") }
        guard (status.st_mode & S_IFMT) == S_IFREG, Int(status.st_size) == size else {
            throw MemfdRejection("\(name) holds \(status.st_size) bytes, expected \(size)")
        }
    }

    /// The memfd's inode number (identifies it across processes and descriptors).
    public var inode: UInt64 {
        var status = stat()
        return fstat(descriptor.rawValue, &status) == 0 ? UInt64(status.st_ino) : 0
    }

    /// The whole content, read with `pread` (no mapping, so no page faults for small memfds).
    /// The array is not zeroed first: `pread` fills all of it or this throws.
    public func readAll() throws -> [UInt8] {
        let size = self.size
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var offset = 0
            while offset < size {
                let count = pread(descriptor.rawValue, buffer.baseAddress! + offset, size - offset, off_t(offset))
                if count < 0 && Errno.last == .interrupted { continue }
                guard count > 0 else { throw SystemCallError("pread", context: "memfd of \(size) bytes") }
                offset += count
            }
            initialized = size
        }
    }

    /// Maps the whole memfd read-only in a mapping that outlives this object and its
    /// descriptor: a kept mapping then costs no descriptor (workers have 16).
    public func mapDetached() throws -> DetachedMapping {
        try DetachedMapping(descriptor: descriptor.rawValue, size: size)
    }

    /// Maps the whole memfd read-only. The mapping keeps this memfd alive.
    public func mapReadOnly() throws -> MappedMemfd {
        try MappedMemfd(memfd: self)
    }
}

/// A read-only mapping of a ``SealedMemfd``; unmapped when released.
public final class MappedMemfd: @unchecked Sendable {
    public let memfd: SealedMemfd
    public let bytes: UnsafeRawBufferPointer

    init(memfd: SealedMemfd) throws {
        self.memfd = memfd
        if memfd.size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, memfd.size, PROT_READ, MAP_SHARED, memfd.descriptor.rawValue, 0),
              address != MAP_FAILED else {
            throw SystemCallError("mmap", context: "\(memfd.size) bytes read-only")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: memfd.size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// A descriptor from another process that failed the seal or size check.
public struct MemfdRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A memfd being filled through a shared writable mapping; ``seal()`` unmaps it and seals it.
public final class WritableMemfd {
    public let bytes: UnsafeMutableRawBufferPointer
    private var descriptor: FileDescriptor?
    private let size: Int

    public init(name: String, size: Int) throws {
        let fd = try retryingInterrupts("memfd_create", context: name) { fovea_memfd_create(name) }
        self.descriptor = FileDescriptor(rawValue: fd)
        self.size = size
        do {
            try retryingInterrupts("ftruncate", context: "\(size) bytes") { ftruncate(fd, off_t(size)) }
        } catch {
            _ = close(fd)
            throw error
        }
        if size == 0 {
            bytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED else {
            let failure = SystemCallError("mmap", context: "\(size) bytes for writing")
            _ = close(fd)
            throw failure
        }
        bytes = UnsafeMutableRawBufferPointer(start: address, count: size)
        HugePages.advise(address, size: size)
    }

    /// Fills a scratch memfd lent by the supervisor (see ``ScratchMemfd``): checks that `fd` is
    /// an unsealed memfd of at least `size` bytes, shrinks it to exactly `size` (shrinking is
    /// allowed under `RLIMIT_FSIZE` 0; growing is not) and maps it for writing. Takes ownership
    /// of `fd`: it is closed on failure.
    public init(fillingScratch fd: Int32, size: Int) throws {
        var capacity: UInt64 = 0
        do {
            let seals = fovea_memfd_get_seals(fd)
            guard seals == 0 else {
                throw MemfdRejection(seals < 0 ? "scratch descriptor is not a memfd (\(Errno.last))" : "scratch memfd is already sealed (seals \(seals))")
            }
            var status = stat()
            guard fstat(fd, &status) == 0 else { throw SystemCallError("fstat", context: "scratch memfd") }
            capacity = UInt64(status.st_size)
            guard size >= 0, UInt64(size) <= capacity else {
                throw MemfdRejection("an output of \(size) bytes does not fit the \(capacity)-byte scratch memfd")
            }
            try retryingInterrupts("ftruncate", context: "shrink scratch to \(size) bytes") { ftruncate(fd, off_t(size)) }
        } catch {
            _ = close(fd)
            throw error
        }
        self.descriptor = FileDescriptor(rawValue: fd)
        self.size = size
        if size == 0 {
            bytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED else {
            let failure = SystemCallError("mmap", context: "\(size) bytes of scratch for writing")
            _ = close(fd)
            throw failure
        }
        bytes = UnsafeMutableRawBufferPointer(start: address, count: size)
        HugePages.advise(address, size: size)
    }

    /// Unmaps the memory and adds every seal; the memfd is read-only from here on.
    public func seal() throws -> SealedMemfd {
        guard let fd = descriptor else { preconditionFailure("WritableMemfd.seal called twice") }
        unmap()
        descriptor = nil
        do {
            try retryingInterrupts("fcntl(F_ADD_SEALS)") { fovea_memfd_seal(fd.rawValue) }
        } catch {
            try? fd.close()
            throw error
        }
        return SealedMemfd(sealedDescriptor: fd, size: size)
    }

    private var mapped = true
    private func unmap() {
        if mapped, let base = bytes.baseAddress { munmap(base, size) }
        mapped = false
    }

    deinit {
        unmap()
        try? descriptor?.close()
    }
}

/// A read-only shared mapping that owns no descriptor; unmapped when released.
public final class DetachedMapping: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer

    init(descriptor: Int32, size: Int) throws {
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED else {
            throw SystemCallError("mmap", context: "\(size) bytes read-only")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        HugePages.advise(address, size: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
