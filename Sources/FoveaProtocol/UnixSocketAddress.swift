import Glibc

/// The `sockaddr_un` of a Unix socket path, for the daemon's listener and the client alike.
public enum UnixSocketAddress {
    /// The longest path a `sockaddr_un` holds (its terminating NUL aside).
    public static var maximumPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 }

    /// The address of `path`, or nil when the path is longer than ``maximumPathBytes``.
    public static func of(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maximumPathBytes else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}
