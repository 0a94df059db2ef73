import FoveaProtocol
import Synchronization

/// Requests read and not yet fully answered, across every connection, and the drain that
/// stops taking new ones when the server is asked to stop (SIGTERM).
final class RequestActivity: Sendable {
    private let inFlight = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)

    /// A request was read; ``finished()`` follows once its answer is written (or none is due).
    func started() { inFlight.add(1, ordering: .relaxed) }
    func finished() { inFlight.subtract(1, ordering: .relaxed) }
    var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Starts the drain; false if it had already started.
    func startDraining() -> Bool { !draining.exchange(true, ordering: .relaxed) }

    /// What a request read during the drain is answered.
    static let drainingError = RPCError(
        .overloaded, "the server is shutting down and takes no new calls; connect again (its successor) and retry this call")
}
