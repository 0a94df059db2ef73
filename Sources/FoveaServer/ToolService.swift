import Crypto
import ExtrasBase64
import Foundation
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Logging
import Synchronization

/// Runs `tools/call` and the `images/*` methods: validates, resolves the image, plans, sends
/// the plan to a worker, checks what comes back and renders the MCP result. Never touches
/// pixels itself beyond hashing and base64 of the encoded result.
final class ToolService: @unchecked Sendable {
    typealias Reply = @Sendable (Result<JSONValue, RPCError>) -> Void

    let store: ImageStore
    let pool: WorkerPool
    let configuration: ServerConfiguration
    let logger: Logger

    let directories: AllowedDirectories
    /// Jobs made in bands while their image decoded (``execute(_:of:image:info:holder:completion:)``).
    let bandedJobs = Atomic<Int>(0)

    init(store: ImageStore, pool: WorkerPool, configuration: ServerConfiguration, logger: Logger) throws {
        self.store = store
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        directories = try AllowedDirectories(configuration.allowedDirectories)
    }

    private var limits: DecodeLimits { configuration.limits }

    // MARK: tools/call

    func call(params: [String: JSONValue], connection: ConnectionID?, reply: @escaping Reply) {
        let call: ToolCall
        switch Result(catching: { () throws(ToolCallError) in try ToolCall.parse(params: params, defaults: configuration.defaults) }) {
        case .success(let parsed): call = parsed
        case .failure(.protocolError(let error)): return reply(.failure(error))
        case .failure(.tool(let error)): return reply(.success(ToolResult.failure(error)))
        }
        resolve(call.image, holder: connection) { [self] resolved in
            switch resolved {
            case .failure(let error): reply(.success(ToolResult.failure(error)))
            case .success(let handle): self.call(call, handle: handle, connection: connection, reply: reply)
            }
        }
    }

    private func call(_ call: ToolCall, handle: String, connection: ConnectionID?, reply: @escaping Reply) {
        // Pinned now, in the order the connection's requests were read: a release read after
        // this call does not take the image from it.
        guard let image = store.pin(handle) else {
            return reply(.success(ToolResult.failure(ImageStore.unknownHandle(handle))))
        }
        store.header(image) { [self] outcome in
            switch outcome {
            case .failure(let failure):
                switch Self.callFailure(failure, handle: handle) {
                case .tool(let error): reply(.success(ToolResult.failure(error)))
                case .rpc(let error): reply(.failure(error))
                }
            case .success(let info):
                self.run(call, image: image, info: info, connection: connection, reply: reply)
            }
        }
    }

    /// How a call fails when its image could not be decoded.
    static func callFailure(_ failure: ImageStore.DecodeWaitError, handle: String) -> CallFailure {
        switch failure {
        case .tool(let error):
            return .tool(error)
        case .worker(.overloaded(let queued)):
            return .rpc(WorkerJobFailure.overloaded(queued: queued).rpcError(handle: handle))
        case .worker(let failure):
            return .tool(ToolError("image \(ImageReference.abbreviated(handle)): \(failure.toolMessage)"))
        }
    }

    /// Plans the call and runs each job as soon as the source rows it reads are decoded, so on
    /// an image still being decoded the first tiles start before the last rows exist.
    private func run(_ call: ToolCall, image: ImageStore.Pin, info: ImageInfo, connection: ConnectionID?, reply: @escaping Reply) {
        let handle = image.handle
        let source = SourceImage(handle: handle, width: info.layout.width, height: info.layout.height,
                                 bands: info.layout.bands, format: info.format, orientation: info.orientation)
        let planned: PlannedCall
        do {
            planned = try ToolPlanner.plan(call, source: source, defaults: configuration.defaults)
        } catch {
            return reply(.success(ToolResult.failure(error)))
        }
        let jobs = planned.jobs
        // While the image decodes, large JPEG jobs are made in bands (see below).
        let bandsWhileDecoding = configuration.bandsWhileDecoding && pool.workerCount > 1 && store.isDecoding(image)
        let gather = OrderedGather<JobOutput, CallFailure>(count: jobs.count) { outputs in
            var images: [ProducedImage] = []
            var statistics: [ChannelSummary] = []
            for output in outputs {
                switch output {
                case .failure(.rpc(let error)): return reply(.failure(error))
                case .failure(.tool(let error)): return reply(.success(ToolResult.failure(error)))
                case .success(.image(let image)): images.append(image)
                case .success(.statistics(let channels)): statistics = channels
                }
            }
            reply(.success(ToolResult.success(planned, images: images, statistics: statistics)))
        }
        for (index, job) in jobs.enumerated() {
            // A job far smaller than its box reads a reduced decode (ShrinkOnLoad), else its rows.
            let factor = configuration.shrinkOnLoad ? ShrinkOnLoad.factor(for: job, format: info.format) : nil
            let pixelsReady: @Sendable (Result<SourcePixels, ImageStore.DecodeWaitError>) -> Void = { [self] pixels in
                switch pixels {
                case .success(let pixels):
                    let plan = factor.map {
                        ShrinkOnLoad.plan(job, factor: $0, format: info.format, full: source.shape, reduced: ImageShape(pixels.layout))
                    } ?? job
                    execute(plan, on: pixels, inputKey: handle, holder: connection) { gather.finish(index, $0) }
                case .failure(let failure):
                    gather.finish(index, .failure(Self.callFailure(failure, handle: handle)))
                }
            }
            if let factor {
                store.reduced(image, factor: factor, full: source.shape, completion: pixelsReady)
            } else if bandsWhileDecoding, let bands = job.bands(source: source.shape, maximumCount: Self.maximumBands) {
                // While the image decodes, a large JPEG is made in bands, each as soon as the
                // rows it reads exist: the first starts long before the job's last source row.
                execute(bands, of: job, image: image, info: info, holder: connection) { gather.finish(index, $0) }
            } else {
                store.rows(job.sourceRows(height: info.layout.height), of: image, completion: pixelsReady)
            }
        }
    }

    /// Most bands one job is cut into while its image decodes (``execute(_:of:image:info:holder:completion:)``).
    static let maximumBands = 4

    /// What one job made.
    enum JobOutput: Sendable {
        case image(ProducedImage)
        case statistics([ChannelSummary])
    }

    /// Sends `plan` to a worker and turns its reply into a stored, encoded result.
    func execute(_ plan: ImagePlan, on source: SourcePixels, inputKey: String, holder: ConnectionID?,
                 completion: @escaping @Sendable (Result<JobOutput, CallFailure>) -> Void) {
        submit(plan, on: source, inputKey: inputKey, holder: holder) { [self] outcome in
            completion(outcome.flatMap { response in
                Result { () throws(ToolError) in try self.accept(response, plan: plan, holder: holder) }.mapError(CallFailure.tool)
            })
        }
    }

    /// Sends `plan` to a worker; `completion` gets its reply, checked on the slot
    /// (``WorkerReplyCheck``): the planned shape and encoding, its memfd sealed.
    func submit(_ plan: ImagePlan, on source: SourcePixels, inputKey: String, holder: ConnectionID?,
                completion: @escaping @Sendable (Result<WorkerResponse, CallFailure>) -> Void) {
        let job = WorkerJob(request: .run(id: 0, source: source.layout, plan: plan), descriptors: [source.memfd],
                            deadlineSeconds: configuration.deadlineSeconds,
                            poisonKey: .call(image: inputKey, source: source.layout, plan: plan),
                            owner: holder.map(WorkerJob.Owner.connection) ?? .shared) { outcome in
            switch outcome {
            case .failure(.overloaded(let queued)):
                completion(.failure(.rpc(WorkerJobFailure.overloaded(queued: queued).rpcError(handle: inputKey))))
            case .failure(let failure):
                completion(.failure(.tool(ToolError(failure.toolMessage))))
            case .success(let response):
                completion(.success(response))
            }
        }
        pool.submit(job)
    }

    /// Stores a worker's result and encodes it for the wire.
    private func accept(_ response: WorkerResponse, plan: ImagePlan, holder: ConnectionID?) throws(ToolError) -> JobOutput {
        switch response.reply {
        case .failed(_, _, let message):
            throw ToolError(message)
        case .measured(_, let channels):
            return .statistics(channels)
        case .produced(_, let layout, _):
            return try storeResult(response.memfds[0], layout: layout, format: plan.output?.format ?? .raw, holder: holder)
        default:
            throw ToolError("the worker answered a tool call with an unexpected reply")
        }
    }

    /// Stores a result (`layout`'s pixels encoded as `format` in `memfd`) for `holder` and
    /// encodes it for the wire.
    func storeResult(_ memfd: SealedMemfd, layout: PixelLayout, format: OutputFormat,
                     holder: ConnectionID?) throws(ToolError) -> JobOutput {
        do {
            // Hashed and encoded where they lie: a mapping costs a few page faults, a read a copy.
            let mapping = try memfd.mapReadOnly()
            let (handle, base64) = withExtendedLifetime(mapping) {
                (format == .raw ? Self.rawHandle(mapping.bytes, layout: layout) : ImageStore.handle(for: mapping.bytes),
                 AnswerBase64.encode(mapping.bytes))
            }
            store.storeResult(handle: handle, encoded: memfd,
                              decoded: format == .raw ? DecodedImage(memfd: memfd, layout: layout, format: "result") : nil,
                              holder: holder)
            return .image(ProducedImage(handle: handle, width: layout.width, height: layout.height, bands: layout.bands,
                                        format: format, base64: base64))
        } catch {
            throw ToolError("the worker's result could not be read (\(error))")
        }
    }

    /// Raw results are addressed by their size and samples together.
    static func rawHandle(_ bytes: UnsafeRawBufferPointer, layout: PixelLayout) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("raw:\(layout.width)x\(layout.height)x\(layout.bands)\n".utf8))
        hasher.update(bufferPointer: bytes)
        return ImageReference.handle(forDigest: hasher.finalize())
    }

    // MARK: images/*

    /// Stores an `image` argument's bytes when inline or a path (read off the event loop,
    /// ``readFile(_:argument:completion:)``); calls `completion` with the handle to use, held by `holder`.
    func resolve(_ reference: ImageReference, holder: ConnectionID?,
                 completion: @escaping @Sendable (Result<String, ToolError>) -> Void) {
        switch reference {
        case .handle(let handle):
            if let holder { store.hold(handle, by: holder) }
            completion(.success(handle))
        case .inline(let base64):
            completion(Result { () throws(ToolError) in try store(try decodeBase64(base64, argument: "image"), holder: holder) })
        case .path(let path):
            readFile(path, argument: "image") { [self] read in
                completion(read.flatMap { bytes in Result { () throws(ToolError) in try store(bytes, holder: holder) } })
            }
        }
    }

    /// Stores `bytes` for `holder`; a failure to make the memfd becomes a tool error.
    private func store(_ bytes: [UInt8], holder: ConnectionID?) throws(ToolError) -> String {
        do {
            return try bytes.withUnsafeBytes { try store.put($0, holder: holder) }
        } catch {
            throw ToolError("the image could not be stored: \(error)")
        }
    }

    /// Reads an allowed file on ``fileReads``: a slow disk or a huge file never holds the event loop.
    private func readFile(_ path: String, argument: String, completion: @escaping @Sendable (Result<[UInt8], ToolError>) -> Void) {
        Self.fileReads.async { [directories, limits] in
            completion(Result { () throws(ToolError) in try directories.read(path, argument: argument, maximumBytes: limits.maxEncodedBytes) })
        }
    }

    /// Where `--allow-dir` files are read.
    private static let fileReads = DispatchQueue(label: "fovea-file-reads", qos: .userInitiated, attributes: .concurrent)

    func decodeBase64(_ text: String, argument: String) throws(ToolError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(string: text)
        } catch {
            throw ToolError.invalid(argument, .string(text), "the data is not valid base64: \(Self.base64Problem(text))")
        }
        guard bytes.count <= limits.maxEncodedBytes else {
            throw ToolError("\(argument) is \(bytes.count) bytes, over the \(limits.maxEncodedBytes) byte limit for encoded images")
        }
        guard !bytes.isEmpty else { throw ToolError.invalid(argument, .string(""), "the image data is empty") }
        return bytes
    }

    /// Why `text` is not base64, in words a model can act on.
    static func base64Problem(_ text: String) -> String {
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "+", "/", "=", " ", "\n", "\r", "\t": continue
            default:
                let shown = scalar.properties.isWhitespace || scalar.value < 0x20 ? String(format: "U+%04X", scalar.value) : "'\(scalar)'"
                return "\(shown) at character \(offset) is not in the base64 alphabet (A-Z, a-z, 0-9, +, /, = padding)"
            }
        }
        return "its \(text.filter { !$0.isWhitespace }.count) characters do not form whole 4-character groups with = padding only at the end (is it cut short?)"
    }

    /// `images/put {data | path}` → `{image, width, height, bands, format}` as soon as the
    /// decoding worker has read the header (the decode goes on; calls on the handle wait for
    /// the rows they need). A file that is corrupt past its header fails the calls, not the put.
    func put(params: [String: JSONValue], connection: ConnectionID?, reply: @escaping Reply) {
        switch (params["data"], params["path"]) {
        case (.string(var data)?, nil):
            do throws(ToolError) {
                if data.hasPrefix("data:") { data = try ImageReference.dataURLPayload(data, argument: "data") }
                put(try decodeBase64(data, argument: "data"), connection: connection, reply: reply)
            } catch {
                reply(.failure(RPCError(.invalidParams, error.message)))
            }
        case (nil, .string(let path)?):
            readFile(path, argument: "path") { [self] read in
                switch read {
                case .success(let bytes): self.put(bytes, connection: connection, reply: reply)
                case .failure(let error): reply(.failure(RPCError(.invalidParams, error.message)))
                }
            }
        default:
            reply(.failure(RPCError(.invalidParams, "images/put needs either data (the image as base64 or a data URL, data:image/jpeg;base64,...) or path (a file inside a directory the server allows with --allow-dir); received \(params.keys.sorted().joined(separator: ", "))")))
        }
    }

    private func put(_ bytes: [UInt8], connection: ConnectionID?, reply: @escaping Reply) {
        let handle: String
        do {
            handle = try store(bytes, holder: connection)
        } catch {
            return reply(.failure(RPCError(.internalError, error.message)))
        }
        store.header(handle) { outcome in
            switch outcome {
            case .success(let info):
                reply(.success(["image": .string(handle), "width": .int(info.layout.width),
                                "height": .int(info.layout.height), "bands": .int(info.layout.bands),
                                "format": .string(info.format)]))
            case .failure(.tool(let error)):
                reply(.failure(RPCError(.invalidParams, error.message, data: ["image": .string(handle)])))
            case .failure(.worker(let failure)):
                reply(.failure(failure.rpcError(handle: handle)))
            }
        }
    }

    /// `images/get {image}` → the stored encoded bytes and size.
    func get(params: [String: JSONValue], reply: @escaping Reply) {
        guard case .string(let handle)? = params["image"] else {
            return reply(.failure(RPCError(.invalidParams, "images/get needs image: an img:<sha256> handle")))
        }
        guard let encoded = store.encoded(handle) else {
            return reply(.failure(RPCError(.invalidParams, "no image with handle \(handle) is stored; put it with images/put")))
        }
        store.decoded(handle) { outcome in
            do {
                let mapping = try encoded.mapReadOnly()
                // The mapping must outlive the read of its bytes (its deinit unmaps them).
                let data = withExtendedLifetime(mapping) { AnswerBase64.encode(mapping.bytes) }
                var result: [String: JSONValue] = ["image": .string(handle), "bytes": .int(encoded.size),
                                                   "data": .string(data)]
                if case .success(let decoded) = outcome {
                    result["width"] = .int(decoded.layout.width)
                    result["height"] = .int(decoded.layout.height)
                    result["bands"] = .int(decoded.layout.bands)
                    result["format"] = .string(decoded.format)
                }
                reply(.success(.object(result)))
            } catch {
                reply(.failure(RPCError(.internalError, "the image could not be read: \(error)")))
            }
        }
    }

    /// `images/release {image}` → `{released: Bool}`.
    /// `images/release {image}` → `{image, released, stored}`: the caller's hold is dropped; the
    /// image is forgotten unless another connection still holds it (`stored` says which).
    func release(params: [String: JSONValue], connection: ConnectionID?) -> Result<JSONValue, RPCError> {
        guard case .string(let handle)? = params["image"] else {
            return .failure(RPCError(.invalidParams, "images/release needs image: an img:<sha256> handle"))
        }
        let outcome = store.release(handle, by: connection)
        return .success(["image": .string(handle), "released": .bool(outcome.released), "stored": .bool(outcome.stillHeld)])
    }
}

extension WorkerJobFailure {
    /// The JSON-RPC error for a method that has no tool result to carry the failure.
    func rpcError(handle: String) -> RPCError {
        let data: JSONValue = ["image": .string(handle)]
        switch self {
        case .overloaded: return RPCError(.overloaded, toolMessage, data: data)
        case .deadlineExceeded: return RPCError(.deadlineExceeded, toolMessage, data: data)
        case .workerDied, .protocolViolation, .poisoned: return RPCError(.workerLost, toolMessage, data: data)
        case .spawnFailed: return RPCError(.internalError, toolMessage, data: data)
        }
    }
}

/// How a call fails: a tool error the model reads, or a JSON-RPC error (overload).
enum CallFailure: Error, Sendable {
    case tool(ToolError)
    case rpc(RPCError)
}

/// Collects `count` results that finish in any order (a call's jobs, a code call's images) and
/// hands them over once, in order.
final class OrderedGather<Value: Sendable, Failure: Error>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Value, Failure>?]
    private var remaining: Int
    private let done: @Sendable ([Result<Value, Failure>]) -> Void

    init(count: Int, done: @escaping @Sendable ([Result<Value, Failure>]) -> Void) {
        results = Array(repeating: nil, count: count)
        remaining = count
        self.done = done
    }

    func finish(_ index: Int, _ result: Result<Value, Failure>) {
        lock.lock()
        results[index] = result
        remaining -= 1
        let complete = remaining == 0
        lock.unlock()
        if complete { done(results.map { $0! }) }
    }
}
