import FoveaCodec
import FoveaKernels
import FoveaProtocol
import FoveaSandbox

/// Everything a worker does before it reads its first request, in the order docs/SANDBOX.md
/// gives: isolate the process (``WorkerSandbox/isolate(_:)``), start libvips with only the
/// allowed loaders and warm it up, then load the seccomp filter — last, so nothing the warm-up
/// needed once (module loading, thread creation, lookup tables) has to be allowed forever.
enum WorkerStartup {
    static func sandbox(_ configuration: WorkerConfiguration) throws -> WorkerHello {
        // Compiled first: a policy libseccomp refuses stops the worker before it changes anything.
        let filter = try WorkerPolicy.compiled(channelDescriptor: configuration.channelDescriptor,
                                               keepsStderr: configuration.sandbox.keepStderr)
        var status = try WorkerSandbox.isolate(configuration.sandbox)
        let warmUp = try warmUp(threads: configuration.kernelThreads)
        try WorkerSandbox.confineFileSystem(&status)
        if configuration.loadsFilter {
            do {
                try filter.load()
            } catch {
                throw SandboxError("seccomp", "\(error)")
            }
        }
        var notes = warmUp.failed.map { "warm-up could not decode \($0.key.rawValue): \($0.value)" }.sorted()
        if !configuration.loadsFilter { notes.append("UNSAFE: the seccomp filter is not loaded (--unsafe-no-sandbox)") }
        return WorkerHello(uid: status.userID, gid: status.groupID, namespaces: status.namespaces,
                           namespaceProblem: status.namespaceProblem, filter: configuration.loadsFilter,
                           noNewPrivileges: status.noNewPrivileges, dumpable: status.dumpable, emptyRoot: status.emptyRoot,
                           warmedFormats: warmUp.warmed.map(\.rawValue), notes: notes)
    }

    /// libvips with one thread per pipeline and only the allowed loaders, a tiny image of each
    /// allowed format through its decoder, every encoder answers use, the kernels' thread pool
    /// (``BandThreadPool``, not Dispatch), and one real resample per band count with the
    /// worker's thread count.
    static func warmUp(threads: Int) throws -> WarmUpReport {
        try Codec.initialize(concurrency: 1)
        let report = try Codec.warmUp()
        if threads > 1 {
            let pool = try BandThreadPool(threads: threads)
            RowBands.parallelFor = { count, body in pool.run(count, body) }
        }
        for bands in [1, 3, 4] {
            // Enough output rows for `threads` bands of RowBands' 32-row minimum.
            let rows = 32 * max(1, threads)
            let source = PixelBuffer(width: 96, height: rows * 2, bands: bands)
            let destination = PixelBuffer(width: 40, height: rows, bands: bands)
            resample(source.view, into: destination.mutableView, filter: .bicubic, threads: threads)
        }
        return report
    }
}
