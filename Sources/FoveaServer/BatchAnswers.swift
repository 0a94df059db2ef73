import FoveaProtocol
import Foundation

/// Answers a JSON-RPC batch (MCP 2025-03-26): every element is handled as a line would be,
/// concurrently, and the responses go back together in one array once the last is in.
/// Notifications and client responses add nothing; a batch of only those gets no answer.
struct BatchAnswers {
    let dispatcher: RPCDispatcher
    let connection: ConnectionID

    /// Handles `items` and calls `reply` once with the array of responses (nil: none due).
    func handle(_ items: [Result<RPCIncoming, RPCFailure>], reply: @escaping @Sendable (JSONValue?) -> Void) {
        var requests: [RPCRequest] = []
        var immediate: [JSONValue] = []
        for item in items {
            switch item {
            case .success(.request(let request)) where request.isNotification:
                dispatcher.handle(request, connection: connection) { _ in }
            case .success(.request(let request)) where dispatcher.activity.isDraining:
                immediate.append(RPCMessage.errorResponse(id: request.id ?? .null, error: RequestActivity.drainingError))
            case .success(.request(let request)):
                requests.append(request)
            case .success(.response), .success(.batch):
                break
            case .failure(let failure):
                immediate.append(RPCMessage.errorResponse(id: failure.id, error: failure.error))
            }
        }
        guard !requests.isEmpty else { return reply(immediate.isEmpty ? nil : .array(immediate)) }
        let answered = immediate
        let gather = OrderedGather<JSONValue, Never>(count: requests.count) { answers in
            reply(.array(answered + answers.compactMap { if case .success(let answer) = $0 { answer } else { nil } }))
        }
        for (index, request) in requests.enumerated() {
            dispatcher.handle(request, connection: connection) { gather.finish(index, .success($0)) }
        }
    }
}
