import FoveaProtocol
import FoveaSandbox
import Glibc
import Testing

/// The supervisor's end of a channel against a peer that misbehaves: a real socketpair.
@Suite struct ChannelSocketTests {
    @Test func aZeroByteDatagramIsAMalformedMessageNotTheEndOfTheStream() throws {
        let (supervisor, worker) = try ChannelSocket.pair()
        try worker.sendBytes([])
        #expect(throws: ChannelError.malformed("an empty message")) { try supervisor.receive(timeoutMilliseconds: 1000) }
        // The channel is still open: the next message arrives.
        try worker.send(["type": "started", "id": 1])
        #expect(try supervisor.receive(timeoutMilliseconds: 1000)?.json["id"] == 1)
    }

    @Test func aClosedPeerReadsAsClosed() throws {
        var (supervisor, worker): (ChannelSocket, ChannelSocket?) = try ChannelSocket.pair()
        worker = nil  // released: its descriptor closes
        #expect(worker == nil)
        #expect(throws: ChannelError.closed) { try supervisor.receive(timeoutMilliseconds: 1000) }
    }

    /// A peer that never reads fills its queue (net.unix.max_dgram_qlen datagrams); a send
    /// with a deadline then gives up at the deadline instead of blocking the sender for ever.
    @Test func aSendToAPeerThatStopsReadingEndsAtTheDeadline() throws {
        let (supervisor, worker) = try ChannelSocket.pair()
        var sent = 0
        #expect(throws: ChannelError.timedOut) {
            while true {
                try supervisor.send(["type": "forget", "id": .int(sent), "inodes": []], until: .now + .milliseconds(200))
                sent += 1
                if sent > 100_000 { break }  // never reached: the queue holds a few hundred at most
            }
        }
        #expect(sent > 0 && sent < 100_000, "\(sent) datagrams sent")
        withExtendedLifetime(worker) {}
    }
}
