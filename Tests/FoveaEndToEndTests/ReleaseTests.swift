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

    @Test func releasingAnUnknownHandleSaysSo() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let released = try daemon.client().call("images/release", params: ["image": .string("img:" + String(repeating: "0", count: 64))])
        #expect(released["released"] == false && released["stored"] == false, "\(released)")
    }
}
