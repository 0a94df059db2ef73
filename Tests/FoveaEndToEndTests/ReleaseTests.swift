import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// `images/release` drops the caller's hold: an image that rollouts share stays for the
/// connections that still hold it (put it, got it as a result, or used it in a call).
@Suite struct ReleaseTests {
    static let gone = "no image with this handle is stored"

    @Test func anImageStaysForAnotherConnectionThatPutItToo() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let first = try daemon.client(), second = try daemon.client()
        let handle = try first.put(Sandbox.goodPNG)
        #expect(try second.put(Sandbox.goodPNG) == handle)

        let released = try first.call("images/release", params: ["image": .string(handle)])
        #expect(released["released"] == true && released["stored"] == true, "\(released)")
        try Sandbox.expectZoomWorks(second, handle: handle)
        try Sandbox.expectZoomWorks(first, handle: handle)  // still stored, and now held by first again

        _ = try first.call("images/release", params: ["image": .string(handle)])
        let last = try second.call("images/release", params: ["image": .string(handle)])
        #expect(last["released"] == true && last["stored"] == false, "\(last)")
        let after = try second.tool("zoom", ["image": .string(handle), "bbox_2d": [0, 0, 500, 500]])
        #expect(after.toolText?.contains(Self.gone) == true, "\(after.toolText ?? "")")
    }

    @Test func usingAHandleInACallHoldsIt() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let putter = try daemon.client(), user = try daemon.client()
        let handle = try putter.put(Sandbox.goodPNG)
        try Sandbox.expectZoomWorks(user, handle: handle)
        let released = try putter.call("images/release", params: ["image": .string(handle)])
        #expect(released["stored"] == true, "\(released)")
        try Sandbox.expectZoomWorks(user, handle: handle)
    }

    @Test func aClosedConnectionHoldsNothing() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let putter = try daemon.client()
        let handle = try putter.put(Sandbox.goodPNG)
        do {
            let user = try daemon.client()
            try Sandbox.expectZoomWorks(user, handle: handle)
        }  // the user's connection closes here
        var released: JSONValue = .null
        for _ in 0..<100 {  // the close reaches the daemon asynchronously
            released = try putter.call("images/release", params: ["image": .string(handle)])
            if released["stored"] == false { break }
            _ = try putter.put(Sandbox.goodPNG)
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(released["released"] == true && released["stored"] == false, "\(released)")
    }

    /// A call that finishes after its connection closed stores its result without a hold for
    /// the gone connection: another client that gets the same result can release it for good.
    /// (The daemon closes a connection at a broken frame, here an over-long line, while the
    /// connection's earlier calls still run.)
    @Test func aCallThatFinishesAfterItsConnectionClosedHoldsNothing() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--max-line-bytes", "4M"])
        defer { daemon.stop() }
        let stayer = try daemon.client()
        let source = try stayer.put(try TestImages.encoded(width: 1920, height: 1080, format: .jpeg).bytes)
        try daemon.waitUntilIdle(stayer)
        let entries = try stayer.call("server/stats")["cache"]?["entries"]?.intValue ?? 0
        let slow: JSONValue = ["image": .string(source), "angle": 17, "interpolation": "bicubic", "format": "png"]
        do {
            let leaver = try daemon.client()
            try leaver.sendRequest("tools/call", params: ["name": "rotate", "arguments": slow])
            try? leaver.sendRaw([UInt8](repeating: 0x78, count: 5 << 20))
        }
        var stored = false
        for _ in 0..<400 where !stored {  // the leaver's result is stored when its job ends
            stored = try stayer.call("server/stats")["cache"]?["entries"]?.intValue == entries + 1
            if !stored { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(stored, "the call of the closed connection did not finish")
        let result = try stayer.tool("rotate", slow)  // the same result, now held by the stayer
        let handle = try #require(result["structuredContent"]?["image"]?.stringValue)
        let released = try stayer.call("images/release", params: ["image": .string(handle)])
        #expect(released["released"] == true && released["stored"] == false, "\(released)")
    }

    @Test func releasingAnUnknownHandleSaysSo() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let released = try daemon.client().call("images/release", params: ["image": .string("img:" + String(repeating: "0", count: 64))])
        #expect(released["released"] == false && released["stored"] == false, "\(released)")
    }
}
