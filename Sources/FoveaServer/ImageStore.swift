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

/// What a call needs to plan: known from the decoding worker's header notice, before pixels.
struct ImageInfo: Sendable {
    var layout: PixelLayout
    var format: String
    var orientation: Int
}

/// Pixels a job can read: the sealed decode, or an image still being decoded whose rows the
/// job needs are finished (``PartialMemfd``).
struct SourcePixels: Sendable {
    var memfd: any InputMemfd
    var layout: PixelLayout
}

/// Content-addressed images: the encoded bytes as put (or a result as encoded) and, once a
/// worker has decoded them, the pixels. Handles are `img:<sha256 of the encoded bytes>`, so two
/// rollouts sending one image share one decode; concurrent first uses wait for the same decode.
/// Bounded by bytes, least recently used first (pixels are dropped before encoded bytes).
final class ImageStore: @unchecked Sendable {
    /// Mutable state read and written only under the store's lock.
    final class Entry: @unchecked Sendable {
        let handle: String
        var encoded: SealedMemfd
        var decoded: DecodedImage?
        var decodeFailure: ToolError?
        var waiters: [@Sendable (Result<DecodedImage, DecodeWaitError>) -> Void] = []
        var headerWaiters: [@Sendable (Result<ImageInfo, DecodeWaitError>) -> Void] = []
        var rowWaiters: [(rows: Range<Int>, completion: @Sendable (Result<SourcePixels, DecodeWaitError>) -> Void)] = []
        var decoding = false
        /// While decoding, once the header arrived: the image, its pixels so far and the rows finished.
        var info: ImageInfo?
        /// The header of the image, once any decode has read it; kept after the decode ends, so
        /// `images/put` answers the same whether or not a decode failing past the header ended first.
        var headerInfo: ImageInfo?
        var partial: PartialMemfd?
        var finishedRows = 0..<0
        var lastUse: UInt64 = 0
        /// A tool result (its pixels are decoded from its encoded bytes only when a call chains on it).
        var isResult = false
        /// Decodes at reduced scale (shrink-on-load), by factor.
        var reductions: [Int: Reduction] = [:]
        /// Connections that put this image, got it as a result or used it in a call (and have
        /// neither released it nor closed): `images/release` removes the image only when no
        /// other connection holds it.
        var holders: Set<ConnectionID> = []

        init(handle: String, encoded: SealedMemfd) {
            self.handle = handle
            self.encoded = encoded
        }

        /// Bytes held (a raw result's pixels are its encoded bytes, counted once).
        var bytes: Int {
            encoded.size + (decoded.map { $0.memfd === encoded ? 0 : $0.memfd.size } ?? 0)
                + reductions.values.reduce(0) { $0 + ($1.decoded?.memfd.size ?? 0) }
        }

        /// Whether someone waits on this entry's decode (it must not be evicted).
        var hasWaiters: Bool {
            !waiters.isEmpty || !headerWaiters.isEmpty || !rowWaiters.isEmpty || decoding
                || reductions.values.contains { $0.decoding }
        }
    }

    /// One reduced-scale decode of an entry (see ``ShrinkOnLoad``): not streamed, as it is a
    /// fraction of the full decode's time.
    final class Reduction: @unchecked Sendable {
        var decoded: DecodedImage?
        var failure: ToolError?
        var decoding = false
        var waiters: [@Sendable (Result<SourcePixels, DecodeWaitError>) -> Void] = []
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
        /// Jobs that started on rows of an image whose decode had not finished.
        var jobsBeforeDecodeEnded = 0
        /// Reduced-scale decodes started (shrink-on-load), not counted in `decodes`.
        var reducedDecodes = 0
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Connections that are open: only they can hold images.
    private var openHolders: Set<ConnectionID> = []
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

    /// Stores encoded bytes (a no-op when the handle is known) for `holder` and starts decoding
    /// them. Returns the handle.
    func put(_ bytes: UnsafeRawBufferPointer, holder: ConnectionID?) throws -> String {
        let handle = Self.handle(for: bytes)
        lock.lock()
        if let entry = entries[handle] {
            touch(entry)
            addHold(holder, to: entry)
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
        addHold(holder, to: entry)
        lock.unlock()
        decoded(handle) { _ in }
        return handle
    }

    /// Records that `holder` uses `handle` (a call on it), if it is stored.
    func hold(_ handle: String, by holder: ConnectionID) {
        lock.lock()
        if let entry = entries[handle] { addHold(holder, to: entry) }
        lock.unlock()
    }

    /// A connection opened: it can hold images until ``dropHolds(of:)``.
    func holderOpened(_ holder: ConnectionID) {
        lock.lock()
        openHolders.insert(holder)
        lock.unlock()
    }

    /// Drops every hold of a connection that closed (its images stay until evicted or released).
    func dropHolds(of holder: ConnectionID) {
        lock.lock()
        openHolders.remove(holder)
        for entry in entries.values { entry.holders.remove(holder) }
        lock.unlock()
    }

    /// Adds `holder`'s hold unless its connection has closed: a call that finishes after its
    /// client left must not pin the image against every other client's release. Under `lock`.
    private func addHold(_ holder: ConnectionID?, to entry: Entry) {
        guard let holder, openHolders.contains(holder) else { return }
        entry.holders.insert(holder)
    }

    /// Whether the store knows `handle`.
    func contains(_ handle: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entries[handle] != nil
    }

    /// An image a call holds from the moment the call is read: a release that comes after
    /// (by this connection or another) takes the handle away from later calls, but not the
    /// image from this one; its decode finishes for it.
    struct Pin: Sendable {
        fileprivate let entry: Entry
        var handle: String { entry.handle }
    }

    /// The image stored under `handle`, pinned for a call; nil when none is.
    func pin(_ handle: String) -> Pin? {
        lock.lock()
        defer { lock.unlock() }
        return entries[handle].map(Pin.init)
    }

    /// ``header(_:completion:)`` for a pinned image.
    func header(_ pin: Pin, completion: @escaping @Sendable (Result<ImageInfo, DecodeWaitError>) -> Void) {
        answer(pin.entry, countsUse: true,
               fromDecoded: { ImageInfo(layout: $0.layout, format: $0.format, orientation: $0.orientation) },
               whileDecoding: { $0.info }, afterFailure: { $0.headerInfo },
               wait: { $0.headerWaiters.append(completion) }, completion: completion)
    }

    /// Whether the pinned image's pixels are not (yet) decoded: a call on it waits for a decode.
    func isDecoding(_ pin: Pin) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return pin.entry.decoded == nil && pin.entry.decodeFailure == nil
    }

    /// ``rows(_:of:completion:)`` for a pinned image.
    func rows(_ rows: Range<Int>, of pin: Pin, completion: @escaping @Sendable (Result<SourcePixels, DecodeWaitError>) -> Void) {
        answer(pin.entry, countsUse: false,
               fromDecoded: { SourcePixels(memfd: $0.memfd, layout: $0.layout) },
               whileDecoding: { [self] entry in
                   guard let partial = entry.partial, let info = entry.info, entry.finishedRows.contains(rows) else { return nil }
                   counters.jobsBeforeDecodeEnded += 1
                   return SourcePixels(memfd: partial, layout: info.layout)
               },
               wait: { $0.rowWaiters.append((rows, completion)) }, completion: completion)
    }

    /// Calls `completion` with the handle's pixels, decoding them once if needed. Unknown
    /// handles fail with a tool error.
    func decoded(_ handle: String, completion: @escaping @Sendable (Result<DecodedImage, DecodeWaitError>) -> Void) {
        guard let pin = pin(handle) else { return completion(.failure(.tool(Self.unknownHandle(handle)))) }
        answer(pin.entry, countsUse: true, fromDecoded: { $0 }, whileDecoding: { _ in nil },
               wait: { $0.waiters.append(completion) }, completion: completion)
    }

    /// Calls `completion` once the handle's size, bands, format and orientation are known:
    /// at once for decoded pixels, else when the decoding worker has read the header (before
    /// its rows), starting the decode if needed.
    func header(_ handle: String, completion: @escaping @Sendable (Result<ImageInfo, DecodeWaitError>) -> Void) {
        guard let pin = pin(handle) else { return completion(.failure(.tool(Self.unknownHandle(handle)))) }
        header(pin, completion: completion)
    }

    /// Calls `completion` with pixels in which `rows` are final: the decoded image, or the
    /// image still being decoded once the worker has finished those rows.
    func rows(_ rows: Range<Int>, of handle: String,
              completion: @escaping @Sendable (Result<SourcePixels, DecodeWaitError>) -> Void) {
        guard let pin = pin(handle) else { return completion(.failure(.tool(Self.unknownHandle(handle)))) }
        self.rows(rows, of: pin, completion: completion)
    }

    /// The answer behind ``decoded(_:completion:)``, ``header(_:completion:)`` and
    /// ``rows(_:of:completion:)`` for an entry (stored, or pinned by a call and released since):
    /// answers from the decoded pixels, a decode failure (unless
    /// `afterFailure` still finds an answer) or what `whileDecoding` finds in the entry (all
    /// under the lock), else registers the waiter with `wait` and starts the decode if none runs.
    /// `countsUse` counts the call as a hit or miss.
    private func answer<Value>(_ entry: Entry, countsUse: Bool,
                               fromDecoded: (DecodedImage) -> Value,
                               whileDecoding: (Entry) -> Value?,
                               afterFailure: (Entry) -> Value? = { _ in nil },
                               wait: (Entry) -> Void,
                               completion: @Sendable (Result<Value, DecodeWaitError>) -> Void) {
        lock.lock()
        touch(entry)
        if let decoded = entry.decoded {
            if countsUse { counters.hits += 1 }
            lock.unlock()
            completion(.success(fromDecoded(decoded)))
            return
        }
        if let failure = entry.decodeFailure {
            let answer = afterFailure(entry)
            lock.unlock()
            completion(answer.map { .success($0) } ?? .failure(.tool(failure)))
            return
        }
        if countsUse { counters.misses += 1 }
        if let value = whileDecoding(entry) {
            lock.unlock()
            completion(.success(value))
            return
        }
        wait(entry)
        let start = startsDecode(entry)
        lock.unlock()
        if start { startDecode(entry) }
    }

    /// Calls `completion` with the handle's pixels decoded at 1/`factor` scale (see
    /// ``ShrinkOnLoad``), decoding them once if needed. `full` is the image's full-scale shape,
    /// which the reduced decode must match (``ShrinkOnLoad/accepts(_:full:factor:)``).
    func reduced(_ pin: Pin, factor: Int, full: ImageShape,
                 completion: @escaping @Sendable (Result<SourcePixels, DecodeWaitError>) -> Void) {
        let entry = pin.entry
        let handle = entry.handle
        lock.lock()
        touch(entry)
        let reduction = entry.reductions[factor] ?? Reduction()
        entry.reductions[factor] = reduction
        if let decoded = reduction.decoded {
            lock.unlock()
            completion(.success(SourcePixels(memfd: decoded.memfd, layout: decoded.layout)))
            return
        }
        if let failure = reduction.failure {
            lock.unlock()
            completion(.failure(.tool(failure)))
            return
        }
        reduction.waiters.append(completion)
        let start = !reduction.decoding
        if start {
            reduction.decoding = true
            counters.reducedDecodes += 1
        }
        let encoded = entry.encoded
        lock.unlock()
        guard start else { return }
        let job = WorkerJob(request: .decode(id: 0, limits: limits, shrink: factor), descriptors: [encoded],
                            deadlineSeconds: deadlineSeconds, poisonKey: .image(handle),
                            acceptsDecodedLayout: { ShrinkOnLoad.accepts(ImageShape($0), full: full, factor: factor) }) { [self] outcome in
            self.finishReducedDecode(entry, reduction, factor: factor, full: full, outcome: outcome)
        }
        pool.submit(job)
    }

    /// Hands a reduced decode to its waiters, and keeps it if the entry is still stored.
    private func finishReducedDecode(_ entry: Entry, _ reduction: Reduction, factor: Int, full: ImageShape,
                                     outcome: Result<WorkerResponse, WorkerJobFailure>) {
        let (result, permanent) = Self.decodedImage(from: outcome, handle: entry.handle)
        lock.lock()
        let waiters = reduction.waiters
        reduction.waiters = []
        reduction.decoding = false
        reduction.failure = permanent
        let stored = isStored(entry)
        if stored { totalBytes -= entry.bytes }
        if case .success(let decoded) = result {
            reduction.decoded = decoded
        } else if permanent == nil, entry.reductions[factor] === reduction {
            entry.reductions[factor] = nil  // a worker failure: the next call tries again
        }
        if stored { totalBytes += entry.bytes }
        evictIfNeeded()
        lock.unlock()
        let pixels = result.map { SourcePixels(memfd: $0.memfd, layout: $0.layout) }
        waiters.forEach { $0(pixels) }
    }

    static func unknownHandle(_ handle: String) -> ToolError {
        ToolError.invalid("image", .string(handle),
            "no image with this handle is stored (it was never put, or was released); put the image again with images/put")
    }

    /// Marks `entry` as decoding; true when the caller must start the decode. Under the lock.
    private func startsDecode(_ entry: Entry) -> Bool {
        guard !entry.decoding else { return false }
        entry.decoding = true
        counters.decodes += 1
        return true
    }

    private func startDecode(_ entry: Entry) {
        let handle = entry.handle
        let job = WorkerJob(request: .decode(id: 0, limits: limits), descriptors: [entry.encoded],
                            deadlineSeconds: deadlineSeconds, poisonKey: .image(handle),
                            notice: { [self] notice, scratch in self.noticed(notice, scratch: scratch, handle: handle) }) { [self] outcome in
            self.finishDecode(entry, outcome: outcome)
        }
        pool.submit(job)
    }

    /// Whether `entry` is still the one stored under its handle (not released). Under the lock.
    private func isStored(_ entry: Entry) -> Bool { entries[entry.handle] === entry }

    /// A decoding worker's header or progress: makes the rows it finished readable by jobs.
    private func noticed(_ notice: WorkerNotice, scratch: [ScratchMemfd], handle: String) {
        lock.lock()
        guard let entry = entries[handle], entry.decoding, entry.decoded == nil else {
            lock.unlock()
            return
        }
        var headerWaiters: [@Sendable (Result<ImageInfo, DecodeWaitError>) -> Void] = []
        var ready: [(@Sendable (Result<SourcePixels, DecodeWaitError>) -> Void, SourcePixels)] = []
        switch notice {
        case .header(_, let layout, let format, let orientation):
            guard entry.info == nil else { break }
            let info = ImageInfo(layout: layout, format: entry.isResult ? "result" : format, orientation: orientation)
            entry.info = info
            entry.headerInfo = info
            headerWaiters = entry.headerWaiters
            entry.headerWaiters = []
            if let pixels = scratch.first {
                do {
                    entry.partial = try PartialMemfd(sealingSizeOf: pixels, expectedSize: layout.byteCount)
                } catch {
                    logger.warning("rows of \(handle) cannot be shared before its decode ends: \(error)")
                }
            }
        case .rows(_, let rows):
            guard let partial = entry.partial, let info = entry.info, rows.upperBound <= info.layout.height,
                  rows.count >= entry.finishedRows.count else { break }
            entry.finishedRows = rows
            let source = SourcePixels(memfd: partial, layout: info.layout)
            entry.rowWaiters.removeAll { waiter in
                guard rows.contains(waiter.rows) else { return false }
                counters.jobsBeforeDecodeEnded += 1
                ready.append((waiter.completion, source))
                return true
            }
        }
        let info = entry.info
        lock.unlock()
        if let info { headerWaiters.forEach { $0(.success(info)) } }
        ready.forEach { $0.0(.success($0.1)) }
    }

    /// A decoding worker's outcome as pixels, or why not; `permanent` is set when decoding again
    /// cannot help (the image is corrupt or poisoned). The reply was checked on the slot
    /// (``WorkerReplyCheck``): a `decoded` reply has its header's layout and one sealed memfd.
    private static func decodedImage(from outcome: Result<WorkerResponse, WorkerJobFailure>, handle: String)
        -> (result: Result<DecodedImage, DecodeWaitError>, permanent: ToolError?) {
        switch outcome {
        case .success(let response):
            switch response.reply {
            case .decoded(_, let layout, let format, let orientation):
                return (.success(DecodedImage(memfd: response.memfds[0], layout: layout, format: format, orientation: orientation)), nil)
            case .failed(_, _, let message):
                let permanent = ToolError("image \(ImageReference.abbreviated(handle)) could not be decoded: \(message)")
                return (.failure(.tool(permanent)), permanent)
            default:
                return (.failure(.worker(.protocolViolation("unexpected reply to decode"))), nil)
            }
        case .failure(let failure):
            guard case .poisoned = failure else { return (.failure(.worker(failure)), nil) }
            let permanent = ToolError("image \(ImageReference.abbreviated(handle)): \(failure.toolMessage)")
            return (.failure(.worker(failure)), permanent)
        }
    }

    /// Hands a decode to everyone waiting on `entry` (also when it was released meanwhile, so
    /// calls in flight still finish) and keeps the pixels if the entry is still stored.
    private func finishDecode(_ entry: Entry, outcome: Result<WorkerResponse, WorkerJobFailure>) {
        var (result, permanent) = Self.decodedImage(from: outcome, handle: entry.handle)
        lock.lock()
        if case .success(var decoded) = result, entry.isResult {
            decoded.format = "result"
            decoded.orientation = 1
            result = .success(decoded)
        }
        let waiters = entry.waiters
        let headerWaiters = entry.headerWaiters
        let rowWaiters = entry.rowWaiters.map(\.completion)
        entry.waiters = []
        entry.headerWaiters = []
        entry.rowWaiters = []
        entry.decoding = false
        entry.info = nil
        entry.partial = nil
        entry.finishedRows = 0..<0
        let stored = isStored(entry)
        if stored { totalBytes -= entry.bytes }
        if case .success(let decoded) = result { entry.decoded = decoded }
        if stored { totalBytes += entry.bytes }
        entry.decodeFailure = permanent
        // A worker caught misbehaving may have lied in its header too: forget what it announced.
        if case .failure(.worker(.protocolViolation)) = result { entry.headerInfo = nil }
        evictIfNeeded()
        lock.unlock()
        waiters.forEach { $0(result) }
        let info = result.map { ImageInfo(layout: $0.layout, format: $0.format, orientation: $0.orientation) }
        headerWaiters.forEach { $0(info) }
        let pixels = result.map { SourcePixels(memfd: $0.memfd, layout: $0.layout) }
        rowWaiters.forEach { $0(pixels) }
    }

    /// Stores a tool result: its encoded bytes and, for raw results, its pixels (an encoded
    /// result is decoded only if a later call uses it).
    func storeResult(handle: String, encoded: SealedMemfd, decoded: DecodedImage?, holder: ConnectionID?) {
        lock.lock()
        defer { lock.unlock() }
        if let existing = entries[handle] {
            touch(existing)
            addHold(holder, to: existing)
        } else {
            let entry = Entry(handle: handle, encoded: encoded)
            entry.decoded = decoded
            entry.isResult = true
            addHold(holder, to: entry)
            entries[handle] = entry
            totalBytes += entry.bytes
            touch(entry)
            evictIfNeeded()
        }
    }

    /// The encoded bytes stored under `handle`.
    func encoded(_ handle: String) -> SealedMemfd? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[handle] else { return nil }
        touch(entry)
        return entry.encoded
    }

    /// What `images/release` did.
    struct Release: Equatable {
        /// Whether the handle was stored when the caller released it.
        var released: Bool
        /// Whether the image stays stored because other connections still hold it.
        var stillHeld: Bool
    }

    /// Drops `holder`'s hold on `handle`, and forgets the image if no other connection holds it.
    func release(_ handle: String, by holder: ConnectionID?) -> Release {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[handle] else { return Release(released: false, stillHeld: false) }
        if let holder { entry.holders.remove(holder) }
        guard entry.holders.isEmpty else { return Release(released: true, stillHeld: true) }
        entries.removeValue(forKey: handle)
        totalBytes -= entry.bytes
        return Release(released: true, stillHeld: false)
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
    /// decoded pixels (full or reduced) loses them (its handle stays valid and decodes again on
    /// use); an entry that is only encoded bytes is dropped. Entries being decoded are kept
    /// (their waiters need them).
    private func evictIfNeeded() {
        guard totalBytes > capacityBytes else { return }
        for entry in entries.values.sorted(by: { $0.lastUse < $1.lastUse }) where totalBytes > capacityBytes {
            guard !entry.hasWaiters else { continue }
            if entry.bytes > entry.encoded.size {
                totalBytes -= entry.bytes
                if entry.decoded?.memfd !== entry.encoded { entry.decoded = nil }
                entry.reductions = [:]
                totalBytes += entry.bytes
            } else {
                entries.removeValue(forKey: entry.handle)
                totalBytes -= entry.bytes
            }
            counters.evictions += 1
        }
    }
}
