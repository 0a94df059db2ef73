import FoveaKernels
import FoveaProtocol
import FoveaSandbox

/// What a compromised worker or interpreter may send, checked as the supervisor checks it.
///
/// Input: a first byte naming the job the messages answer, then the messages, one JSON text per
/// line (each as one channel datagram, parsed with the channel's size limit):
/// - `D` a decode: notices then the reply through ``WorkerReplyCheck``;
/// - `R` a crop to PNG, `S` a statistics plan: the reply through ``WorkerReplyCheck``;
/// - `H` hellos: ``WorkerHello`` and ``CodeChildHello``;
/// - `C` a code run: ``CodeChildMessage``s, and an accepted result rendered as every family's
///   observation and tool result (the text a model reads).
/// Messages carry no descriptors, so a reply that needs memfds must be refused; whatever is
/// accepted must respect the request and the limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkerReplies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let messages = UnsafeBufferPointer(start: data + 1, count: size - 1)
        .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        .filter { $0.count <= ChannelSocket.maximumMessageBytes }
        .compactMap { line in line.withUnsafeBytes { try? JSONParser.parse($0) } }
    switch data[0] {
    case UInt8(ascii: "D"): workerJob(decode, messages)
    case UInt8(ascii: "R"): workerJob(crop, messages)
    case UInt8(ascii: "S"): workerJob(statistics, messages)
    case UInt8(ascii: "H"): hellos(messages)
    case UInt8(ascii: "C"): codeRun(messages)
    default: return -1  // not an input of this target: libFuzzer keeps it out of the corpus
    }
    return 0
}

private let limits = DecodeLimits(maxEncodedBytes: 64 << 20, maxPixels: 40_000_000, maxSide: 16384)
private let source = PixelLayout(width: 640, height: 480, bands: 3)
private let decode = WorkerRequest.decode(id: 7, limits: limits)
private let crop = WorkerRequest.run(id: 8, source: source, plan: ImagePlan(
    steps: [.crop(PixelRect(x: 10, y: 20, width: 300, height: 200))], output: OutputOptions(format: .png, quality: 90)))
private let statistics = WorkerRequest.run(id: 9, source: source, plan: ImagePlan(
    steps: [.statistics(PixelRect(x: 0, y: 0, width: 640, height: 480))], output: nil))

private func workerJob(_ request: WorkerRequest, _ messages: [JSONValue]) {
    var check = WorkerReplyCheck(request: request, scratch: [], limits: limits, acceptsDecodedLayout: nil)
    for json in messages {
        if WorkerNotice.isNotice(json) {
            guard (try? check.notice(ChannelMessage(json: json, descriptors: []))) != nil else { return }  // a violation ends the worker
            continue
        }
        if let response = try? check.reply(ChannelMessage(json: json, descriptors: [])) {
            // Without descriptors only replies that carry no memfd can pass.
            precondition(response.memfds.isEmpty && response.reply.descriptorCount == 0 || isFailure(response.reply),
                         "a \(response.reply) reply passed without its memfd")
            precondition(response.reply.id == request.id, "a reply for job \(response.reply.id) passed for job \(request.id)")
            if case .measured(_, let channels) = response.reply {
                precondition(channels.count == source.bands, "\(channels.count) channel summaries passed for \(source.bands) bands")
            }
        }
        return  // the reply ends the job
    }
}

private func isFailure(_ reply: WorkerReply) -> Bool {
    if case .failed = reply { return true }
    return false
}

private func hellos(_ messages: [JSONValue]) {
    for json in messages {
        if let hello = try? WorkerHello(json: json) {
            precondition(hello.namespaces.count <= 16, "a hello with \(hello.namespaces.count) namespaces passed")
        }
        _ = try? CodeChildHello(json: json)
    }
}

private let codeRequest = CodeRunRequest(
    id: 11, code: "print(1)", conventions: .pyvision,
    images: [CodeRunImage(index: 0, handle: "sha256:" + String(repeating: "d", count: 64), width: 640, height: 480,
                          bands: 3, format: "jpeg", pixels: 0)],
    maxImages: 4, session: "s1", timeout: 30)

private func codeRun(_ messages: [JSONValue]) {
    var pending: CodeRunRequest? = codeRequest
    for json in messages {
        guard let message = try? CodeChildMessage(json: json, pending: pending, limits: limits) else { return }
        guard case .result(let reply) = message else { continue }
        pending = nil
        precondition(reply.images.count <= codeRequest.maxImages, "\(reply.images.count) images passed for max \(codeRequest.maxImages)")
        for conventions in CodeConventions.allCases {
            let observation = CodeObservation(conventions: conventions, outcome: .replied(reply),
                                              context: CodeObservation.Context(returnedImages: 0, maxImages: codeRequest.maxImages))
            for part in observation.parts {
                if case .image(let index) = part { preconditionFailure("\(conventions) placed image \(index) of none returned") }
            }
            let result = CodeToolResult.result(conventions: conventions, session: codeRequest.session, outcome: .replied(reply),
                                               observation: observation, images: [], elapsedMs: 1)
            let text = JSONWriter.string(result)
            precondition((try? JSONParser.parse(text)) != nil, "\(conventions)'s tool result is not JSON")
        }
    }
}
