import CVips
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libvips behind one door: start-up, header probe, decode into caller memory, encode.
///
/// Everything here works from memory: no call opens a file or spills to a temporary file, so
/// it runs unchanged inside a worker whose seccomp filter refuses `open`. Call
/// ``initialize(concurrency:vectorize:warningHandler:)`` and ``warmUp()`` before the filter is
/// loaded.
///
/// ```swift
/// try Codec.initialize()
/// let header = try Codec.probe(bytes)                     // header only, limits checked
/// let image = try Codec.decode(bytes)                     // DecodedImage(header, pixels)
/// let jpeg = try Codec.encode(image.pixels.view, format: .jpeg)
/// ```
public enum Codec {
    /// The loader classes ``initialize(concurrency:vectorize:warningHandler:)`` leaves unblocked: the
    /// *buffer* loaders of the allowed formats (libvips 8.14 names), nothing else.
    public static var allowedLoaderClasses: [String] { ImageFormat.allCases.map(\.loaderClassName) }

    /// The libvips modules ``initialize(concurrency:vectorize:warningHandler:)`` loads: HEIF's
    /// loader lives in `vips-heif.so` on Debian. The others (ImageMagick, poppler, OpenSlide,
    /// JPEG XL) provide only loaders that stay blocked, and loading them with their libraries
    /// cost every worker ≈ 30 ms of CPU at start (docs/BENCHMARKS.md, "Worker start").
    public static let libvipsModules = ["heif"]

    /// Starts libvips for a worker; safe to call again (later calls only update concurrency,
    /// vectorisation and the warning handler).
    ///
    /// - Sets `VIPS_DISC_THRESHOLD` huge, so no load ever goes through a temporary file (every
    ///   load also passes `memory: TRUE`).
    /// - `vips_init` with only ``libvipsModules``, `vips_cache_set_max(0)` (no operation cache: memory stays flat),
    ///   `vips_concurrency_set(concurrency)`.
    /// - Blocks every loader (`vips_operation_block_set("VipsForeignLoad", TRUE)`) and every
    ///   operation libvips marks untrusted, then unblocks only ``allowedLoaderClasses``.
    /// - Routes libvips/GLib warnings to `warningHandler`, or drops them when it is nil
    ///   (instead of writing them to stderr).
    ///
    /// - Parameters:
    ///   - concurrency: libvips worker threads per pipeline (default 1: parallelism comes from
    ///     concurrent calls).
    ///   - vectorize: libvips's ORC run-time SIMD compiler. Off by default: ORC writes the code
    ///     it generates through a temporary file in `$HOME` or `$TMPDIR` (`openat`, `unlink`),
    ///     which a sandboxed worker must not do, and decode/encode do not use it (traced with
    ///     `strace`; timings unchanged). Turn it on to time libvips's own operations
    ///     (``VipsReference``) fairly, outside the sandbox.
    public static func initialize(concurrency: Int = 1, vectorize: Bool = false,
                                  warningHandler: (@Sendable (String) -> Void)? = nil) throws {
        guard concurrency >= 1 else {
            throw CodecError(.invalidArgument, "concurrency \(concurrency) is invalid: it must be at least 1")
        }
        try state.withLock { state in
            state.warningHandler = warningHandler
            if !state.initialized {
                setenv("VIPS_DISC_THRESHOLD", "1000000g", 1)
                let modules = libvipsModules.map { UnsafePointer(strdup($0)) }
                defer { modules.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
                let started = fovea_vips_init_with_modules("fovea", modules, Int32(modules.count))
                guard started == 0 else {
                    throw CodecError.withVipsDetail(.notInitialized, "libvips failed to start")
                }
                vips_cache_set_max(0)
                vips_block_untrusted_set(1)
                vips_operation_block_set("VipsForeignLoad", 1)
                for name in allowedLoaderClasses {
                    // HEIF comes from a module (vips-heif.so): make sure it was found.
                    guard g_type_from_name(name) != 0 else {
                        throw CodecError.withVipsDetail(.notInitialized, "libvips \(vipsVersion) has no loader \(name)")
                    }
                    vips_operation_block_set(name, 0)
                }
                vips_error_clear()  // a module reported missing but built in: nothing to report later
                // Last: the handler takes `state`'s lock, which we hold until we return.
                fovea_vips_set_log_handler(forwardWarning)
                state.initialized = true
            }
            vips_concurrency_set(Int32(clamping: concurrency))
            fovea_vips_set_vector_enabled(vectorize ? 1 : 0)
        }
    }

    /// Whether ``initialize(concurrency:vectorize:warningHandler:)`` has succeeded.
    public static var isInitialized: Bool { state.withLock { $0.initialized } }

    /// Whether libvips's ORC vectoriser is on (see `vectorize`).
    public static var isVectorized: Bool { fovea_vips_vector_enabled() != 0 }

    /// The libvips version this process runs, e.g. `8.14.1`.
    public static var vipsVersion: String {
        "\(vips_version(0)).\(vips_version(1)).\(vips_version(2))"
    }

    // MARK: - State

    struct State {
        var initialized = false
        var warningHandler: (@Sendable (String) -> Void)?
    }

    static let state = Mutex(State())

    static func requireInitialized() throws {
        guard isInitialized else {
            throw CodecError(.notInitialized, "libvips is not initialised: call Codec.initialize() first")
        }
    }
}

/// Receives libvips/GLib log lines (see `fovea_vips_set_log_handler`).
private let forwardWarning: fovea_vips_log_fn = { domain, message in
    guard let handler = Codec.state.withLock({ $0.warningHandler }) else { return }
    let d = domain.map { String(cString: $0) } ?? ""
    let m = message.map { String(cString: $0) } ?? ""
    handler(d.isEmpty ? m : "\(d): \(m)")
}
