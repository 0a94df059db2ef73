import CLinux
import Glibc
import SystemPackage

/// A writable memfd the supervisor lends a worker for one output of one job.
///
/// A worker runs with `RLIMIT_FSIZE` 0, so it cannot grow a memfd of its own: the supervisor
/// creates each output memfd at the largest size the output may have (sparse: no memory is
/// used until the worker writes), the worker shrinks it to the real size, fills it, seals it
/// and sends it back (``WritableMemfd/init(fillingScratch:size:)``). The supervisor then checks
/// that what came back is this very file (``isSameFile(as:)``), fully sealed and of the size
/// the reply declares, before it maps anything.
public final class ScratchMemfd: @unchecked Sendable {
    public let descriptor: FileDescriptor
    public let capacity: Int
    private let device: UInt64
    private let inode: UInt64

    public init(name: String, capacity: Int) throws {
        let fd = try retryingInterrupts("memfd_create", context: name) { fovea_memfd_create(name) }
        do {
            try retryingInterrupts("ftruncate", context: "\(capacity) bytes of scratch") { ftruncate(fd, off_t(capacity)) }
        } catch {
            _ = close(fd)
            throw error
        }
        var device: UInt64 = 0, inode: UInt64 = 0
        guard fovea_file_identity(fd, &device, &inode) == 0 else {
            let failure = SystemCallError("fstat", context: "scratch memfd")
            _ = close(fd)
            throw failure
        }
        self.descriptor = FileDescriptor(rawValue: fd)
        self.capacity = capacity
        self.device = device
        self.inode = inode
    }

    deinit { try? descriptor.close() }

    /// Whether `fd` (received from a worker) is this memfd, not some other file.
    public func isSameFile(as fd: Int32) -> Bool {
        var device: UInt64 = 0, inode: UInt64 = 0
        return fovea_file_identity(fd, &device, &inode) == 0 && device == self.device && inode == self.inode
    }
}
