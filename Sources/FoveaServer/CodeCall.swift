import FoveaKernels
import FoveaProtocol
import FoveaSandbox

/// One input image of a code call, resolved: the decoded pixels and the encoded file, both
/// sealed memfds from the store.
struct CodeInput: Sendable {
    var index: Int
    var handle: String
    var pixels: SealedMemfd
    var layout: PixelLayout
    var encoded: SealedMemfd
    var format: String
    var path: String?
}

/// How a code call ended.
enum CodeCallOutcome: Sendable {
    /// The code ran (it may have raised: that is in the reply). `outputs` are the images it
    /// showed, raw pixels in sealed memfds, one per `reply.images` entry.
    case ran(CodeRunReply, outputs: [SealedMemfd], restart: CodeSessionRestart?)
    /// The supervisor stopped the interpreter (deadline, crash, forbidden call).
    case stopped(CodeStop, restart: CodeSessionRestart?)
    /// The call could not run: no interpreter could be started, or the interpreter broke the
    /// channel protocol (it was killed). One sentence for the model.
    case failed(String)
}

/// A `code` call waiting for, or running on, an interpreter (``CodeSlots``).
final class CodeCall: LanedJob, @unchecked Sendable {
    let owner: WorkerJob.Owner
    let arguments: CodeArguments
    let inputs: [CodeInput]
    /// The seconds the code may run: the call's `timeout`, at most `--code-deadline`.
    let timeout: Double
    let completion: @Sendable (CodeCallOutcome) -> Void

    init(owner: WorkerJob.Owner, arguments: CodeArguments, inputs: [CodeInput], timeout: Double,
         completion: @escaping @Sendable (CodeCallOutcome) -> Void) {
        self.owner = owner
        self.arguments = arguments
        self.inputs = inputs
        self.timeout = timeout
        self.completion = completion
    }

    /// The agent's session id; nil: a fresh interpreter for this call only.
    var session: String? { arguments.session }
}
