import FoveaKernels
import Testing
@testable import FoveaProtocol

@Suite struct WorkerMessageTests {
    let limits = DecodeLimits()

    @Test func requestsRoundTrip() throws {
        let requests: [WorkerRequest] = [
            .decode(id: 1, limits: limits),
            .decode(id: 2, limits: limits, shrink: 4),
            .run(id: 2, source: PixelLayout(width: 640, height: 480, bands: 3),
                 plan: ImagePlan(steps: [.crop(PixelRect(x: 1, y: 2, width: 3, height: 4)),
                                         .resize(width: 32, height: 64, filter: .bicubic)],
                                 output: OutputOptions(format: .png, quality: 80))),
            .run(id: 3, source: PixelLayout(width: 1, height: 1, bands: 1), plan: ImagePlan(steps: [], output: nil)),
            .run(id: 5, source: PixelLayout(width: 2, height: 2, bands: 4), plan: ImagePlan(steps: [], output: nil), threads: 1),
            .run(id: 6, source: PixelLayout(width: 7680, height: 4320, bands: 3),
                 plan: ImagePlan(steps: [.crop(PixelRect(x: 0, y: 1080, width: 1920, height: 1080)),
                                         .resize(width: 1920, height: 1088, filter: .bicubic)],
                                 output: OutputOptions(), band: 272..<544)),
            .probe(id: 4, action: "open"),
        ]
        for request in requests {
            #expect(try WorkerRequest(json: JSONParser.parse(JSONWriter.bytes(request.json))) == request)
        }
    }

    @Test func repliesRoundTrip() throws {
        let replies: [WorkerReply] = [
            .decoded(id: 1, layout: PixelLayout(width: 7680, height: 4320, bands: 3), format: "jpeg", orientation: 6),
            .measured(id: 6, channels: [ChannelSummary(mean: 1.5, standardDeviation: 0.5, minimum: 1, maximum: 2, histogram: [4] + Array(repeating: 0, count: 15))]),
            .produced(id: 2, layout: PixelLayout(width: 10, height: 10, bands: 4), encodedByteCount: 1234),
            .produced(id: 3, layout: PixelLayout(width: 10, height: 10, bands: 1), encodedByteCount: nil),
            .failed(id: 4, kind: .corrupt, message: "truncated"),
            .probed(id: 5, outcome: "denied", detail: "EACCES"),
        ]
        for reply in replies {
            #expect(try WorkerReply(json: JSONParser.parse(JSONWriter.bytes(reply.json)), limits: limits) == reply)
        }
    }

    @Test func noticesRoundTripAndAreBounded() throws {
        let notices: [WorkerNotice] = [
            .header(id: 7, layout: PixelLayout(width: 7680, height: 4320, bands: 3), format: "jpeg", orientation: 1),
            .rows(id: 7, rows: 0..<128),
        ]
        for notice in notices {
            let json = try JSONParser.parse(JSONWriter.bytes(notice.json))
            #expect(WorkerNotice.isNotice(json))
            #expect(try WorkerNotice(json: json, limits: limits) == notice)
        }
        #expect(!WorkerNotice.isNotice(WorkerReply.failed(id: 1, kind: .corrupt, message: "x").json))
        let hostile: [JSONValue] = [
            ["type": "header", "id": 1, "layout": [100_000, 100_000, 3], "format": "jpeg", "orientation": 1],
            ["type": "header", "id": 1, "layout": [10, 10, 3], "format": "jpeg", "orientation": 9],
            ["type": "rows", "id": 1, "from": 5, "to": 4],
            ["type": "rows", "id": 1, "from": -1, "to": 4],
            ["type": "rows", "id": 1, "from": 0, "to": 1_000_000_000_000],
        ]
        for json in hostile {
            #expect(throws: ChannelMessageError.self) { try WorkerNotice(json: json, limits: limits) }
        }
    }

    @Test func aPlanReadsTheRowsOfItsFirstBoxOrAll() {
        let box = PixelRect(x: 10, y: 100, width: 50, height: 60)
        #expect(ImagePlan(steps: [.crop(box), .resize(width: 5, height: 5, filter: .bicubic)], output: nil)
            .sourceRows(height: 1000) == 100..<160)
        #expect(ImagePlan(steps: [.statistics(box)], output: nil).sourceRows(height: 1000) == 100..<160)
        #expect(ImagePlan(steps: [.flip(.horizontal), .crop(box)], output: nil).sourceRows(height: 1000) == 0..<1000)
        #expect(ImagePlan(steps: [], output: nil).sourceRows(height: 7) == 0..<7)
    }

    @Test func repliesFromACompromisedWorkerAreBounded() {
        let hostile: [JSONValue] = [
            ["type": "decoded", "id": 1, "layout": [100_000, 100_000, 3], "format": "jpeg", "orientation": 1],
            ["type": "decoded", "id": 1, "layout": [10, 10, 2], "format": "jpeg", "orientation": 1],
            ["type": "decoded", "id": 1, "layout": [0, 10, 3], "format": "jpeg", "orientation": 1],
            ["type": "decoded", "id": 1, "layout": [10, 10], "format": "jpeg", "orientation": 1],
            ["type": "decoded", "id": 1, "layout": [10, 10, 3], "format": "jpeg", "orientation": 9],
            ["type": "measured", "id": 1, "channels": [["mean": 300.0, "std": 1.0, "min": 0, "max": 1, "histogram": .ints(Array(repeating: 0, count: 16))]]],
            ["type": "measured", "id": 1, "channels": []],
            ["type": "produced", "id": 1, "layout": [10, 10, 3], "encodedBytes": -5],
            ["type": "produced", "id": 1, "layout": [10, 10, 3], "encodedBytes": .integer(1 << 40)],
            ["type": "failed", "id": 1, "kind": "whatever", "message": "x"],
            ["type": "produced", "id": -1, "layout": [10, 10, 3]],
            ["type": "shell", "id": 1],
            ["id": 1],
        ]
        for reply in hostile {
            #expect(throws: ChannelMessageError.self, "\(JSONWriter.string(reply))") { try WorkerReply(json: reply, limits: limits) }
        }
    }

    @Test func workerStringsAreSanitised() throws {
        let reply = try WorkerReply(json: ["type": "failed", "id": 1, "kind": "corrupt",
                                           "message": .string("bad\u{1b}[31m\nline" + String(repeating: "x", count: 1000))], limits: limits)
        guard case .failed(_, _, let message) = reply else { Issue.record("not a failure"); return }
        #expect(message.count == 400)
        #expect(message.hasPrefix("bad [31m line"))
    }
}
