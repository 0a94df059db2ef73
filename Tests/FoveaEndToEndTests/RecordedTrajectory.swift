import ExtrasBase64
import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// A trajectory log made once per test run by a real daemon (`--trajectory-log`) and scripted
/// calls: every image tool, a chained call, an inline data URL, a tool error, a protocol error,
/// three code calls in one session (one shows a figure), and a second connection whose calls
/// name a trajectory in `_meta`.
struct RecordedTrajectory: Sendable {
    let directory: String
    /// `server/stats` `trajectoryLog` once every record was written.
    let statistics: JSONValue
    /// Calls made (each one a record), and records in all (the `initialize` too).
    static let calls = 16
    static let records = 17

    static let shared: Result<RecordedTrajectory, Subprocess.Failure> = Result { () throws(Subprocess.Failure) -> RecordedTrajectory in
        do { return try record() } catch let failure as Subprocess.Failure { throw failure } catch { throw Subprocess.Failure("\(error)") }
    }

    private static func record() throws -> RecordedTrajectory {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-trajectories-\(UUID().uuidString.prefix(8))").path
        let daemon = try Daemon(workers: 2, arguments: ["--trajectory-log", directory])
        defer { daemon.stop() }
        let agent = try daemon.client()
        _ = try agent.call("initialize", params: ["protocolVersion": "2025-11-25", "capabilities": [:],
                                                  "clientInfo": ["name": "replay-test-agent", "version": "1"]])
        let image = try agent.put(try TestImages.encoded(width: 800, height: 600, format: .jpeg).bytes)
        let other = try TestImages.encoded(width: 320, height: 240, format: .png, seed: 9).bytes
        let box: JSONValue = [100, 100, 600, 600]
        let zoom = try agent.tool("zoom", ["image": .string(image), "bbox_2d": box, "label": "sign"])
        let zoomed = try require(zoom["structuredContent"]?["image"]?.stringValue, "zoom: \(zoom)")
        let calls: [(String, JSONValue)] = [
            ("crop", ["image": .string(image), "bbox_2d": [0, 0, 500, 500], "format": "png"]),
            ("rotate", ["image": .string(image), "angle": 30]),
            ("enhance", ["image": .string(image), "contrast": 1.5]),
            ("tile", ["image": .string(image), "grid": [2, 2]]),
            ("annotate", ["image": .string(zoomed), "boxes": [["bbox_2d": [100, 100, 900, 900], "label": "here"]]]),
            ("inspect", ["image": .string(image)]),
            ("pipeline", ["image": .string(image), "steps": [["tool": "zoom", "arguments": ["bbox_2d": box]],
                                                              ["tool": "rotate", "arguments": ["angle": 90]]]]),
            ("crop", ["image": .string("data:image/png;base64," + Base64.encodeToString(bytes: other)), "bbox_2d": [0, 0, 500, 500]]),
            ("zoom", ["image": .string(image), "bbox_2d": [600, 40, 200, 90]]),
            ("code", ["code": "size = image.size\nprint(size)", "images": [.string(image)], "session": "t1", "conventions": "r1v4"]),
            ("code", ["code": "plt.imshow(np.array(image)); plt.title('the image'); plt.show()", "session": "t1", "conventions": "r1v4"]),
            ("code", ["code": "print(size)", "session": "t1", "conventions": "r1v4"]),
        ]
        for (tool, arguments) in calls { _ = try agent.tool(tool, arguments) }
        do {
            _ = try agent.tool("nope", [:])
        } catch is RPCFailureResponse {}  // recorded as a protocol error
        let second = try daemon.client()
        for bbox: JSONValue in [[0, 0, 400, 400], [400, 400, 1000, 1000]] {
            _ = try second.call("tools/call", params: ["name": "zoom", "arguments": ["image": .string(image), "bbox_2d": bbox],
                                                      "_meta": [TrajectoryCall.trajectoryMetaKey: "traj-2"]])
        }
        var statistics: JSONValue = .null
        for _ in 0..<400 {
            statistics = try agent.call("server/stats")["trajectoryLog"] ?? .null
            if statistics["records"]?.intValue == records { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return RecordedTrajectory(directory: directory, statistics: statistics)
    }

    private static func require<T>(_ value: T?, _ message: String) throws -> T {
        guard let value else { throw Subprocess.Failure(message) }
        return value
    }

    /// The one segment's directory.
    func segment() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        guard names.count == 1 else { throw Subprocess.Failure("expected one segment in \(directory), found \(names)") }
        return directory + "/" + names[0]
    }

    /// The segment's records.
    func lines() throws -> [JSONValue] {
        let data = try Self.require(FileManager.default.contents(atPath: try segment() + "/" + TrajectoryLayout.callsFile), "no calls.jsonl")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }
}
