import FoveaCodec
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Glibc

/// Does one request's work inside the worker: adopt the descriptors that came with it, decode
/// or run the plan, and build the reply with the memfds to send back.
final class JobRunner {
    let configuration: WorkerConfiguration
    private let sources = SourceMappings()
    private let scratchMemory = ScratchMemory()

    init(configuration: WorkerConfiguration) {
        self.configuration = configuration
    }

    /// Drops kept source mappings the supervisor has let go of.
    func forget(_ inodes: [UInt64]) {
        sources.forget(inodes)
    }

    /// The reply and the memfds that travel with it (kept alive until sent).
    struct Outcome {
        var reply: WorkerReply
        var memfds: [SealedMemfd] = []
    }

    /// Handles `request`; `descriptors` are its inputs then its scratch outputs (as many as
    /// ``WorkerRequest/descriptorCount``), all owned here: each is adopted or closed. A decode
    /// sends ``WorkerNotice``s through `notify` as it goes.
    func handle(_ request: WorkerRequest, descriptors: [Int32], notify: @escaping (WorkerNotice) -> Void = { _ in }) -> Outcome {
        let scratch = Scratch(descriptors.dropFirst(request.inputDescriptorCount))
        switch request {
        case .decode(let id, let limits, let shrink):
            return respond(id) {
                try decode(limits: limits, shrink: shrink, encodedDescriptor: descriptors[0], scratch: scratch, id: id, notify: notify)
            }
        case .run(let id, let source, let plan, let threads):
            let threads = threads == 0 ? configuration.kernelThreads : min(threads, configuration.kernelThreads)
            return respond(id) {
                try run(plan, source: source, sourceDescriptor: descriptors[0], scratch: scratch, threads: threads, id: id)
            }
        case .forget(let id, _):
            return Outcome(reply: .failed(id: id, kind: .internalError, message: "forget takes no reply"))
        case .probe(let id, let action):
            guard configuration.testHooks else {
                return Outcome(reply: .failed(id: id, kind: .internalError, message: "test hooks are disabled"))
            }
            return Outcome(reply: SandboxProbe.attempt(action, id: id))
        }
    }

    private func respond(_ id: UInt64, _ work: () throws -> Outcome) -> Outcome {
        do {
            return try work()
        } catch let error as CodecError {
            return Outcome(reply: .failed(id: id, kind: error.failureKind, message: error.message))
        } catch let error as PlanError {
            return Outcome(reply: .failed(id: id, kind: .invalidPlan, message: error.description))
        } catch let error as JobFailure {
            return Outcome(reply: .failed(id: id, kind: error.kind, message: error.message))
        } catch {
            return Outcome(reply: .failed(id: id, kind: .internalError, message: "\(error)"))
        }
    }

    private func adoptInput(_ descriptor: Int32) throws -> MappedMemfd {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemCallError("fstat", context: "input memfd") }
        return try SealedMemfd.adopt(descriptor, expectedSize: Int(status.st_size)).mapReadOnly()
    }

    /// Decodes into the lent scratch memfd. Once it has its final size the header goes out as a
    /// notice, then each strip's finished rows: the supervisor lets other workers read those
    /// rows before the decode ends (see ``WorkerNotice``).
    private func decode(limits: DecodeLimits, shrink: Int, encodedDescriptor: Int32, scratch: Scratch, id: UInt64,
                        notify: @escaping (WorkerNotice) -> Void) throws -> Outcome {
        let encoded = try adoptInput(encodedDescriptor)
        if configuration.testHooks { TestHooks.obey(encoded.bytes) }
        var output: WritableMemfd?
        var prefault: PrefaultAhead?
        defer {
            prefault?.stop()  // before the mapping can go (a decode that throws)
            withExtendedLifetime(output) {}
        }
        let header = try Codec.decode(
            encoded.bytes,
            limits: ImageLimits(maxEncodedBytes: limits.maxEncodedBytes, maxPixels: limits.maxPixels, maxSide: limits.maxSide),
            shrink: shrink,
            allocated: { header in
                notify(.header(id: id, layout: header.layout, format: header.format.rawValue, orientation: header.orientation))
            },
            progress: { rows in notify(.rows(id: id, rows: rows)) }
        ) { layout in
            let memfd = try scratch.fill(0, size: layout.byteCount)
            output = memfd
            prefault = PrefaultAhead(memfd.bytes)
            return MutableImageView(base: memfd.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: layout)
        }
        prefault?.stop()
        guard let output else { throw PlanError("the decoder produced no pixels") }
        let layout = PixelLayout(width: header.width, height: header.height, bands: header.bands)
        return Outcome(reply: .decoded(id: id, layout: layout, format: header.format.rawValue, orientation: header.orientation),
                       memfds: [try output.seal()])
    }

    /// Runs `plan`. An encoded result goes back as one memfd of encoded bytes (the final pixels
    /// live in reused scratch memory); a `raw` result as one memfd of packed pixels; statistics
    /// in the reply alone.
    private func run(_ plan: ImagePlan, source: PixelLayout, sourceDescriptor: Int32, scratch: Scratch, threads: Int,
                     id: UInt64) throws -> Outcome {
        let mapping = try sources.map(sourceDescriptor, size: source.byteCount)
        try plan.validate(source: source)
        if configuration.testHooks { TestHooks.obey(plan) }
        let view = ImageView(base: mapping.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: source)
        let raw = plan.output?.format == .raw
        var pixels: WritableMemfd?
        var owner: PixelBuffer?
        let outcome = try PlanExecutor(threads: threads).run(plan, source: view) { layout in
            if raw {
                let memfd = try scratch.fill(0, size: layout.byteCount)
                pixels = memfd
                return MutableImageView(base: memfd.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: layout)
            }
            let (destination, buffer) = scratchMemory.view(layout)
            owner = buffer
            return destination
        }
        let result: ImageView
        switch outcome {
        case .statistics(let channels): return Outcome(reply: .measured(id: id, channels: channels))
        case .pixels(let view): result = view
        }
        defer { withExtendedLifetime(owner) {} }
        if let pixels {
            return Outcome(reply: .produced(id: id, layout: result.layout, encodedByteCount: nil), memfds: [try pixels.seal()])
        }
        let output = plan.output ?? OutputOptions()
        let image = try Codec.encode(result, format: output.format.codecFormat, quality: output.quality,
                                     threads: threads, bandOfLarger: plan.band != nil)
        let bytes = image.bytes
        guard bytes.count <= scratch.capacity(0) else {
            throw JobFailure(.limit, "the encoded result is \(bytes.count) bytes, over the \(scratch.capacity(0)) byte limit for encoded images")
        }
        let memfd = try scratch.fill(0, size: bytes.count)
        if let start = bytes.baseAddress, bytes.count > 0 {
            memfd.bytes.baseAddress!.copyMemory(from: start, byteCount: bytes.count)
        }
        let encoded = try memfd.seal()
        return Outcome(reply: .produced(id: id, layout: result.layout, encodedByteCount: encoded.size), memfds: [encoded])
    }
}

/// The scratch memfds lent with a request, in order; each is filled at most once, and those
/// never filled are closed when the job ends.
final class Scratch {
    private var descriptors: [Int32?]

    init(_ descriptors: ArraySlice<Int32>) {
        self.descriptors = descriptors.map { $0 }
    }

    deinit { for case let fd? in descriptors { _ = close(fd) } }

    /// The size of scratch memfd `index` (0 when it was not lent).
    func capacity(_ index: Int) -> Int {
        guard index < descriptors.count, let fd = descriptors[index] else { return 0 }
        var status = stat()
        return fstat(fd, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Shrinks scratch memfd `index` to `size` bytes and maps it for writing.
    func fill(_ index: Int, size: Int) throws -> WritableMemfd {
        guard index < descriptors.count, let fd = descriptors[index] else {
            throw JobFailure(.internalError, "the supervisor lent no scratch memfd \(index) for this output")
        }
        descriptors[index] = nil
        return try WritableMemfd(fillingScratch: fd, size: size)
    }
}

/// A job that fails for a reason the model can act on.
struct JobFailure: Error {
    var kind: WorkerFailureKind
    var message: String
    init(_ kind: WorkerFailureKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// What `--test-hooks` workers do with ``TestHookMarker``s.
enum TestHooks {
    static func obey(_ bytes: UnsafeRawBufferPointer) {
        if contains(bytes, TestHookMarker.crashOnDecode) { ProcessControl.crash() }
        if contains(bytes, TestHookMarker.hangOnDecode) { while true { sleep(1000) } }
    }

    static func obey(_ plan: ImagePlan) {
        for case .annotate(let annotations) in plan.steps {
            if annotations.contains(where: { $0.label == TestHookMarker.hangOnRun }) { while true { sleep(1000) } }
            if annotations.contains(where: { $0.label == TestHookMarker.slowRun }) { sleep(3) }
        }
    }

    static func contains(_ bytes: UnsafeRawBufferPointer, _ marker: String) -> Bool {
        let needle = Array(marker.utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if zip(needle.indices, needle).allSatisfy({ bytes[start + $0] == $1 }) { return true }
        }
        return false
    }
}

extension OutputFormat {
    var codecFormat: EncodeFormat {
        switch self {
        case .jpeg: return .jpeg
        case .png: return .png
        case .webp: return .webp
        case .raw: return .raw
        }
    }
}

extension CodecError {
    var failureKind: WorkerFailureKind {
        switch code {
        case .tooManyBytes, .tooManyPixels, .sideTooLong: return .limit
        case .unsupportedFormat: return .unsupported
        case .corrupt: return .corrupt
        case .encodeFailed: return .encodeFailed
        default: return .internalError
        }
    }
}
