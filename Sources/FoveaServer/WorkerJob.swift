import FoveaKernels
import FoveaProtocol
import FoveaSandbox

/// A request waiting for, or running on, a worker.
final class WorkerJob: @unchecked Sendable {
    let request: WorkerRequest
    /// Memfds sent with the request; kept alive until the worker has them.
    let descriptors: [any InputMemfd]
    /// Seconds the call may run once a worker has it.
    let deadlineSeconds: Double
    let completion: @Sendable (Result<WorkerResponse, WorkerJobFailure>) -> Void
    /// What the workers this job kills are counted against (poison pills).
    let poisonKey: PoisonKey?
    /// Called on the slot's thread for each notice the worker sends before its reply, with the
    /// scratch memfds lent for the job.
    let notice: (@Sendable (WorkerNotice, [ScratchMemfd]) -> Void)?
    /// Whose turn in the queue this job waits for (``JobQueue``).
    let owner: Owner
    /// An extra rule a decode's layout must meet (a reduced decode must fit its full-scale
    /// header); checked with the rest of the reply (``WorkerReplyCheck``).
    let acceptsDecodedLayout: (@Sendable (PixelLayout) -> Bool)?

    enum Owner: Hashable, Sendable {
        /// A call from this connection.
        case connection(ConnectionID)
        /// Work for every connection (decodes, probes) or for none.
        case shared
    }

    init(request: WorkerRequest, descriptors: [any InputMemfd], deadlineSeconds: Double, poisonKey: PoisonKey?,
         owner: Owner = .shared, notice: (@Sendable (WorkerNotice, [ScratchMemfd]) -> Void)? = nil,
         acceptsDecodedLayout: (@Sendable (PixelLayout) -> Bool)? = nil,
         completion: @escaping @Sendable (Result<WorkerResponse, WorkerJobFailure>) -> Void) {
        self.notice = notice
        self.acceptsDecodedLayout = acceptsDecodedLayout
        self.owner = owner
        self.request = request
        self.descriptors = descriptors
        self.deadlineSeconds = deadlineSeconds
        self.poisonKey = poisonKey
        self.completion = completion
    }
}

/// A worker's reply after ``WorkerReplyCheck``: it answers the request, and its memfds are the
/// ones lent for the job, sealed, of the declared sizes (in the reply's order).
/// Why a job got no reply.
enum WorkerJobFailure: Error, Sendable, Equatable {
    /// The worker died while running the job.
    case workerDied(ExitStatus)
    /// The job ran past its deadline; the worker was killed.
    case deadlineExceeded(seconds: Double)
    /// The worker answered something invalid and was killed as compromised.
    case protocolViolation(String)
    /// The queue was full.
    case overloaded(queued: Int)
    /// No worker could be started.
    case spawnFailed(String)
    /// The input killed workers before and is refused.
    case poisoned(deaths: Int, key: PoisonKey)

    /// The sentence a model reads.
    var toolMessage: String {
        switch self {
        case .workerDied(let status):
            return "the worker processing this image \(status) while running the call; the image may be malformed or hostile (the worker was replaced)"
        case .deadlineExceeded(let seconds):
            return "the call ran past its deadline of \(formatNumber(seconds)) s and was stopped (the worker was replaced)"
        case .protocolViolation:
            return "the worker processing this image misbehaved and was replaced; the image may be hostile"
        case .overloaded(let queued):
            return "the server is overloaded (\(queued) calls queued); retry shortly"
        case .spawnFailed(let reason):
            return "no worker could be started: \(reason)"
        case .poisoned(let deaths, .image):
            return "this image killed \(deaths) workers before and is refused on sight; it is malformed or hostile"
        case .poisoned(let deaths, .call):
            return "this same call on this image stopped \(deaths) workers before (they crashed or ran past the deadline) and is refused on sight; other calls on the image still work, so ask for less (a smaller box or output, or another tool)"
        }
    }
}
