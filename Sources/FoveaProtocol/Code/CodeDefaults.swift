/// Server-wide settings of the `code` tool that a call may narrow but not exceed
/// (`--code-conventions`, `--code-deadline`, the output options).
public struct CodeDefaults: Sendable, Equatable {
    /// The conventions of a call that names none.
    public var conventions: CodeConventions
    /// The longest a call may run, in seconds (`--code-deadline`, default 30); a call's
    /// `timeout` may only lower it.
    public var deadline: Double
    /// How returned images are encoded when a call does not say: PNG by default, since most
    /// are figures (text and thin lines).
    public var output: OutputOptions
    /// Images returned per call when a call does not say (at most ``CodeLimits/maximumImagesReturned``).
    public var maxImages: Int
    public var harness: CodeHarnessOptions

    public init(conventions: CodeConventions = .plain, deadline: Double = 30,
                output: OutputOptions = OutputOptions(format: .png, quality: 95),
                maxImages: Int = CodeLimits.maximumImagesReturned, harness: CodeHarnessOptions = CodeHarnessOptions()) {
        self.conventions = conventions
        self.deadline = deadline
        self.output = output
        self.maxImages = maxImages
        self.harness = harness
    }
}

/// Fixed bounds of the `code` tool and of the runner's messages.
public enum CodeLimits {
    /// The code argument, in UTF-8 bytes.
    public static let maximumCodeBytes = 1 << 20
    /// Images given to one call (`images`).
    public static let maximumInputImages = 16
    /// Images returned by one call (`max_images`).
    public static let maximumImagesReturned = 10
    /// An image's `path`, in UTF-8 bytes (a file name on Linux).
    public static let maximumPathBytes = 255
    /// A `session` id, in characters.
    public static let maximumSessionLength = 128
    /// One datagram on the runner's channel (`SOCK_SEQPACKET`), either way.
    public static let maximumMessageBytes = 64 * 1024
    /// The runner's stdout and stderr, each (it keeps 16 KiB of head and 16 KiB of tail).
    public static let maximumStreamBytes = 40 * 1024
    /// An exception's traceback.
    public static let maximumTracebackBytes = 16 * 1024
    /// An exception's message, and other one-line texts of a reply.
    public static let maximumMessageTextBytes = 4 * 1024
    /// The repr of a trailing expression.
    public static let maximumResultBytes = 16 * 1024
}
