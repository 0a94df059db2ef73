import ExtrasBase64
import Foundation
import FoveaProtocol
import FoveaSandbox
import Logging
import Synchronization

/// Records every `tools/call` (and each connection's `initialize`) as JSON Lines for
/// `fovea replay`: arguments, result text, images by handle, timing, connection and session.
///
/// The directory holds self-contained *segments*, `DIR/<UTC time>-<pid>-<n>/calls.jsonl` and
/// `…/images/<sha256 hex>.<ext>`: each image a segment's calls read or returned is written once
/// per segment, so any segment replays alone. Segments rotate at
/// ``TrajectoryLogConfiguration/segmentBytes``; the oldest go while the directory is over its
/// budget. Writing happens on one background queue: a call's answer never waits for the disk,
/// and a record that would push the queue past its bound is dropped and counted.
final class TrajectoryLog: @unchecked Sendable {
    let configuration: TrajectoryLogConfiguration
    private let header: TrajectorySegmentHeader
    private let store: ImageStore
    private let logger: Logger
    private let queue = DispatchQueue(label: "fovea-trajectory-log", qos: .utility)
    private let counters = Mutex(Counters())

    struct Counters {
        var records = 0
        var dropped = 0
        var failed = 0
        var pendingBytes = 0
        var directoryBytes = 0
        var segments = 0
    }

    // Owned by `queue`.
    private var segment: Segment?
    private var segmentNumber = 0
    /// Every segment in the directory, oldest first, with its size.
    private var segments: [(name: String, bytes: Int)] = []
    private let timeFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    private struct Segment {
        let name: String
        let path: String
        let calls: FileHandle
        var bytes = 0
        var images: Set<String> = []
    }

    init(configuration: TrajectoryLogConfiguration, header: TrajectorySegmentHeader, store: ImageStore, logger: Logger) throws {
        self.configuration = configuration
        self.header = header
        self.store = store
        self.logger = logger
        let manager = FileManager.default
        if let failure = Self.makeDirectories(configuration.directory) {
            throw StartupError("--trajectory-log \(configuration.directory) cannot be created: \(failure); give a directory the daemon (uid \(getuid())) can create and write")
        }
        guard manager.isWritableFile(atPath: configuration.directory) else {
            throw StartupError("--trajectory-log \(configuration.directory) is not writable by uid \(getuid())")
        }
        let names = (try? manager.contentsOfDirectory(atPath: configuration.directory)) ?? []
        segments = names.sorted().filter { manager.fileExists(atPath: "\(configuration.directory)/\($0)/\(TrajectoryLayout.callsFile)") }
            .map { ($0, Self.size(of: "\(configuration.directory)/\($0)")) }
        let total = segments.reduce(0) { $0 + $1.bytes }
        counters.withLock {
            $0.directoryBytes = total
            $0.segments = segments.count
        }
    }

    /// `mkdir -p path`; nil, or which directory could not be made and why (`mkdir(2)`'s errno).
    static func makeDirectories(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                return "mkdir \(prefix): \(String(cString: strerror(errno)))"
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "\(path) exists and is not a directory"
        }
        return nil
    }

    // MARK: recording (any thread)

    /// Records a `tools/call` once it is answered. Runs on the answering thread: it only takes
    /// references (the input images' stored bytes) and queues the rest.
    func recordCall(params: JSONValue?, result: Result<JSONValue, RPCError>, connection: ConnectionID?, id: JSONValue,
                    started: Date, elapsed: Duration) {
        let arguments = params?["arguments"] ?? [:]
        var payload = 0
        var stored: [String: SealedMemfd] = [:]
        var source: String?
        if case .success(let value) = result {
            source = value["structuredContent"]?["source"]?["image"]?.stringValue
            for block in value["content"]?.arrayValue ?? [] { payload += block["data"]?.stringValue?.utf8.count ?? 0 }
        }
        for reference in TrajectoryImages.references(in: arguments) + (source.map { [$0] } ?? []) {
            if reference.hasPrefix(ImageReference.handlePrefix) {
                if stored[reference] == nil, let memfd = store.encoded(reference) {
                    stored[reference] = memfd
                    payload += memfd.size
                }
            } else {
                payload += reference.utf8.count
            }
        }
        guard admit(payload) else { return }
        let queued = payload
        let pending = PendingCall(params: params ?? [:], result: result, connection: Int(connection?.value ?? 0), id: id,
                                  started: started, elapsedMs: Double(elapsed.components.seconds) * 1000
                                      + Double(elapsed.components.attoseconds) / 1e15,
                                  stored: stored, source: source, payload: queued)
        queue.async { [self] in
            write(pending)
            counters.withLock { $0.pendingBytes -= queued }
        }
    }

    /// Records an `initialize`: the client, the version it asked for and the one negotiated.
    func recordInitialize(params: [String: JSONValue], result: JSONValue, connection: ConnectionID?, started: Date) {
        let record: JSONValue = [
            "type": "initialize", "connection": .int(Int(connection?.value ?? 0)),
            "requested": params["protocolVersion"] ?? .null, "protocolVersion": result["protocolVersion"] ?? .null,
            "clientInfo": params["clientInfo"] ?? .null,
        ]
        guard admit(0) else { return }
        queue.async { [self] in
            var object = record.objectValue ?? [:]
            object["time"] = .string(timeFormatter.string(from: started))
            append(line: .object(object), images: [])
        }
    }

    /// Whether a record of `payload` bytes may queue; counts it as dropped if not.
    private func admit(_ payload: Int) -> Bool {
        let (admitted, dropped) = counters.withLock { counters -> (Bool, Int) in
            guard counters.pendingBytes + payload <= configuration.maxPendingBytes else {
                counters.dropped += 1
                return (false, counters.dropped)
            }
            counters.pendingBytes += payload
            return (true, counters.dropped)
        }
        if !admitted && (dropped == 1 || dropped % 100 == 0) {
            logger.warning("trajectory log: \(dropped) calls not recorded so far; the writer is \(configuration.maxPendingBytes >> 20) MiB behind (is \(configuration.directory) on a slow disk?)")
        }
        return admitted
    }

    /// Waits for every queued record to be written.
    func flush() {
        queue.sync {}
    }

    var statistics: JSONValue {
        let counters = counters.withLock { $0 }
        return [
            "directory": .string(configuration.directory), "records": .int(counters.records), "dropped": .int(counters.dropped),
            "failed": .int(counters.failed), "bytes": .int(counters.directoryBytes), "maxBytes": .int(configuration.maxBytes),
            "segments": .int(counters.segments),
        ]
    }

    // MARK: writing (on `queue`)

    private struct PendingCall {
        var params: JSONValue
        var result: Result<JSONValue, RPCError>
        var connection: Int
        var id: JSONValue
        var started: Date
        var elapsedMs: Double
        var stored: [String: SealedMemfd]
        var source: String?
        var payload: Int
    }

    /// An image to write beside a record: its handle, MIME type and bytes.
    private typealias ImageFile = (handle: String, mimeType: String, bytes: () -> [UInt8]?)

    private func write(_ pending: PendingCall) {
        var images: [ImageFile] = []
        var inputs: [String] = []
        let arguments = TrajectoryImages.mapReferences(in: pending.params["arguments"] ?? [:]) { text in
            if let payload = TrajectoryImages.dataURLPayload(text), let bytes = try? Base64.decode(string: String(payload)) {
                let handle = bytes.withUnsafeBytes { ImageStore.handle(for: $0) }
                images.append((handle, TrajectoryLayout.sniffMimeType(bytes) ?? "application/octet-stream", { bytes }))
                inputs.append(handle)
                return handle
            }
            let handle = text.hasPrefix(ImageReference.handlePrefix) ? text : pending.source
            guard let handle else { return text }
            if let memfd = pending.stored[handle] {
                images.append((handle, "", { try? memfd.readAll() }))
            }
            inputs.append(handle)
            return handle
        }
        let name = pending.params["name"]?.stringValue ?? ""
        let outcome: TrajectoryCall.Outcome
        switch pending.result {
        case .failure(let error):
            outcome = .error(code: error.code, message: error.message)
        case .success(let value):
            let blocks = value["content"]?.arrayValue ?? []
            let imageBlocks = blocks.filter { $0["type"] == "image" }
            let structured = value["structuredContent"]
            var handles = TrajectoryImages.outputHandles(structuredContent: structured, imageCount: imageBlocks.count)
            if handles.count != imageBlocks.count { handles = [] }
            var returned: [TrajectoryResult.Image] = []
            for (index, block) in imageBlocks.enumerated() {
                guard let data = block["data"]?.stringValue, let bytes = try? Base64.decode(string: data) else { continue }
                let mimeType = block["mimeType"]?.stringValue ?? "application/octet-stream"
                let handle = handles.isEmpty ? bytes.withUnsafeBytes { ImageStore.handle(for: $0) } : handles[index]
                images.append((handle, mimeType, { bytes }))
                returned.append(TrajectoryResult.Image(handle: handle, mimeType: mimeType))
            }
            let text = blocks.first { $0["type"] == "text" }?["text"]?.stringValue ?? ""
            outcome = .result(TrajectoryResult(isError: value["isError"] == .bool(true), text: text, images: returned,
                                               structuredContent: structured))
        }
        let call = TrajectoryCall(
            connection: pending.connection, id: pending.id,
            trajectory: pending.params["_meta"]?[TrajectoryCall.trajectoryMetaKey]?.stringValue,
            session: pending.params["arguments"]?["session"]?.stringValue, time: timeFormatter.string(from: pending.started),
            elapsedMs: (pending.elapsedMs * 1000).rounded() / 1000, tool: ToolCatalog.definition(named: name)?.name ?? name,
            arguments: arguments, inputs: inputs, outcome: outcome)
        append(line: call.json, images: images)
    }

    /// Appends one record and the images it names that its segment lacks.
    private func append(line: JSONValue, images: [ImageFile]) {
        do {
            var segment = try currentSegment()
            var written = 0
            for image in images where !segment.images.contains(image.handle) {
                guard let bytes = image.bytes() else { continue }
                let mimeType = image.mimeType.isEmpty ? (TrajectoryLayout.sniffMimeType(bytes) ?? "application/octet-stream") : image.mimeType
                let path = "\(segment.path)/\(TrajectoryLayout.imagesDirectory)/\(TrajectoryLayout.imageFileName(handle: image.handle, mimeType: mimeType))"
                try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
                segment.images.insert(image.handle)
                written += bytes.count
            }
            var bytes = JSONWriter.bytes(line, extraCapacity: 1)
            bytes.append(0x0A)
            try segment.calls.write(contentsOf: bytes)
            written += bytes.count
            segment.bytes += written
            self.segment = segment
            segments[segments.count - 1].bytes = segment.bytes
            if segment.bytes >= configuration.segmentBytes {
                try? segment.calls.close()
                self.segment = nil
            }
            enforceBudget()
            counters.withLock { $0.records += 1 }
        } catch {
            let failed = counters.withLock { counters -> Int in
                counters.failed += 1
                return counters.failed
            }
            if failed == 1 || failed % 100 == 0 {
                logger.error("trajectory log: a record could not be written to \(configuration.directory) (\(failed) so far): \(error)")
            }
        }
    }

    /// The open segment, or a new one (directory, images directory, header line).
    private func currentSegment() throws -> Segment {
        if let segment { return segment }
        segmentNumber += 1
        let stamp = Self.segmentStamp(Date())
        let name = "\(stamp)-\(header.pid)-\(String(format: "%04d", segmentNumber))"
        let path = "\(configuration.directory)/\(name)"
        try FileManager.default.createDirectory(atPath: "\(path)/\(TrajectoryLayout.imagesDirectory)", withIntermediateDirectories: true)
        let callsPath = "\(path)/\(TrajectoryLayout.callsFile)"
        guard FileManager.default.createFile(atPath: callsPath, contents: nil), let calls = FileHandle(forWritingAtPath: callsPath) else {
            throw StartupError("cannot create \(callsPath)")
        }
        var headerLine = JSONWriter.bytes(header.json, extraCapacity: 1)
        headerLine.append(0x0A)
        try calls.write(contentsOf: headerLine)
        let segment = Segment(name: name, path: path, calls: calls, bytes: headerLine.count)
        segments.append((name, segment.bytes))
        self.segment = segment
        return segment
    }

    /// Deletes the oldest segments (never the open one) while the directory is over budget.
    private func enforceBudget() {
        var total = segments.reduce(0) { $0 + $1.bytes }
        while total > configuration.maxBytes, let oldest = segments.first, oldest.name != segment?.name {
            do {
                try FileManager.default.removeItem(atPath: "\(configuration.directory)/\(oldest.name)")
            } catch {
                logger.error("trajectory log: cannot delete the old segment \(oldest.name): \(error)")
                break
            }
            segments.removeFirst()
            total -= oldest.bytes
        }
        counters.withLock {
            $0.directoryBytes = total
            $0.segments = segments.count
        }
    }

    /// `20261206T100000Z`: sorts as time does.
    static func segmentStamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static func size(of directory: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            total += ((try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)"))?[.size] as? Int) ?? 0
        }
        return total
    }
}
