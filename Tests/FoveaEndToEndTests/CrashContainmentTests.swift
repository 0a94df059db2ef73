import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol
import Synchronization
import Testing

/// A crash, or a damaged image of any format, stays inside one call: its caller gets a tool
/// error, other clients' calls made at the same time complete correctly, and a worker that
/// died is replaced.
@Suite struct CrashContainmentTests {
    /// Truncated and corrupted encodings of every allowed format (made by FoveaCodec).
    static func damagedImages() throws -> [(name: String, bytes: [UInt8])] {
        var images: [(String, [UInt8])] = []
        for format in ImageFormat.allCases {
            let whole = try Sandbox.encoded(format)
            images.append(("truncated \(format.rawValue)", Sandbox.truncated(whole)))
            images.append(("corrupt \(format.rawValue)", Sandbox.corrupted(whole)))
        }
        return images
    }

    @Test func crashesAndDamagedImagesGetToolErrorsWhileOtherClientsAreServed() throws {
        let damaged = try Self.damagedImages()
        let daemon = try Daemon(workers: 2, arguments: ["--threads", "2"])
        defer { daemon.stop() }
        let setup = try daemon.client()
        let good = try setup.put(try TestImages.encoded(width: 1600, height: 1200, format: .jpeg).bytes)
        let expected = try Sandbox.expectZoomWorks(setup, handle: good)["structuredContent"]

        // Two clients zoom for as long as the hostile client works.
        let hostileDone = Atomic<Bool>(false)
        let goodCalls = Atomic<Int>(0)
        let goodFailures = Mutex<[String]>([])
        let group = DispatchGroup()
        let socketPath = daemon.socketPath
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                do {
                    let client = try FoveaClient(socketPath: socketPath)
                    client.setReceiveTimeout(seconds: 60)
                    // At least a few calls each, and on until the hostile client is done.
                    while goodCalls.load(ordering: .relaxed) < 4 || !hostileDone.load(ordering: .acquiring) {
                        let result = try client.tool("zoom", ["image": .string(good), "bbox_2d": [100, 100, 600, 700]])
                        if result["isError"] != false || result["structuredContent"] != expected {
                            goodFailures.withLock { $0.append(result.toolText ?? "\(result)") }
                        }
                        goodCalls.add(1, ordering: .relaxed)
                    }
                } catch {
                    goodFailures.withLock { $0.append("\(error)") }
                }
            }
        }

        // The hostile calls start once the good clients are calling.
        for _ in 0..<400 where goodCalls.load(ordering: .relaxed) < 2 { Thread.sleep(forTimeInterval: 0.01) }
        let hostile = try daemon.client()
        for _ in 0..<2 {
            let crash = try Sandbox.probe(hostile, "crash")
            #expect(crash.outcome == "killed" && crash.signal == "SIGSEGV", "\(crash)")
        }
        for (name, bytes) in damaged {
            let result = try hostile.tool("zoom", ["image": Sandbox.dataURL(bytes), "bbox_2d": [0, 0, 500, 500]])
            #expect(result["isError"] == true, "\(name) was accepted")
            let text = result.toolText ?? ""
            #expect(text.contains("could not be decoded"), "\(name): \(text)")
        }
        // Damage inside the compressed data: an error or a concealed image, never a dead worker.
        for format in ImageFormat.allCases {
            let bytes = Sandbox.damagedData(try Sandbox.encoded(format))
            let result = try hostile.tool("zoom", ["image": Sandbox.dataURL(bytes), "bbox_2d": [0, 0, 500, 500]])
            let text = result.toolText ?? ""
            #expect(result["isError"] == false || text.contains("could not be decoded"), "damaged \(format.rawValue) data: \(text)")
        }
        hostileDone.store(true, ordering: .releasing)
        group.wait()

        #expect(goodFailures.withLock { $0 } == [])
        #expect(goodCalls.load(ordering: .relaxed) > 0)
        let workers = try Sandbox.waitForWorkers(daemon, count: 2)
        #expect(workers.count == 2)
        let restarts = (try setup.call("server/stats")["workers"]?.arrayValue ?? []).compactMap { $0["restarts"]?.intValue }
        #expect(restarts.reduce(0, +) == 2, "the two crashes cost two workers; damaged images none")
        try Sandbox.expectZoomWorks(setup, handle: good)
    }
}
