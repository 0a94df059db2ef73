import CLinux
import Glibc
import SystemPackage

/// A failed system call: the call's C name, errno and what Fovea was doing.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Errno
    public var context: String

    public init(_ call: String, errno: Errno = .last, context: String = "") {
        self.call = call
        self.errno = errno
        self.context = context
    }

    public var description: String {
        "\(call) failed: \(errno)" + (context.isEmpty ? "" : " (\(context))")
    }
}

/// Runs a call that returns -1 and sets errno on failure, retrying on EINTR.
@discardableResult
func retryingInterrupts<Result: BinaryInteger>(_ name: String, context: @autoclosure () -> String = "",
                                                 _ call: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        if result >= 0 { return result }
        if Errno.last == .interrupted { continue }
        throw SystemCallError(name, context: context())
    }
}

extension Errno {
    /// The calling thread's `errno`.
    public static var last: Errno { Errno(rawValue: Glibc.errno) }
}
