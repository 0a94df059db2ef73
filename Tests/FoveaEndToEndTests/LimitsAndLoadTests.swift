import ExtrasBase64
import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Foundation
import Synchronization
import Testing

/// Issue 5: header-first limits, one decode per image under concurrency, backpressure,
/// eviction and a soak under load, all against a real daemon.
@Suite(.serialized) struct LimitsAndLoadTests {
    static let jpeg8K = VerticalSliceTests.jpeg8K

    @Test func forgedHeadersAreRefusedFromTheHeaderWithMemoryFlat() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        _ = try client.call("ping")
        Thread.sleep(forTimeInterval: 0.3)
        let before = ProcessMemory.snapshot(daemon: daemon.process.processIdentifier)
        let cases: [(String, [UInt8], String)] = [
            ("png", ForgedImages.png(width: 225_000, height: 225_000), "225000×225000"),
            ("jpeg", ForgedImages.jpeg(width: 65_000, height: 65_000), "65000×65000"),
            ("webp", ForgedImages.webp(width: 16_000_000, height: 16_000_000), "16000000×16000000"),
        ]
        for (format, bytes, size) in cases {
            do {
                _ = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: bytes))])
                Issue.record("\(format): a forged \(size) image was accepted")
            } catch let error as RPCFailureResponse {
                #expect(error.code == -32602, "\(format)")
                #expect(error.message.contains("image is \(size)") && error.message.contains("MP pixel limit"), "\(format): \(error.message)")
            }
        }
        let after = ProcessMemory.snapshot(daemon: daemon.process.processIdentifier)
        #expect(after.total - before.total < 32 << 20, "memory grew from \(before.total) to \(after.total) bytes")
        #expect(try client.call("ping") == [:])
    }

    @Test func sixteenClientsPuttingOneImageShareOneDecode() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let failures = Mutex<[String]>([])
        let threads = (0..<16).map { index in
            Thread {
                do {
                    let client = try daemon.client()
                    let handle = try client.put(Self.jpeg8K)
                    let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": .ints([index * 50, 100, index * 50 + 200, 300])])
                    if result["isError"] != false { failures.withLock { $0.append(result.toolText ?? "?") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let stats = try daemon.client().call("server/stats")
        #expect(stats["cache"]?["decodes"] == 1)
        #expect(stats["tools"]?["zoom"]?["calls"] == 16)
        #expect(stats["cache"]?["shmemHugePages"] == HugePages.shmemSetting().map(JSONValue.string) ?? .null)
    }

    @Test func aFloodPastTheQueueGetsOverloadedAtOnceAndPingStillAnswers() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--max-queue", "4"])
        defer { daemon.stop() }
        let setup = try daemon.client()
        let handle = try setup.put(Self.jpeg8K)
        let outcomes = Mutex<(ok: Int, overloaded: Int, other: [String])>((0, 0, []))
        let connections = try (0..<6).map { _ in try daemon.client() }
        for connection in connections {
            for index in 0..<25 {
                try connection.sendRequest("tools/call", params: ["name": "crop", "arguments": [
                    "image": .string(handle), "bbox_2d": .ints([index * 10, 0, index * 10 + 2000, 2000]), "coords": "pixel", "format": "png"]])
            }
        }
        // While the flood is queued and running, ping answers promptly on another connection.
        let pinger = try daemon.client()
        let pingStart = ContinuousClock.now
        #expect(try pinger.call("ping") == [:])
        #expect(pingStart.duration(to: .now) < .seconds(1))
        let readers = connections.map { connection in
            Thread {
                for _ in 0..<25 {
                    guard let message = try? connection.receive() else { outcomes.withLock { $0.other.append("no answer") }; return }
                    if message["error"]?["code"] == -32001 {
                        outcomes.withLock { $0.overloaded += 1 }
                    } else if message["result"]?["isError"] == false {
                        outcomes.withLock { $0.ok += 1 }
                    } else {
                        outcomes.withLock { $0.other.append(JSONWriter.string(message).prefix(200).description) }
                    }
                }
            }
        }
        readers.forEach { $0.start() }
        while readers.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        let final = outcomes.withLock { $0 }
        #expect(final.other.isEmpty, "\(final.other)")
        #expect(final.overloaded > 0 && final.ok > 0 && final.ok + final.overloaded == 150, "ok \(final.ok), overloaded \(final.overloaded)")
        #expect(try pinger.call("ping") == [:])
    }

    @Test func evictionUnderASmallBudgetKeepsMemoryUnderItAndLaterCallsStillWork() throws {
        let budget = 300 << 20
        let daemon = try Daemon(arguments: ["--cache-bytes", String(budget)])
        defer { daemon.stop() }
        let client = try daemon.client()
        var handles: [String] = []
        for seed in 0..<4 {
            let image = try TestImages.encoded(width: 7680, height: 4320, bands: 3, format: .jpeg, quality: 80, seed: UInt32(seed + 20)).bytes
            let handle = try client.put(image)
            handles.append(handle)
            let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [100, 100, 400, 400]])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            // Workers drop mappings of evicted images within one idle tick (100 ms).
            var memory = ProcessMemory.snapshot(daemon: daemon.process.processIdentifier)
            for _ in 0..<20 where memory.memfdBytes > budget {
                Thread.sleep(forTimeInterval: 0.05)
                memory = ProcessMemory.snapshot(daemon: daemon.process.processIdentifier)
            }
            #expect(memory.memfdBytes <= budget, "memfds hold \(memory.memfdBytes) bytes over a \(budget) budget")
        }
        let stats = try client.call("server/stats")
        #expect((stats["cache"]?["bytes"]?.intValue ?? .max) <= budget)
        #expect((stats["cache"]?["evictions"]?.intValue ?? 0) > 0)
        // The first image's pixels were evicted: it decodes again and answers the same.
        let again = try client.tool("zoom", ["image": .string(handles[0]), "bbox_2d": [100, 100, 400, 400]])
        #expect(again["isError"] == false, "\(again.toolText ?? "")")
        #expect((try client.call("server/stats")["cache"]?["decodes"]?.intValue ?? 0) >= 5)
    }
}
