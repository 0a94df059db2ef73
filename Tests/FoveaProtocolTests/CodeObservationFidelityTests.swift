import Foundation
import Testing
@testable import FoveaProtocol

/// Every call of the code-fidelity corpus (`Tests/CodeFidelity/`): the reply the runner would
/// send for it, parsed as untrusted, must give the reference harness's observation text and
/// parts byte for byte. The fixture is written by
/// `Tests/CodeFidelity/make_observation_fixtures.py` from the references.
@Suite struct CodeObservationFidelityTests {
    struct Call: Sendable, CustomTestStringConvertible {
        var id: String
        var call: Int
        var conventions: CodeConventions
        var variant: DeepEyesV2Variant
        var firstImageClue: Int
        var imageFiles: [String]
        var discarded: Bool
        var reply: JSONValue
        var text: String
        var parts: [CodeObservationPart]

        var testDescription: String { "\(id) call \(call)" }
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/code-observations.json").path

    static let calls: [Call] = {
        guard let data = FileManager.default.contents(atPath: fixture),
              let json = try? JSONParser.parse(Array(data)), let entries = json["calls"]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let id = entry["id"]?.stringValue, let call = entry["call"]?.intValue,
                  let conventions = entry["family"]?.stringValue.flatMap(CodeConventions.init(rawValue:)),
                  let variant = entry["variant"]?.stringValue.flatMap(DeepEyesV2Variant.init(rawValue:)),
                  let clue = entry["firstImageClue"]?.intValue, let files = entry["imageFiles"]?.arrayValue,
                  let discarded = entry["discarded"]?.boolValue, let reply = entry["reply"],
                  let text = entry["text"]?.stringValue, let parts = entry["parts"]?.arrayValue else { return nil }
            return Call(id: id, call: call, conventions: conventions, variant: variant, firstImageClue: clue,
                        imageFiles: files.compactMap(\.stringValue), discarded: discarded, reply: reply, text: text,
                        parts: parts.compactMap { part in
                            if let index = part["index"]?.intValue { return .image(index) }
                            return part["text"]?.stringValue.map(CodeObservationPart.text)
                        })
        }
    }()

    @Test func theFixtureCoversTheWholeCorpus() throws {
        let raw = try #require(FileManager.default.contents(atPath: Self.fixture), "missing \(Self.fixture)")
        let entries = try JSONParser.parse(Array(raw))["calls"]?.arrayValue ?? []
        #expect(Self.calls.count == entries.count)
        #expect(Self.calls.count >= 120)
        #expect(Set(Self.calls.map(\.conventions)) == Set(CodeConventions.allCases))
    }

    @Test(arguments: calls)
    func observationMatchesTheReference(_ call: Call) throws {
        let request = CodeRunRequest(id: UInt64(call.call), code: "", conventions: call.conventions,
                                     maxImages: CodeLimits.maximumImagesReturned, session: call.id, timeout: 30)
        let reply = try CodeRunReply(json: call.reply, request: request, limits: DecodeLimits())
        let context = CodeObservation.Context(firstImageClue: call.firstImageClue, imageFiles: call.imageFiles,
                                              harness: CodeHarnessOptions(deepEyesV2Variant: call.variant))
        let observation = CodeObservation(conventions: call.conventions, outcome: .replied(reply), context: context)
        #expect(observation.notes.isEmpty)
        if call.discarded {
            // Thyme's agent discards the turn (the model sees nothing, the reference's text is
            // empty); Fovea shows the sandbox's message instead.
            #expect(call.text.isEmpty && call.parts.isEmpty)
            guard case .thyme(let turn) = reply.harness else { Issue.record("no Thyme facts"); return }
            let expected = turn.message.flatMap { $0.isEmpty ? nil : $0 } ?? CodeObservation.thymeSilent
            #expect(observation.text == expected)
            #expect(observation.parts == [.text(expected)])
            return
        }
        #expect(observation.text == call.text)
        #expect(observation.parts == call.parts)
        #expect(observation.isError == (reply.error != nil || reply.timedOut || reply.harness == .deepEyesV2(codeRefused: true)))
    }
}
