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
///
/// The file appears at its path only once the socket listens: it is bound at a temporary name
/// beside the path and renamed there after `listen` (``publish()``), so a client that waits for
/// the file to exist (scripts, test fixtures, an agent server started beside the daemon) never
/// finds it and is refused. The rename also replaces a previous daemon's socket file in one step.
struct UnixListeningSocket {
    let descriptor: Int32
    let path: String
    /// Where the socket is bound until ``publish()`` (the path itself when a temporary name beside
    /// it would be too long for a Unix socket address).
    private let bindPath: String

    /// A bound descriptor, not yet listening (NIO's `withBoundSocket` listens). A socket
    /// file already at `path` (a previous daemon's) is replaced when the socket is published; any
    /// other file is refused.
    static func bound(at path: String, mode: mode_t) throws -> UnixListeningSocket {
        guard UnixSocketAddress.of(path) != nil else {
            throw StartupError("the socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most \(UnixSocketAddress.maximumPathBytes)")
        }
        var existing = stat()
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT != S_IFSOCK {
            throw StartupError("\(path) exists and is not a socket; remove it or choose another --socket")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.fovea-\(getpid()).binding"
        let bindPath = UnixSocketAddress.of(temporary) != nil ? temporary : path
        if bindPath == path {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemCallError("unlink", context: path) }
        }
        unlink(temporary)  // a leftover of a daemon with this pid that died while starting
        var address = UnixSocketAddress.of(bindPath)!
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
            let error = SystemCallError("bind", context: bindPath)
            close(descriptor)
            throw error
        }
        // What the umask took away (never wider), before anyone can connect.
        chmod(bindPath, mode)
        return UnixListeningSocket(descriptor: descriptor, path: path, bindPath: bindPath)
    }

    /// Moves the listening socket's file to its path; the inode now there, to recognise it later.
    func publish() throws -> ino_t {
        if bindPath != path {
            guard rename(bindPath, path) == 0 else {
                let error = SystemCallError("rename", context: "\(bindPath) to \(path)")
                unlink(bindPath)
                throw error
            }
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { throw SystemCallError("lstat", context: path) }
        return status.st_ino
    }

    /// Removes the file of a socket that will never be published.
    func discard() {
        if bindPath != path { unlink(bindPath) }
    }

    /// Removes the socket file at `path` if it is still the one with `inode` (a successor may
    /// have published its own there since).
    static func remove(_ path: String, inode: ino_t) {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_ino == inode, status.st_mode & S_IFMT == S_IFSOCK else { return }
        unlink(path)
    }
}
