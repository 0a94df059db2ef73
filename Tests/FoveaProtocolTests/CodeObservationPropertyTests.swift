import Testing
@testable import FoveaProtocol

/// Observations of arbitrary replies (seeded, so reproducible): nothing traps, the parts spell
/// the text, and each returned image appears at most once.
@Suite struct CodeObservationPropertyTests {
    /// SplitMix64: a small deterministic generator.
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance() -> Bool { below(2) == 0 }
    }

    static let pieces = ["a", " ", "\n", "\t", "\r", "'", "\"", "[", "['", "]", "<PIL.Image.Image>", "<img src='", "'>",
                         "```", "\u{1B}[0;31m", "m", "é", "😀", "\u{2028}", "\u{A0}", "\u{0}", "Out[1]: ", "Image data saved to x",
                         String(repeating: "z", count: 300)]

    func text(_ random: inout Seeded, maximum: Int = 12) -> String {
        (0..<random.below(maximum + 1)).map { _ in Self.pieces[random.below(Self.pieces.count)] }.joined()
    }

    func reply(_ random: inout Seeded, conventions: CodeConventions) -> CodeRunReply {
        let images = random.below(4)
        var reply = CodeRunReply(id: 1, stdout: text(&random), stderr: text(&random),
                                 result: random.chance() ? text(&random) : nil,
                                 images: Array(repeating: CodeShownImage(width: 2, height: 2, bands: 3, source: "figure"), count: images),
                                 imagesDropped: random.below(2), timedOut: random.below(5) == 0)
        if random.chance() {
            reply.error = CodeRunError(type: "ValueError", message: text(&random), traceback: random.chance() ? text(&random) : nil)
        }
        if random.below(4) == 0 {
            let cut = random.below(PythonText.length(reply.stdout) + 1)
            reply.stdoutCut = CodeOutputCut(at: cut, bytes: 1 + random.below(1000))
        }
        switch conventions {
        case .deepeyesv2: reply.harness = .deepEyesV2(codeRefused: random.below(6) == 0)
        case .thyme: reply.harness = .thyme(ThymeTurn(discarded: random.chance(), message: random.chance() ? text(&random) : nil,
                                                      text: random.chance() ? text(&random) : nil))
        case .sketchpad:
            var outputs: [SketchpadOutput] = []
            var shown = 0
            for _ in 0..<random.below(6) {
                switch random.below(6) {
                case 0, 1: outputs.append(.stream(name: random.chance() ? "stdout" : "stderr", text: text(&random), cut: nil))
                case 2:
                    outputs.append(.display(SketchpadBundle(texts: [text(&random)], data: shown < images ? [.image(shown)] : [])))
                    shown += 1
                case 3: outputs.append(.result(SketchpadBundle(texts: [text(&random)], data: [.html(path: "/w/h.html"), .text(text(&random))])))
                case 4: outputs.append(.error(name: "E", value: text(&random), traceback: (0..<random.below(3)).map { _ in text(&random) }))
                default: outputs.append(.timeout)
                }
            }
            reply.harness = .sketchpad(SketchpadCell(parsed: random.below(6) != 0, outputs: outputs))
        case .r1v4, .pyvision, .plain: break
        }
        return reply
    }

    @Test func partsSpellTheTextForAnyReply() {
        var random = Seeded(state: 2026)
        for round in 0..<3000 {
            let conventions = CodeConventions.allCases[round % CodeConventions.allCases.count]
            let outcome: CodeObservation.Outcome = random.below(10) == 0
                ? .stopped([CodeStop.deadline(seconds: 2), .memory(limitBytes: 1 << 30), .crash(detail: "SIGKILL"), .forbidden(syscall: nil)][random.below(4)])
                : .replied(reply(&random, conventions: conventions))
            let files = ["/w/a.png", "/w/b.png", "/w/c.png"]
            let context = CodeObservation.Context(returnedImages: random.chance() ? nil : random.below(4) - 1,
                                                  firstImageClue: random.below(3), imageFiles: files,
                                                  restart: random.below(4) == 0 ? .idle(seconds: 600) : nil)
            let observation = CodeObservation(conventions: conventions, outcome: outcome, context: context)
            var spelled = ""
            var seen: Set<Int> = []
            for part in observation.parts {
                switch part {
                case .text(let text): spelled += text
                case .image(let index):
                    #expect(seen.insert(index).inserted, "\(conventions) round \(round): image \(index) twice")
                    if conventions == .sketchpad { spelled += "<img src='\(files[index])'>" }
                }
            }
            #expect(spelled == observation.text, "\(conventions) round \(round)")
            if case .replied(let reply) = outcome {
                #expect(seen.allSatisfy { $0 < reply.images.count }, "\(conventions) round \(round)")
            }
        }
    }
}
