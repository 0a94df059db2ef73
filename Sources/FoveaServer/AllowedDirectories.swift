import Glibc
import FoveaProtocol

/// Directories the operator allowed with `--allow-dir`: an image path is accepted only when its
/// real path (symlinks and `..` resolved) lies inside one of them. The supervisor reads the
/// file; workers never open files.
struct AllowedDirectories: Sendable {
    /// Real paths, each ending without a slash.
    let roots: [String]

    init(_ directories: [String]) throws {
        roots = try directories.map { directory in
            guard let real = realPath(directory) else {
                throw ToolError("--allow-dir \(directory) does not exist or cannot be resolved")
            }
            return real == "/" ? "" : real
        }
    }

    /// The bytes of the file at `path`, if it is allowed, regular and within `maximumBytes`.
    func read(_ path: String, argument: String, maximumBytes: Int) throws(ToolError) -> [UInt8] {
        guard !roots.isEmpty else {
            throw .invalid(argument, .string(path), "this server accepts no file paths (it was started without --allow-dir); send the bytes with images/put data or a data URL")
        }
        let allowed = roots.map { $0.isEmpty ? "/" : $0 }.joined(separator: ", ")
        guard let real = realPath(path) else {
            throw .invalid(argument, .string(path), "no such file (paths must be absolute and inside \(allowed))")
        }
        guard roots.contains(where: { real.hasPrefix($0 + "/") }) else {
            throw .invalid(argument, .string(path), "the file is outside the allowed directories (\(allowed))")
        }
        let fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .invalid(argument, .string(path), "the file cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw .invalid(argument, .string(path), "not a regular file")
        }
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
            guard count > 0 else { throw .invalid(argument, .string(path), "the file could not be read") }
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
