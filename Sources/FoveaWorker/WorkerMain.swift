import FoveaCodec
import FoveaProtocol
import FoveaSandbox
import Glibc
import SystemPackage

/// The worker process: sandbox itself (``WorkerStartup``), say hello, then answer one request
/// at a time until the channel closes. It leaves with `_exit`: no atexit handlers (GLib's
/// and libvips's) run inside the sandbox.
public enum WorkerMain {
    public static func run(_ configuration: WorkerConfiguration) -> Never {
        ProcessControl.dieWithParent()
        let channel = ChannelSocket(adopting: FileDescriptor(rawValue: configuration.channelDescriptor))
        let hello: WorkerHello
        do {
            hello = try WorkerStartup.sandbox(configuration)
        } catch {
            try? channel.send(WorkerHello.failure("\(error)").json)
            _exit(71)
        }
        do {
            try channel.send(hello.json)
        } catch {
            _exit(0)
        }
        serve(channel, runner: JobRunner(configuration: configuration))
    }

    private static func serve(_ channel: ChannelSocket, runner: JobRunner) -> Never {
        while true {
            let message: ChannelMessage
            do {
                guard let received = try channel.receive() else { continue }
                message = received
            } catch {
                _exit(0)  // supervisor gone or channel broken: nothing left to serve
            }
            guard let request = try? WorkerRequest(json: message.json) else {
                message.closeDescriptors()
                _exit(65)  // the supervisor sent something unreadable: restart clean
            }
            let outcome: JobRunner.Outcome
            if case .forget(_, let inodes) = request {
                message.closeDescriptors()
                runner.forget(inodes)  // no receipt and no reply
                continue
            }
            if runner.configuration.testHooks, message.descriptors.count == request.descriptorCount,
               let forgery = ForgedPeer.forgery(for: request, descriptors: message.descriptors) {
                send(WorkerReceipt(id: request.id).json, on: channel)
                ForgedPeer.play(forgery, request: request, descriptors: message.descriptors, channel: channel)
                continue
            }
            if message.descriptors.count == request.descriptorCount {
                send(WorkerReceipt(id: request.id).json, on: channel)
                outcome = runner.handle(request, descriptors: message.descriptors) { send($0.json, on: channel) }
            } else {
                message.closeDescriptors()
                send(WorkerReceipt(id: request.id).json, on: channel)
                outcome = JobRunner.Outcome(reply: .failed(id: request.id, kind: .internalError,
                    message: "request carried \(message.descriptors.count) descriptors, expected \(request.descriptorCount)"))
            }
            send(outcome.reply.json, descriptors: outcome.memfds.map(\.descriptor.rawValue), on: channel)
        }
    }

    /// Sends or leaves: a worker whose supervisor is gone has nothing left to do.
    private static func send(_ message: JSONValue, descriptors: [Int32] = [], on channel: ChannelSocket) {
        do {
            try channel.send(message, descriptors: descriptors)
        } catch {
            _exit(0)
        }
    }
}
