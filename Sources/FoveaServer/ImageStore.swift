import Crypto
import Foundation
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Logging

/// Decoded pixels the store holds for a handle: a sealed memfd any worker can map.
struct DecodedImage: Sendable {
    var memfd: SealedMemfd
    var layout: PixelLayout
    /// The source format (`jpeg`, `png`, …) or `result`.
    var format: String
    /// The EXIF orientation the decode applied (1 for results).
    var orientation: Int = 1
}

/// Content-addressed images: the encoded bytes as put (or a result as encoded) and, once a
/// worker has decoded them, the pixels. Handles are `img:<sha256 of the encoded bytes>`, so two
/// rollouts sending one image share one decode; concurrent first uses wait for the same decode.
/// Bounded by bytes, least recently used first (pixels are dropped before encoded bytes).
final class ImageStore: @unchecked Sendable {
    final class Entry {
        let handle: String
        var encoded: SealedMemfd
        var decoded: DecodedImage?
        var decodeFailure: ToolError?
        var waiters: [@Sendable (Result<DecodedImage, DecodeWaitError>) -> Void] = []
        var lastUse: UInt64 = 0
        /// A tool result (its pixels are decoded from its encoded bytes only when a call chains on it).
        var isResult = false

        init(handle: String, encoded: SealedMemfd) {
            self.handle = handle
            self.encoded = encoded
        }

        /// Bytes held (a raw result's pixels are its encoded bytes, counted once).
        var bytes: Int { encoded.size + (decoded.map { $0.memfd === encoded ? 0 : $0.memfd.size } ?? 0) }
    }

    /// Why a decode did not produce pixels: a tool error, or a transient worker failure.
    enum DecodeWaitError: Error, Sendable {
        case tool(ToolError)
        case worker(WorkerJobFailure)
    }

    struct Counters: Sendable {
        var hits = 0
        var misses = 0
        var decodes = 0
        var evictions = 0
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    private var totalBytes = 0
    private var counters = Counters()
    private let pool: WorkerPool
    private let limits: DecodeLimits
    private let capacityBytes: Int
    private let deadlineSeconds: Double
    private let logger: Logger

    init(pool: WorkerPool, limits: DecodeLimits, capacityBytes: Int, deadlineSeconds: Double, logger: Logger) {
        self.pool = pool
        self.limits = limits
        self.capacityBytes = capacityBytes
        self.deadlineSeconds = deadlineSeconds
        self.logger = logger
    }

    /// `img:<sha256>` of `bytes`.
    static func handle(for bytes: UnsafeRawBufferPointer) -> String {
        ImageReference.handle(forDigest: SHA256.hash(data: bytes))
    }

    /// Stores encoded bytes (a no-op when the handle is known) and starts decoding them.
    /// Returns the handle.
    func put(_ bytes: UnsafeRawBufferPointer) throws -> String {
        let handle = Self.handle(for: bytes)
        lock.lock()
        if let entry = entries[handle] {
            touch(entry)
            lock.unlock()
            return handle
        }
        lock.unlock()
        let memfd = try SealedMemfd.create(name: "fovea-encoded", copying: bytes)
        lock.lock()
        let entry: Entry
        if let existing = entries[handle] {
            entry = existing
        } else {
            entry = Entry(handle: handle, encoded: memfd)
            entries[handle] = entry
            totalBytes += memfd.size
        }
        touch(entry)
        lock.unlock()
        decoded(handle) { _ in }
        return handle
    }

    /// Whether the store knows `handle`.
    func contains(_ handle: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entries[handle] != nil
    }

    /// Calls `completion` with the handle's pixels, decoding them once if needed. Unknown
    /// handles fail with a tool error.
    func decoded(_ handle: String, completion: @escaping @Sendable (Result<DecodedImage, DecodeWaitError>) -> Void) {
        lock.lock()
        guard let entry = entries[handle] else {
            lock.unlock()
            completion(.failure(.tool(ToolError.invalid("image", .string(handle),
                "no image with this handle is stored (it was never put, or was released); put the image again with images/put"))))
            return
        }
        touch(entry)
        if let decoded = entry.decoded {
            counters.hits += 1
            lock.unlock()
            completion(.success(decoded))
            return
        }
        if let failure = entry.decodeFailure {
            lock.unlock()
            completion(.failure(.tool(failure)))
            return
        }
        counters.misses += 1
        entry.waiters.append(completion)
        let first = entry.waiters.count == 1
        let encoded = entry.encoded
        lock.unlock()
        if first { startDecode(handle: handle, encoded: encoded) }
    }

    private func startDecode(handle: String, encoded: SealedMemfd) {
        lock.lock()
        counters.decodes += 1
        lock.unlock()
        let job = WorkerJob(request: .decode(id: 0, limits: limits), descriptors: [encoded],
                            deadlineSeconds: deadlineSeconds, inputKey: handle) { [self] outcome in
            self.finishDecode(handle: handle, outcome: outcome)
        }
        pool.submit(job)
    }

    private func finishDecode(handle: String, outcome: Result<WorkerResponse, WorkerJobFailure>) {
        var result: Result<DecodedImage, DecodeWaitError>
        var permanent: ToolError?
        switch outcome {
        case .success(let response):
            switch response.reply {
            case .decoded(_, let layout, let format, let orientation):
                do {
                    let memfd = try SealedMemfd.adopt(response.descriptors[0], expectedSize: layout.byteCount)
                    result = .success(DecodedImage(memfd: memfd, layout: layout, format: format, orientation: orientation))
                    if isResult(handle) { result = .success(DecodedImage(memfd: memfd, layout: layout, format: "result")) }
                } catch {
                    logger.error("worker returned an unusable decode of \(handle): \(error)")
                    result = .failure(.worker(.protocolViolation("\(error)")))
                }
            case .failed(_, _, let message):
                response.descriptors.forEach { _ = close($0) }
                permanent = ToolError("image \(ImageReference.abbreviated(handle)) could not be decoded: \(message)")
                result = .failure(.tool(permanent!))
            default:
                response.descriptors.forEach { _ = close($0) }
                result = .failure(.worker(.protocolViolation("unexpected reply to decode")))
            }
        case .failure(let failure):
            if case .poisoned = failure { permanent = ToolError("image \(ImageReference.abbreviated(handle)): \(failure.toolMessage)") }
            result = .failure(.worker(failure))
        }
        lock.lock()
        let waiters: [@Sendable (Result<DecodedImage, DecodeWaitError>) -> Void]
        if let entry = entries[handle] {
            waiters = entry.waiters
            entry.waiters = []
            if case .success(let decoded) = result {
                totalBytes -= entry.bytes
                entry.decoded = decoded
                totalBytes += entry.bytes
            }
            entry.decodeFailure = permanent
        } else {
            waiters = []
        }
        evictIfNeeded()
        lock.unlock()
        waiters.forEach { $0(result) }
    }

    private func isResult(_ handle: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entries[handle]?.isResult ?? false
    }

    /// Stores a tool result: its encoded bytes and, for raw results, its pixels (an encoded
    /// result is decoded only if a later call uses it).
    func storeResult(handle: String, encoded: SealedMemfd, decoded: DecodedImage?) {
        lock.lock()
        if let existing = entries[handle] {
            touch(existing)
        } else {
            let entry = Entry(handle: handle, encoded: encoded)
            entry.decoded = decoded
            entry.isResult = true
            entries[handle] = entry
            totalBytes += entry.bytes
            touch(entry)
            evictIfNeeded()
        }
        lock.unlock()
    }

    /// The encoded bytes stored under `handle`.
    func encoded(_ handle: String) -> SealedMemfd? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[handle] else { return nil }
        touch(entry)
        return entry.encoded
    }

    /// Forgets `handle`; returns whether it was stored.
    func release(_ handle: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries.removeValue(forKey: handle) else { return false }
        totalBytes -= entry.bytes
        return true
    }

    struct Snapshot: Sendable {
        var entries: Int
        var decodedEntries: Int
        var bytes: Int
        var capacityBytes: Int
        var counters: Counters
    }

    var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(entries: entries.count, decodedEntries: entries.values.filter { $0.decoded != nil }.count,
                        bytes: totalBytes, capacityBytes: capacityBytes, counters: counters)
    }

    // MARK: - Under the lock

    private func touch(_ entry: Entry) {
        clock += 1
        entry.lastUse = clock
    }

    /// Walks entries from least to most recently used until under the budget: an entry with
    /// decoded pixels loses them (its handle stays valid and decodes again on use); an entry
    /// that is only encoded bytes is dropped. Entries being decoded are kept (their waiters
    /// need them).
    private func evictIfNeeded() {
        guard totalBytes > capacityBytes else { return }
        for entry in entries.values.sorted(by: { $0.lastUse < $1.lastUse }) where totalBytes > capacityBytes {
            guard entry.waiters.isEmpty else { continue }
            if let decoded = entry.decoded, decoded.memfd !== entry.encoded {
                entry.decoded = nil
                totalBytes -= decoded.memfd.size
            } else {
                entries.removeValue(forKey: entry.handle)
                totalBytes -= entry.bytes
            }
            counters.evictions += 1
        }
    }
}
