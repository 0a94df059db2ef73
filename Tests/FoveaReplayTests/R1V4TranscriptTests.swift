import FoveaProtocol
import Testing
@testable import FoveaReplay

/// `full_response` split as the R1V4 toolkit's `parse_full_response` splits it, and the
/// produced images assigned to the round whose call precedes them.
@Suite struct R1V4TranscriptTests {
    /// The toolkit's own sample (`parse_utils.py`'s `__main__`).
    @Test func theToolkitsSampleSplitsIntoOneRoundAndAnAnswer() {
        let transcript = R1V4Transcript(fullResponse: """
            <think>
            I need to identify the rightmost child in the image and determine the color of their skirt.
            </think>
            <tool_call>{"name": "code", "arguments": {"code": "print('hello')"}}</tool_call>
            <observation>{"result": "hello", "type": "code"}</observation>
            <think>
            The cropped image shows the rightmost child clearly.
            </think>
            <answer>
            The rightmost child has a red/orange colored skirt.
            </answer>
            """)
        #expect(transcript.rounds.count == 1)
        #expect(transcript.rounds[0].thinking == "I need to identify the rightmost child in the image and determine the color of their skirt.")
        #expect(transcript.rounds[0].call == #"{"name": "code", "arguments": {"code": "print('hello')"}}"#)
        #expect(transcript.rounds[0].observation == #"{"result": "hello", "type": "code"}"#)
        #expect(transcript.finalThinking == "The cropped image shows the rightmost child clearly.")
        #expect(transcript.answer == "The rightmost child has a red/orange colored skirt.")
    }

    @Test func imagesBelongToTheRoundWhoseCallPrecedesThem() {
        let png = "iVBORw0KGgo="
        let transcript = R1V4Transcript(fullResponse: """
            <think>a</think><tool_call>{"name": "code", "arguments": {"code": "x"}}</tool_call><observation>{"result": "", "type": "code", "images": ["data:image/png;base64,\(png)", "data:image/jpeg;base64,\\/9j\\/4A=="]}</observation>
            <think>b</think><tool_call>{"name": "code", "arguments": {"code": "y"}}</tool_call><observation>{"result": "2", "type": "code"}</observation>
            <think>c</think><tool_call>{"name": "text_search", "arguments": {"queries": ["q"]}}</tool_call><observation>found</observation> data:image/png;base64,\(png)
            <think>d</think><answer>42</answer>
            """)
        #expect(transcript.rounds.map(\.imageDataURLs.count) == [2, 0, 1])
        #expect(transcript.rounds[0].imageDataURLs == ["data:image/png;base64,\(png)", "data:image/jpeg;base64,/9j/4A=="])
        #expect(transcript.rounds.map(\.thinking) == ["a", "b", "c"])
        #expect(transcript.finalThinking == "d" && transcript.answer == "42")
    }

    @Test func missingObservationsAndThinkingsLeaveTheirFieldsEmpty() {
        let transcript = R1V4Transcript(fullResponse: #"<tool_call>{"name": "code"}</tool_call><tool_call>not json</tool_call><observation>o</observation>"#)
        #expect(transcript.rounds.map(\.observation) == ["o", nil])
        #expect(transcript.rounds.map(\.thinking) == ["", ""])
        #expect(transcript.finalThinking.isEmpty && transcript.answer.isEmpty)
    }

    /// A round is replayed as a code call in the case's session with R1V4's conventions and
    /// the case's image under the toolkit's path; other tools are shown, not sent.
    @Test func codeCallsAreReplayedInTheCasesSessionOnItsImage() throws {
        let line: JSONValue = [
            "image": "./demo_image/demo_1.png", "question": "What colour?",
            "response": ["full_response": .string(#"<think>t</think><tool_call>{"name": "code", "arguments": {"code": "print(image.size)"}}</tool_call><observation>{"result": "(4, 3)", "type": "code"}</observation><think>s</think><tool_call>{"name": "web_visit", "arguments": {"urls": ["u"]}}</tool_call><observation>page</observation><tool_call>oops</tool_call><answer>red</answer>"#)],
        ]
        let replayCase = R1V4Results.caseFrom(line, number: 3, base: "/nonexistent")
        #expect(replayCase.question == "What colour?" && replayCase.answer == "red")
        #expect(replayCase.notes.first?.contains("demo_image/demo_1.png was not found") == true)
        let code = try #require(replayCase.rounds[0].replayCall)
        #expect(code.tool == "code")
        #expect(code.arguments == ["code": "print(image.size)", "conventions": "r1v4", "session": "case-3"])
        #expect(replayCase.rounds[1].replayCall == nil && replayCase.rounds[1].skipped?.contains("web_visit is not a Fovea tool") == true)
        #expect(replayCase.rounds[2].rawCall == "oops" && replayCase.rounds[2].replayCall == nil)
        #expect(R1V4Results.codePath("./demo_image/demo_1.png") == "demo_image/demo_1.png")
        #expect(R1V4Results.codePath("../x/y.jpg") == "y.jpg")
    }
}
