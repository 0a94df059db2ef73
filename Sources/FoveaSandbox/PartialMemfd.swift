import CLinux
import Glibc
import SystemPackage

/// A memfd that can travel to a worker as a job's input: sealed, or size-sealed while a
/// decoding worker still writes its rows.
public protocol InputMemfd: AnyObject, Sendable {
    var descriptor: FileDescriptor { get }
    var size: Int { get }
    /// The inode number (identifies the file across processes and descriptors).
    var inode: UInt64 { get }
}

extension SealedMemfd: InputMemfd {}

/// Pixels a worker is still decoding, readable by other workers before the decode ends.
///
/// Made by the supervisor from the scratch memfd it lent the decoding worker, once that worker
/// has announced the image's size: the supervisor checks the size, seals it (shrink and grow,
/// so a reader can never fault past the end) and reopens the file read-only through
/// `/proc/self/fd`, so a reader's mapping can never be made writable and does not stop the
/// decoding worker from adding the write seal when it finishes. Until then the rows may still
/// change under a reader: only rows the decoder reported finished are handed out, and kernels
/// are memory-safe whatever the pixel values are.
public final class PartialMemfd: InputMemfd, @unchecked Sendable {
    public let descriptor: FileDescriptor
    public let size: Int
    public let inode: UInt64

    /// Seals `scratch`'s size, then checks it is `expectedSize`, and opens it read-only. Sealing
    /// first: a size checked before the seal could still change under a reader.
    public init(sealingSizeOf scratch: ScratchMemfd, expectedSize: Int) throws {
        let fd = scratch.descriptor.rawValue
        // A small image's decode can finish, and its worker seal the memfd, before (or while)
        // the header notice is handled here: then the size is sealed already, and adding a
        // seal fails with EPERM.
        if fovea_memfd_size_sealed(fovea_memfd_get_seals(fd)) == 0 && fovea_memfd_seal_size(fd) != 0 {
            let failure = SystemCallError("fcntl(F_ADD_SEALS)", context: "seal the decoding memfd's size")
            guard failure.errno == .notPermitted, fovea_memfd_size_sealed(fovea_memfd_get_seals(fd)) != 0 else { throw failure }
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw SystemCallError("fstat", context: "decoding memfd") }
        guard Int(status.st_size) == expectedSize else {
            throw MemfdRejection("the decoding memfd holds \(status.st_size) bytes, expected \(expectedSize)")
        }
        let readOnly = try retryingInterrupts("open", context: "/proc/self/fd/\(fd) read-only") {
            open("/proc/self/fd/\(fd)", O_RDONLY | O_CLOEXEC)
        }
        descriptor = FileDescriptor(rawValue: readOnly)
        size = expectedSize
        inode = UInt64(status.st_ino)
    }

    deinit { try? descriptor.close() }
}

extension DetachedMapping {
    /// Maps a source memfd received from the supervisor read-only, taking ownership of the
    /// descriptor (closed here either way): it must be a memfd of exactly `size` bytes whose
    /// size is sealed. The write seal is not required: rows of an image still being decoded
    /// come this way.
    public static func mapSource(_ fd: Int32, size: Int) throws -> DetachedMapping {
        defer { _ = close(fd) }
        let seals = fovea_memfd_get_seals(fd)
        guard fovea_memfd_size_sealed(seals) != 0 else {
            throw MemfdRejection("source descriptor is not a size-sealed memfd (seals \(seals))")
        }
        try SealedMemfd.requireRegularFile(fd, size: size, named: "source memfd")
        return try DetachedMapping(descriptor: fd, size: size)
    }
}
