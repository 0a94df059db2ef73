/// `--trajectory-log DIR` and `--trajectory-log-bytes`: where the daemon records every
/// `tools/call` for `fovea replay`, and the most the directory may hold (docs/OPERATIONS.md).
public struct TrajectoryLogConfiguration: Sendable, Equatable {
    public var directory: String
    /// The directory's budget: segments (a log file and its images) rotate at an eighth of it,
    /// and the oldest segments are deleted while the total is over it.
    public var maxBytes: Int = 1 << 30
    /// Record bytes (mostly base64 images) that may wait for the writer; a call that would
    /// exceed it is not recorded (counted as dropped), so a slow disk never holds memory.
    public var maxPendingBytes: Int = 64 << 20

    public init(directory: String, maxBytes: Int = 1 << 30) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    /// A segment is closed and a new one started once it holds this much.
    public var segmentBytes: Int { max(1 << 20, maxBytes / 8) }
}
