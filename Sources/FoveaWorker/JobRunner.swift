import FoveaCodec
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Glibc

/// Does one request's work inside the worker: adopt the descriptors that came with it, decode
/// or run the plan, and build the reply with the memfds to send back.
final class JobRunner {
    let configuration: WorkerConfiguration
    let executor: PlanExecutor
    private let sources = SourceMappings()
    private let scratch = ScratchMemory()

    init(configuration: WorkerConfiguration) {
        self.configuration = configuration
        executor = PlanExecutor(threads: configuration.kernelThreads)
    }

    /// The reply and the memfds that travel with it (kept alive until sent).
    struct Outcome {
        var reply: WorkerReply
        var memfds: [SealedMemfd] = []
    }

    func handle(_ request: WorkerRequest, descriptors: [Int32]) -> Outcome {
        switch request {
        case .decode(let id, let limits):
            return respond(id) { try decode(limits: limits, encodedDescriptor: descriptors[0], id: id) }
        case .run(let id, let source, let plan):
            return respond(id) { try run(plan, source: source, sourceDescriptor: descriptors[0], id: id) }
        case .forget(let id, _):
            return Outcome(reply: .failed(id: id, kind: .internalError, message: "forget takes no reply"))
        case .probe(let id, let action):
            guard configuration.testHooks else {
                return Outcome(reply: .failed(id: id, kind: .internalError, message: "test hooks are disabled"))
            }
            return Outcome(reply: SandboxProbe.attempt(action, id: id))
        }
    }

    /// Drops kept source mappings the supervisor has let go of.
    func forget(_ inodes: [UInt64]) {
        sources.forget(inodes)
    }

    private func respond(_ id: UInt64, _ work: () throws -> Outcome) -> Outcome {
        do {
            return try work()
        } catch let error as CodecError {
            return Outcome(reply: .failed(id: id, kind: error.failureKind, message: error.message))
        } catch let error as PlanError {
            return Outcome(reply: .failed(id: id, kind: .invalidPlan, message: error.description))
        } catch {
            return Outcome(reply: .failed(id: id, kind: .internalError, message: "\(error)"))
        }
    }

    private func adoptInput(_ descriptor: Int32) throws -> MappedMemfd {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemCallError("fstat", context: "input memfd") }
        return try SealedMemfd.adopt(descriptor, expectedSize: Int(status.st_size)).mapReadOnly()
    }

    private func decode(limits: DecodeLimits, encodedDescriptor: Int32, id: UInt64) throws -> Outcome {
        let encoded = try adoptInput(encodedDescriptor)
        var output: WritableMemfd?
        let header = try Codec.decode(
            encoded.bytes,
            limits: ImageLimits(maxEncodedBytes: limits.maxEncodedBytes, maxPixels: limits.maxPixels, maxSide: limits.maxSide)
        ) { layout in
            let memfd = try WritableMemfd(name: "fovea-decoded", size: layout.byteCount)
            output = memfd
            return MutableImageView(base: memfd.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: layout)
        }
        guard let output else { throw PlanError("the decoder produced no pixels") }
        let layout = PixelLayout(width: header.width, height: header.height, bands: header.bands)
        return Outcome(reply: .decoded(id: id, layout: layout, format: header.format.rawValue, orientation: header.orientation),
                       memfds: [try output.seal()])
    }

    /// Runs `plan`. An encoded result travels back as one memfd of encoded bytes (the final
    /// pixels live in reused scratch memory); a `raw` result as one memfd of packed pixels.
    private func run(_ plan: ImagePlan, source: PixelLayout, sourceDescriptor: Int32, id: UInt64) throws -> Outcome {
        let mapping = try sources.map(sourceDescriptor, size: source.byteCount)
        try PlanExecutor.validate(plan, source: source)
        let view = ImageView(base: mapping.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: source)
        let raw = plan.output?.format == .raw
        var pixels: WritableMemfd?
        var owner: PixelBuffer?
        let outcome = try executor.run(plan, source: view) { layout in
            if raw {
                let memfd = try WritableMemfd(name: "fovea-result", size: layout.byteCount)
                pixels = memfd
                return MutableImageView(base: memfd.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), layout: layout)
            }
            let (destination, buffer) = scratch.view(layout)
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
        let encoded = try Codec.encode(result, format: output.format.codecFormat, quality: output.quality)
        let memfd = try SealedMemfd.create(name: "fovea-encoded", copying: encoded.bytes)
        return Outcome(reply: .produced(id: id, layout: result.layout, encodedByteCount: memfd.size), memfds: [memfd])
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
