import FoveaKernels
import Testing
@testable import FoveaProtocol

/// The sandbox handshake (hello), job receipts and the scratch memfds lent with requests.
@Suite struct WorkerHelloTests {
    @Test func helloRoundTrips() throws {
        let hellos = [
            WorkerHello(uid: 65534, gid: 65534, namespaces: ["user", "net", "ipc", "mnt"], filter: true,
                        noNewPrivileges: true, dumpable: false, warmedFormats: ["jpeg", "png"], notes: ["no HEVC encoder"]),
            WorkerHello(uid: 1000, gid: 1000, namespaceProblem: "unshare: EPERM", filter: false,
                        noNewPrivileges: true, dumpable: false),
            WorkerHello.failure("sandbox step 'drop root' failed: EPERM"),
        ]
        for hello in hellos {
            #expect(try WorkerHello(json: JSONParser.parse(JSONWriter.bytes(hello.json))) == hello)
        }
    }

    @Test func aHostileHelloIsBoundedOrRefused() throws {
        let long = String(repeating: "x", count: 5000)
        let bounded = try WorkerHello(json: ["type": "hello", "uid": 1, "gid": 1, "namespaces": [.string(long)],
                                             "filter": true, "noNewPrivileges": true, "dumpable": false, "emptyRoot": true,
                                             "warmedFormats": [], "notes": [.string("a\u{1B}[31mb")], "error": .string(long)])
        #expect(bounded.namespaces == [String(repeating: "x", count: 8)])
        #expect(bounded.notes == ["a [31mb"])
        #expect(bounded.error?.count == 300)
        let refused: [JSONValue] = [
            ["type": "decoded", "id": 1],
            ["type": "hello", "uid": 1, "gid": 1, "namespaces": [], "filter": "yes", "noNewPrivileges": true,
             "dumpable": false, "warmedFormats": [], "notes": []],
            ["type": "hello", "uid": 1, "gid": 1, "namespaces": .array(Array(repeating: "net", count: 17)), "filter": true,
             "noNewPrivileges": true, "dumpable": false, "warmedFormats": [], "notes": []],
        ]
        for json in refused {
            #expect(throws: ChannelMessageError.self) { try WorkerHello(json: json) }
        }
    }

    @Test func receiptsRoundTripAndAreStrict() throws {
        #expect(try WorkerReceipt(json: WorkerReceipt(id: 42).json) == WorkerReceipt(id: 42))
        #expect(throws: ChannelMessageError.self) { try WorkerReceipt(json: ["type": "probed", "id": 42]) }
        #expect(throws: ChannelMessageError.self) { try WorkerReceipt(json: ["type": "started", "id": -1]) }
    }

    @Test func scratchOutputsFollowTheRequest() {
        let limits = DecodeLimits(maxEncodedBytes: 1000, maxPixels: 50, maxSide: 10)
        let layout = PixelLayout(width: 4, height: 4, bands: 3)
        let encodedPlan = ImagePlan(steps: [], output: OutputOptions(format: .png, quality: 90))
        let rawPlan = ImagePlan(steps: [], output: OutputOptions(format: .raw, quality: 90))
        #expect(WorkerRequest.decode(id: 1, limits: limits).scratchOutputs == [.pixels])
        // An encoded result comes back as its encoded bytes only; raw as its pixels; statistics in the reply.
        #expect(WorkerRequest.run(id: 1, source: layout, plan: encodedPlan).scratchOutputs == [.encoded])
        #expect(WorkerRequest.run(id: 1, source: layout, plan: rawPlan).scratchOutputs == [.pixels])
        #expect(WorkerRequest.run(id: 1, source: layout, plan: ImagePlan(steps: [.statistics(PixelRect(x: 0, y: 0, width: 4, height: 4))], output: nil)).scratchOutputs == [])
        #expect(WorkerRequest.forget(id: 1, inodes: [7]).scratchOutputs == [])
        #expect(WorkerRequest.probe(id: 1, action: "open").scratchOutputs == [])
        #expect(WorkerRequest.run(id: 1, source: layout, plan: encodedPlan).descriptorCount == 2)
        #expect(ScratchOutput.pixels.capacity(limits) == 200)
        #expect(ScratchOutput.encoded.capacity(limits) == 1000)
    }
}
