/// A Skywork-R1V4 `full_response` split into rounds the way the R1V4 toolkit's
/// `parse_full_response` (`r1v4/parse_utils.py`) splits it: every `<think>`, `<tool_call>`,
/// `<observation>` and `<answer>` element in order of appearance; round *i* is the *i*-th
/// tool call with the *i*-th thinking and the *i*-th observation; a thinking beyond the
/// calls is the final one, and the first answer is the answer. Images the tools produced
/// appear in the response as `data:image/…;base64,…` URLs (what the toolkit's `visual.py`
/// extracts); each belongs to the round whose call precedes it.
public struct R1V4Transcript: Sendable, Equatable {
    public struct Round: Sendable, Equatable {
        public var thinking: String
        /// The `<tool_call>` element's text, trimmed (JSON when the model wrote it well).
        public var call: String
        /// The `<observation>` element's text, trimmed; nil when the transcript has fewer
        /// observations than calls.
        public var observation: String?
        /// The data URLs after this round's call and before the next call or the answer.
        public var imageDataURLs: [String]
    }

    public var rounds: [Round]
    public var finalThinking: String
    public var answer: String

    public init(fullResponse text: String) {
        let thinks = Self.elements("think", in: text)
        let calls = Self.elements("tool_call", in: text)
        let observations = Self.elements("observation", in: text)
        let answers = Self.elements("answer", in: text)
        let urls = Self.dataURLs(in: text)
        rounds = calls.enumerated().map { index, call in
            let end = index + 1 < calls.count ? calls[index + 1].range.lowerBound : (answers.first?.range.lowerBound ?? text.endIndex)
            let images = urls.filter { $0.range.lowerBound >= call.range.upperBound && $0.range.lowerBound < end }.map(\.text)
            return Round(thinking: index < thinks.count ? Self.trimmed(thinks[index].text) : "",
                         call: Self.trimmed(call.text),
                         observation: index < observations.count ? Self.trimmed(observations[index].text) : nil,
                         imageDataURLs: images)
        }
        finalThinking = thinks.count > calls.count ? Self.trimmed(thinks[thinks.count - 1].text) : ""
        answer = answers.first.map { Self.trimmed($0.text) } ?? ""
    }

    /// Every `<tag>…</tag>` (the shortest match, across lines), with the range of the whole element.
    static func elements(_ tag: String, in text: String) -> [(text: Substring, range: Range<String.Index>)] {
        let open = "<\(tag)>", close = "</\(tag)>"
        var found: [(Substring, Range<String.Index>)] = []
        var position = text.startIndex
        while let start = text.range(of: open, range: position..<text.endIndex),
              let end = text.range(of: close, range: start.upperBound..<text.endIndex) {
            found.append((text[start.upperBound..<end.lowerBound], start.lowerBound..<end.upperBound))
            position = end.upperBound
        }
        return found
    }

    /// `data:image/<type>;base64,<payload>` URLs: the payload runs over base64 characters
    /// (a JSON string's escaped slash `\/` included, as `json.dumps` may write it).
    static func dataURLs(in text: String) -> [(text: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var position = text.startIndex
        while let start = text.range(of: "data:image/", range: position..<text.endIndex) {
            guard let marker = text.range(of: ";base64,", range: start.upperBound..<text.endIndex),
                  text[start.upperBound..<marker.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
                position = start.upperBound
                continue
            }
            var end = marker.upperBound
            var payload = ""
            while end < text.endIndex {
                let character = text[end]
                if character.isASCII && (character.isLetter || character.isNumber || "+/=".contains(character)) {
                    payload.append(character)
                } else if character == "\\", text.index(after: end) < text.endIndex, text[text.index(after: end)] == "/" {
                    payload.append("/")
                    end = text.index(after: end)
                } else {
                    break
                }
                end = text.index(after: end)
            }
            if !payload.isEmpty {
                found.append((String(text[start.lowerBound..<marker.upperBound]) + payload, start.lowerBound..<end))
            }
            position = end
        }
        return found
    }

    static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
