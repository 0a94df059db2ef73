import Glibc
import FoveaProtocol

/// The memfds a sandboxed process (a worker, an interpreter) sends back as a job's outputs,
/// checked before anything maps them: the process is presumed compromised.
///
/// A sandboxed process cannot make memfds of its own (`RLIMIT_FSIZE` 0); the supervisor lends
/// one writable scratch memfd per output with the job. What comes back must be, position by
/// position, exactly those files (not the job's inputs, another job's output or anything else
/// the process could name), fully sealed (`F_SEAL_WRITE|SHRINK|GROW|SEAL`, so nobody can change
/// them after the check), and exactly the size the reply declares.
public enum ReturnedMemfds {
    /// Adopts `descriptors` (owned by the caller until this returns; every one is either adopted
    /// or closed here) as outputs of sizes `sizes`, lent as `scratch`.
    public static func adopt(_ descriptors: [Int32], sizes: [Int], lent scratch: [ScratchMemfd]) throws(ChannelMessageError) -> [SealedMemfd] {
        var pending = descriptors
        defer { pending.forEach { _ = close($0) } }
        guard descriptors.count == sizes.count else {
            throw ChannelMessageError("the reply carried \(descriptors.count) descriptors, expected \(sizes.count)")
        }
        var adopted: [SealedMemfd] = []
        for (position, size) in sizes.enumerated() {
            let fd = descriptors[position]
            guard position < scratch.count, scratch[position].isSameFile(as: fd) else {
                throw ChannelMessageError("reply descriptor \(position) is not the scratch memfd lent for it")
            }
            pending.removeFirst()
            do {
                adopted.append(try SealedMemfd.adopt(fd, expectedSize: size))
            } catch {
                throw ChannelMessageError("reply descriptor \(position): \(error)")
            }
        }
        return adopted
    }
}
