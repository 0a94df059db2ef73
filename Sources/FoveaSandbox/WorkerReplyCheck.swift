import FoveaKernels
import FoveaProtocol

/// Everything a worker may send for one job, checked in one place on the slot's thread, before
/// the worker takes another job: a worker is presumed compromised, and any failure here kills
/// and replaces it (``WorkerSlot``). Nothing a worker sent reaches the store or a caller unless
/// it passed these checks.
///
/// - Notices come only during a decode: one `header` first, then `rows` ranges that start at
///   the top or end at the bottom, stay within the announced height and grow with every notice
///   (so a job has at most height + 1 notices: a flood is a violation, not work).
/// - The reply answers the request's kind: `decoded` for a decode, with the layout the header
///   announced (and, for a reduced decode, the size its factor implies); `produced` of exactly the
///   planned shape, encoded unless the plan asked for raw pixels; `measured` with one summary per
///   planned band; `probed` for a probe; `failed` for anything.
/// - Its memfds are the scratch memfds lent for the job, fully sealed, of the declared sizes
///   (``ReturnedMemfds``).
public struct WorkerReplyCheck {
    /// The request as the worker received it (channel-local id).
    public let request: WorkerRequest
    public let scratch: [ScratchMemfd]
    public let limits: DecodeLimits
    /// An extra rule for a decode's layout (a reduced decode must fit its full-scale header).
    public let acceptsDecodedLayout: (@Sendable (PixelLayout) -> Bool)?
    /// The layout the decoding worker announced in its header notice.
    public private(set) var announced: PixelLayout?
    /// The rows reported finished so far.
    private var finishedRows = 0..<0

    public init(request: WorkerRequest, scratch: [ScratchMemfd], limits: DecodeLimits,
         acceptsDecodedLayout: (@Sendable (PixelLayout) -> Bool)?) {
        self.request = request
        self.scratch = scratch
        self.limits = limits
        self.acceptsDecodedLayout = acceptsDecodedLayout
    }

    /// A notice (`message` is one: ``WorkerNotice/isNotice(_:)``), checked against the job so far.
    public mutating func notice(_ message: ChannelMessage) throws(ChannelMessageError) -> WorkerNotice {
        guard message.descriptors.isEmpty else {
            message.closeDescriptors()
            throw ChannelMessageError("a notice carried \(message.descriptors.count) descriptors")
        }
        let notice = try WorkerNotice(json: message.json, limits: limits)
        guard notice.id == request.id else { throw ChannelMessageError("notice for job \(notice.id) during job \(request.id)") }
        guard case .decode = request else { throw ChannelMessageError("a notice during a job that is not a decode") }
        switch notice {
        case .header(_, let layout, _, _):
            guard announced == nil else { throw ChannelMessageError("a second header notice") }
            announced = layout
        case .rows(_, let rows):
            // Rows finish from the top (0..<n) or, for images stored upside down, from the bottom.
            guard let announced else { throw ChannelMessageError("rows before the header") }
            guard rows.upperBound <= announced.height, rows.count > finishedRows.count,
                  rows.lowerBound == 0 || rows.upperBound == announced.height,
                  finishedRows.isEmpty || (rows.lowerBound <= finishedRows.lowerBound && rows.upperBound >= finishedRows.upperBound) else {
                throw ChannelMessageError("rows \(rows.lowerBound)..<\(rows.upperBound) after rows \(finishedRows.lowerBound)..<\(finishedRows.upperBound) of \(announced.height)")
            }
            finishedRows = rows
        }
        return notice
    }

    /// The reply (`message` is not a notice), with its memfds adopted. Every descriptor in
    /// `message` is adopted or closed.
    public func reply(_ message: ChannelMessage) throws(ChannelMessageError) -> WorkerResponse {
        let sizes: [Int]
        let reply: WorkerReply
        do throws(ChannelMessageError) {
            reply = try WorkerReply(json: message.json, limits: limits)
            guard reply.id == request.id else { throw ChannelMessageError("reply id \(reply.id) does not match job \(request.id)") }
            sizes = try outputSizes(of: reply)
        } catch {
            message.closeDescriptors()
            throw error
        }
        let memfds = try ReturnedMemfds.adopt(message.descriptors, sizes: sizes, lent: scratch)
        return WorkerResponse(reply: reply, memfds: memfds)
    }

    /// The sizes of the memfds `reply` must carry, after checking it answers the request.
    private func outputSizes(of reply: WorkerReply) throws(ChannelMessageError) -> [Int] {
        switch (request, reply) {
        case (_, .failed):
            return []
        case (.probe, .probed):
            return []
        case (.decode, .decoded(_, let layout, _, _)):
            guard let announced else { throw ChannelMessageError("a decode ended without its header notice") }
            guard layout == announced else {
                throw ChannelMessageError("decoded \(layout) after announcing \(announced)")
            }
            if let accepts = acceptsDecodedLayout, !accepts(layout) {
                throw ChannelMessageError("decoded \(layout), which does not fit the image at this scale")
            }
            return [layout.byteCount]
        case (.run(_, let source, let plan, _), .produced(_, let layout, let encodedBytes)):
            let expected = plan.outputShape(from: ImageShape(source))
            guard let output = plan.output, !plan.measures else {
                throw ChannelMessageError("an image where the plan asked for statistics")
            }
            guard ImageShape(layout) == expected else {
                throw ChannelMessageError("a \(layout) result where \(expected) was planned")
            }
            guard (output.format == .raw) == (encodedBytes == nil) else {
                throw ChannelMessageError("a result without the planned encoding (\(output.format.rawValue))")
            }
            return [encodedBytes ?? layout.byteCount]
        case (.run(_, let source, let plan, _), .measured(_, let channels)):
            let expected = plan.outputShape(from: ImageShape(source))
            guard plan.measures, channels.count == expected.bands else {
                throw ChannelMessageError("\(channels.count) channel statistics where the plan asked for \(plan.measures ? "\(expected.bands)" : "an image")")
            }
            return []
        default:
            throw ChannelMessageError("a \(reply.typeName) reply to a \(request.typeName) request")
        }
    }
}

/// A worker's reply that passed ``WorkerReplyCheck``, with its adopted output memfds.
public struct WorkerResponse: Sendable {
    public var reply: WorkerReply
    public var memfds: [SealedMemfd]

    public init(reply: WorkerReply, memfds: [SealedMemfd]) {
        self.reply = reply
        self.memfds = memfds
    }
}

extension WorkerReply {
    var typeName: String { json["type"].flatMap { if case .string(let name) = $0 { name } else { nil } } ?? "?" }
}

extension WorkerRequest {
    var typeName: String { json["type"].flatMap { if case .string(let name) = $0 { name } else { nil } } ?? "?" }
}
