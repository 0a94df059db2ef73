import Foundation
import FoveaProtocol
import Testing

/// The libFuzzer seeds (`Fuzz/Corpus`, written by `Fuzz/make_seeds.py`) stay valid inputs as
/// the protocol changes: a seed the parsers refuse would leave the fuzzer starting from noise.
@Suite struct FuzzSeedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    static func seeds(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = corpus.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    @Test func toolCallSeedsAreValidCalls() throws {
        let seeds = try Self.seeds("FuzzToolCall")
        #expect(seeds.count >= 10)
        for seed in seeds where !["ping.json", "unknown.json"].contains(seed.name) {
            guard case .success(.request(let request)) = RPCMessage.parse(String(decoding: seed.bytes, as: UTF8.self)) else {
                Issue.record("\(seed.name) is not a request")
                continue
            }
            let params = try request.namedParams()
            if case .string(let name)? = params["name"], ToolCatalog.isCode(name) {
                guard case .object(let arguments)? = params["arguments"] else { Issue.record("\(seed.name) has no arguments"); continue }
                #expect(throws: Never.self, "\(seed.name)") { try CodeArguments.parse(arguments, defaults: CodeDefaults()) }
            } else {
                #expect(throws: Never.self, "\(seed.name)") { try ToolCall.parse(params: params, defaults: ToolDefaults()) }
            }
        }
    }

    @Test func workerReplySeedsAreValidMessages() throws {
        let limits = DecodeLimits()
        let pending = CodeRunRequest(id: 11, code: "print(1)", conventions: .pyvision, maxImages: 4, session: "s1", timeout: 30)
        let seeds = try Self.seeds("FuzzWorkerReplies")
        #expect(seeds.count >= 6)
        for seed in seeds {
            let messages = try seed.bytes.dropFirst().split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
            #expect(!messages.isEmpty, "\(seed.name)")
            for json in messages {
                switch seed.bytes.first.map { Character(Unicode.Scalar($0)) } {
                case "D", "R", "S":
                    if WorkerNotice.isNotice(json) {
                        #expect(throws: Never.self, "\(seed.name)") { try WorkerNotice(json: json, limits: limits) }
                    } else {
                        #expect(throws: Never.self, "\(seed.name)") { try WorkerReply(json: json, limits: limits) }
                    }
                case "H":
                    #expect((try? WorkerHello(json: json)) != nil || (try? CodeChildHello(json: json)) != nil, "\(seed.name): \(json)")
                case "C":
                    #expect(throws: Never.self, "\(seed.name)") { try CodeChildMessage(json: json, pending: pending, limits: limits) }
                default:
                    Issue.record("\(seed.name) starts with no job letter (D, R, S, H, C)")
                }
            }
        }
    }
}
