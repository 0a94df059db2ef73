import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// Deadlines cut a call and replace its worker; an input that killed two workers is refused
/// on sight afterwards.
@Suite struct DeadlineAndPoisonTests {
    @Test func aProbeRunningPastItsDeadlineIsCutAtTheDeadline() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--deadline", "1"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let before = try Sandbox.waitForWorkers(daemon, count: 1)
        let start = Date()
        let probe = try Sandbox.probe(client, "sleep")
        // The probe sleeps for ever: an answer saying "deadline" is the cut. Not before the deadline.
        #expect(Date().timeIntervalSince(start) >= 1)
        #expect(probe.outcome == "killed" && probe.reason == "deadline", "\(probe)")
        #expect(probe.detail == "the call ran past its deadline of 1 s and was stopped (the worker was replaced)")
        let after = try Sandbox.waitForWorkers(daemon, count: 1, excluding: before)
        #expect(after != before)
        try Sandbox.expectZoomWorks(client, handle: try client.put(Sandbox.goodPNG))
    }

    @Test func aToolCallRunningPastItsDeadlineGetsAToolErrorSayingSo() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--deadline", "1"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let hanging = Sandbox.goodPNG + Array(TestHookMarker.hangOnDecode.utf8)
        let start = Date()
        let result = try client.tool("zoom", ["image": Sandbox.dataURL(hanging), "bbox_2d": [0, 0, 500, 500]])
        #expect(Date().timeIntervalSince(start) >= 1)  // the decode hangs for ever: only the deadline ends it
        #expect(result["isError"] == true)
        #expect(result.toolText?.hasSuffix("the call ran past its deadline of 1 s and was stopped (the worker was replaced)") == true,
                "\(result.toolText ?? "")")
        try Sandbox.expectZoomWorks(client, handle: try client.put(Sandbox.goodPNG))
    }

    @Test func anImageThatKilledTwoWorkersIsRefusedOnSight() throws {
        let daemon = try Daemon(workers: 2)
        defer { daemon.stop() }
        let client = try daemon.client()
        let good = try client.put(Sandbox.goodPNG)
        let poison = Sandbox.dataURL(Sandbox.goodPNG + Array(TestHookMarker.crashOnDecode.utf8))
        let call: JSONValue = ["image": poison, "bbox_2d": [0, 0, 500, 500]]

        for attempt in 1...2 {
            let result = try client.tool("zoom", call)
            #expect(result["isError"] == true)
            #expect(result.toolText?.contains("killed by signal 11 (SIGSEGV) while running the call") == true,
                    "attempt \(attempt): \(result.toolText ?? "")")
        }
        let refused = try client.tool("zoom", call)  // no worker runs it: one would crash (restarts stay 2, below)
        #expect(refused["isError"] == true)
        #expect(refused.toolText?.hasSuffix("this image killed 2 workers before and is refused on sight; it is malformed or hostile") == true,
                "\(refused.toolText ?? "")")

        try Sandbox.expectZoomWorks(client, handle: good)
        _ = try Sandbox.waitForWorkers(daemon, count: 2)  // both replacements are running
        let stats = try client.call("server/stats")
        #expect(stats["poisonedInputs"] == 1)
        #expect((stats["workers"]?.arrayValue ?? []).compactMap { $0["restarts"]?.intValue }.reduce(0, +) == 2)
    }

    /// Two calls that ran past the deadline poison that call only: the image, which every
    /// rollout shares, still serves other calls (found by `fovea fuzz` with a short deadline).
    @Test func aCallThatStoppedTwoWorkersIsRefusedButTheImageStillServesOtherCalls() throws {
        let daemon = try Daemon(workers: 2, arguments: ["--deadline", "1"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Sandbox.goodPNG)
        let hanging: JSONValue = ["image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": .string(TestHookMarker.hangOnRun)]]]
        for attempt in 1...2 {
            let result = try client.tool("annotate", hanging)
            #expect(result.toolText?.hasSuffix("the call ran past its deadline of 1 s and was stopped (the worker was replaced)") == true,
                    "attempt \(attempt): \(result.toolText ?? "")")
        }
        let refused = try client.tool("annotate", hanging)
        #expect(refused["isError"] == true)
        #expect(refused.toolText?.contains("this same call on this image stopped 2 workers before") == true, "\(refused.toolText ?? "")")
        try Sandbox.expectZoomWorks(client, handle: handle)
        let labelled = try client.tool("annotate", ["image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": "ok"]]])
        #expect(labelled["isError"] == false, "\(labelled.toolText ?? "")")
        #expect(try client.call("server/stats")["poisonedInputs"] == 1)
    }
}
