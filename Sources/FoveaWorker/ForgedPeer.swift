import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Glibc

/// A worker playing a compromised one, for tests only (`--test-hooks`, which the supervisor
/// passes only under `FOVEA_TEST_HOOKS=1`): given a ``Forgery`` marker it answers a job the way
/// a hostile decoder could, so the end-to-end tests can show that the supervisor catches each
/// misbehaviour, kills the worker and keeps the cache clean. It never runs the job.
enum ForgedPeer {
    /// The forgery `request` asks for, if any: a marker in the encoded bytes of a decode (its
    /// first descriptor, read through a temporary mapping) or an `annotate` label of a run.
    static func forgery(for request: WorkerRequest, descriptors: [Int32]) -> Forgery? {
        switch request {
        case .decode:
            guard let fd = descriptors.first else { return nil }
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_size > 0,
                  let address = mmap(nil, Int(status.st_size), PROT_READ, MAP_SHARED, fd, 0), address != MAP_FAILED else {
                return nil
            }
            defer { munmap(address, Int(status.st_size)) }
            let bytes = UnsafeRawBufferPointer(start: address, count: Int(status.st_size))
            return Forgery.allCases.first { TestHooks.contains(bytes, $0.marker) }
        case .run(_, _, let plan, _):
            for case .annotate(let annotations) in plan.steps {
                if let forgery = Forgery.allCases.first(where: { forgery in annotations.contains { $0.label == forgery.marker } }) {
                    return forgery
                }
            }
            return nil
        case .probe, .forget:
            return nil
        }
    }

    /// Plays `forgery` for `request` (after its receipt). `descriptors` are the request's inputs
    /// then its scratch outputs, all closed here. Returns only when the forgery is a reply;
    /// forgeries that stall sleep until the supervisor kills the worker.
    static func play(_ forgery: Forgery, request: WorkerRequest, descriptors: [Int32], channel: ChannelSocket) {
        var owned = descriptors
        defer { owned.forEach { _ = close($0) } }
        /// The lent scratch memfd, shrunk to `size` zero bytes and sealed, as an honest output.
        func filledScratch(size: Int) -> SealedMemfd? {
            guard let index = owned.indices.dropFirst(request.inputDescriptorCount).first else { return nil }
            return try? WritableMemfd(fillingScratch: owned.remove(at: index), size: size).seal()
        }
        let scratch = descriptors.dropFirst(request.inputDescriptorCount).first
        func send(_ message: JSONValue, descriptors: [Int32] = []) { try? channel.send(message, descriptors: descriptors) }
        func sleepForever() -> Never { while true { sleep(1000) } }
        switch (forgery, request) {
        case (.emptyDatagram, _):
            try? channel.sendBytes([])
            sleepForever()
        case (.stopReading, _):
            send(WorkerReply.failed(id: request.id, kind: .internalError, message: "forged: this worker stops reading").json)
            sleepForever()
        case (.lieInHeader, .decode(let id, _, _)):
            let truth = PixelLayout(width: 16, height: 16, bands: 3)
            guard let sealed = filledScratch(size: truth.byteCount) else { sleepForever() }
            send(WorkerNotice.header(id: id, layout: PixelLayout(width: 8, height: 16, bands: 3), format: "png", orientation: 1).json)
            send(WorkerReply.decoded(id: id, layout: truth, format: "png", orientation: 1).json, descriptors: [sealed.descriptor.rawValue])
        case (.floodNotices, .decode(let id, _, _)):
            send(WorkerNotice.header(id: id, layout: PixelLayout(width: 16, height: 16, bands: 3), format: "png", orientation: 1).json)
            for _ in 0..<10_000 { send(WorkerNotice.rows(id: id, rows: 0..<8).json) }
            sleepForever()
        case (.wrongLayout, .run(let id, let source, let plan, _)):
            let planned = plan.outputShape(from: ImageShape(source))
            let wrong = PixelLayout(width: planned.width, height: max(1, planned.height - 1), bands: planned.bands)
            guard let sealed = filledScratch(size: 100) else { sleepForever() }
            send(WorkerReply.produced(id: id, layout: wrong, encodedByteCount: plan.output?.format == .raw ? nil : 100).json,
                 descriptors: [sealed.descriptor.rawValue])
        case (.wrongSeals, .run(let id, let source, let plan, _)):
            let planned = plan.outputShape(from: ImageShape(source))
            let layout = PixelLayout(width: planned.width, height: planned.height, bands: planned.bands)
            let raw = plan.output?.format == .raw
            let size = raw ? layout.byteCount : 100
            guard let scratch, ftruncate(scratch, off_t(size)) == 0 else { sleepForever() }
            send(WorkerReply.produced(id: id, layout: layout, encodedByteCount: raw ? nil : size).json, descriptors: [scratch])
        case (.unlentDescriptor, .run(let id, let source, let plan, _)):
            let planned = plan.outputShape(from: ImageShape(source))
            let layout = PixelLayout(width: planned.width, height: planned.height, bands: planned.bands)
            let raw = plan.output?.format == .raw
            send(WorkerReply.produced(id: id, layout: layout, encodedByteCount: raw ? nil : source.byteCount).json,
                 descriptors: [descriptors[0]])
        default:
            send(WorkerReply.failed(id: request.id, kind: .internalError,
                                    message: "forgery \(forgery.rawValue) does not apply to this request").json)
        }
    }

}
