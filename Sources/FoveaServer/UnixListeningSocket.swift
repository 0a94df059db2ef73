import Foundation
import FoveaProtocol
import FoveaSandbox

/// The daemon's Unix stream socket, bound at a path whose file never exists with wider
/// permissions than `--socket-mode`.
///
/// Linux creates the file with the socket inode's mode less the umask, and `fchmod` on the
/// descriptor sets that mode before `bind`. The umask itself is not touched: it is
/// process-wide, and workers and the code template start on other threads at the same time
/// (an interpreter that inherited a narrowed umask built a private root its uid could not walk).
enum UnixListeningSocket {
    /// A bound descriptor, not yet listening (NIO's `withBoundSocket` listens). A socket
    /// file already at `path` (a previous daemon's) is replaced; any other file is refused.
    static func bound(at path: String, mode: mode_t) throws -> Int32 {
        guard var address = UnixSocketAddress.of(path) else {
            throw StartupError("the socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most \(UnixSocketAddress.maximumPathBytes)")
        }
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw StartupError("\(path) exists and is not a socket; remove it or choose another --socket")
            }
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemCallError("unlink", context: path) }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemCallError("socket", context: path) }
        guard fchmod(descriptor, mode) == 0 else {
            let error = SystemCallError("fchmod", context: path)
            close(descriptor)
            throw error
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = SystemCallError("bind", context: path)
            close(descriptor)
            throw error
        }
        return descriptor
    }
}
