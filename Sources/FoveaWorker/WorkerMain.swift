import FoveaCodec
import FoveaProtocol
import FoveaSandbox
import Glibc
import SystemPackage

/// The worker process: set up, then answer one request at a time until the channel closes.
public enum WorkerMain {
    public static func run(_ configuration: WorkerConfiguration) -> Never {
        ProcessControl.dieWithParent()
        let channel = ChannelSocket(adopting: FileDescriptor(rawValue: configuration.channelDescriptor))
        do {
            try Codec.initialize(concurrency: 1)
        } catch {
            exit(70)
        }
        let runner = JobRunner(configuration: configuration)
        while true {
            let message: ChannelMessage
            do {
                guard let received = try channel.receive() else { continue }
                message = received
            } catch {
                exit(0)  // supervisor gone or channel broken: nothing left to serve
            }
            let outcome: JobRunner.Outcome
            do {
                let request = try WorkerRequest(json: message.json)
                guard message.descriptors.count == request.descriptorCount else {
                    message.closeDescriptors()
                    outcome = JobRunner.Outcome(reply: .failed(id: request.id, kind: .internalError,
                        message: "request carried \(message.descriptors.count) descriptors, expected \(request.descriptorCount)"))
                    try channel.send(outcome.reply.json)
                    continue
                }
                if case .forget(_, let inodes) = request {
                    runner.forget(inodes)
                    continue
                }
                try channel.send(WorkerReply.accepted(id: request.id).json)
                outcome = runner.handle(request, descriptors: message.descriptors)
            } catch {
                message.closeDescriptors()
                exit(65)  // the supervisor sent something unreadable: restart clean
            }
            do {
                try channel.send(outcome.reply.json, descriptors: outcome.memfds.map(\.descriptor.rawValue))
            } catch {
                exit(0)
            }
        }
    }
}

