import CLinux
import Glibc
import FoveaProtocol

/// Directories the operator allowed with `--allow-dir`, held open as directory descriptors. An
/// image path is accepted only when it names a regular file strictly inside one of them,
/// resolved by the kernel from that descriptor with `openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS)` (no `..` escape, no symbolic link, no race on a component), opened
/// `O_NONBLOCK` (a FIFO or device never blocks). The supervisor reads the file off the event loop
/// (``ToolService``); workers never open files.
///
/// Every way a path can fail to be such a file — missing, outside, a link, a FIFO, a directory,
/// unreadable — gets the same sentence, so a caller learns nothing about the host beyond the
/// allowed directories.
struct AllowedDirectories: @unchecked Sendable {
    struct Root {
        /// As the operator gave it and as resolved, each without a trailing slash ("" for /).
        let given: String
        let real: String
        let descriptor: Int32
    }

    let roots: [Root]

    init(_ directories: [String]) throws {
        roots = try directories.map { directory in
            guard let real = realPath(directory) else {
                throw ToolError("--allow-dir \(directory) does not exist or cannot be resolved")
            }
            let descriptor = fovea_open_directory(real)
            guard descriptor >= 0 else {
                throw ToolError("--allow-dir \(directory) cannot be opened as a directory: \(String(cString: strerror(errno)))")
            }
            return Root(given: Self.trimmed(directory), real: Self.trimmed(real), descriptor: descriptor)
        }
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The bytes of the file at `path`, if it is a readable regular file inside an allowed
    /// directory and within `maximumBytes`. Blocks on the disk: call it off the event loop.
    func read(_ path: String, argument: String, maximumBytes: Int) throws(ToolError) -> [UInt8] {
        guard !roots.isEmpty else {
            throw .invalid(argument, .string(path), "this server accepts no file paths (it was started without --allow-dir); send the bytes with images/put data or a data URL")
        }
        let notReadable = ToolError.invalid(argument, .string(path),
            "no readable image file at this path inside the allowed directories (\(roots.map { $0.given.isEmpty ? "/" : $0.given }.joined(separator: ", "))); a path must be absolute, lie inside one of them without symbolic links, and name a regular file")
        guard path.hasPrefix("/"), !path.utf8.contains(0) else { throw notReadable }
        var opened: Int32 = -1
        for root in roots {
            for prefix in Set([root.given, root.real]) where path.hasPrefix(prefix + "/") {
                let relative = String(path.dropFirst(prefix.count + 1))
                guard !relative.isEmpty else { continue }
                opened = fovea_open_beneath(root.descriptor, relative)
                if opened >= 0 { break }
            }
            if opened >= 0 { break }
        }
        guard opened >= 0 else { throw notReadable }
        let fd = opened
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { throw notReadable }
        let size = Int(status.st_size)
        guard size <= maximumBytes else {
            throw ToolError("\(argument) \(path) is \(size) bytes, over the \(maximumBytes) byte limit for encoded images")
        }
        guard size > 0 else { throw .invalid(argument, .string(path), "the file is empty") }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw notReadable }
            offset += count
        }
        return bytes
    }
}

private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
