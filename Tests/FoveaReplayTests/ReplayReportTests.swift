import FoveaProtocol
import Testing
@testable import FoveaReplay

/// What the report says about a round, and that model text cannot break out of the page.
@Suite struct ReplayReportTests {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    @Test func aRoundWhoseTextDiffersIsMarkedAndSaysWhat() {
        var round = ReplayRound(tool: "zoom", arguments: ["bbox_2d": [1, 2, 3, 4]],
                                recorded: ReplayObservation(text: "Zoomed into A", images: [ReplayImage(bytes: png, mimeType: "image/png", handle: "img:a")]))
        round.replayed = ReplayObservation(text: "Zoomed into B", images: [ReplayImage(bytes: png, mimeType: "image/png", handle: "img:b")])
        #expect(round.differences == ["the text differs", "image 1 differs"])
        let page = ReplayReport.html([ReplayCase(title: "t", rounds: [round])], summary: .init(source: "s", kind: "k", socket: "/x.sock"))
        #expect(page.contains("data-state=\"differs\""))
        #expect(page.contains("The replayed observation differs: the text differs; image 1 differs."))
        #expect(page.components(separatedBy: "<img class=\"shot\"").count - 1 == 2)
    }

    @Test func jsonObservationsCompareAsValuesAndTrimmedStrings() {
        let recorded = ReplayObservation(text: #"{"result": "hello\n", "type": "code"}"#, textKind: .json)
        let replayed = ReplayObservation(text: #"{"type":"code","result":"hello"}"#, textKind: .json)
        #expect(ObservationComparison.differences(recorded: recorded, replayed: replayed).isEmpty)
        let fewer = ReplayObservation(text: #"{"type":"code","result":"hello"}"#, images: [ReplayImage(bytes: png, mimeType: "image/png")], textKind: .json)
        #expect(ObservationComparison.differences(recorded: recorded, replayed: fewer) == ["0 images recorded, 1 replayed"])
    }

    @Test func modelTextIsEscaped() {
        var round = ReplayRound(thinking: "</pre><script>alert(1)</script>", tool: "code", arguments: ["code": "print('<b>')"],
                                recorded: ReplayObservation(text: "<img src=x onerror=alert(1)>"))
        round.skipped = "<i>"
        let page = ReplayReport.html([ReplayCase(title: "<t>", question: "a & b", rounds: [round])],
                                     summary: .init(source: "s", kind: "k", socket: "x"))
        #expect(!page.contains("<script>alert") && !page.contains("<img src=x") && !page.contains("<i>") && !page.contains("<t>"))
        #expect(page.contains("a &amp; b") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }
}
