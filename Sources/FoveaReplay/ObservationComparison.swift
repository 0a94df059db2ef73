import FoveaProtocol

/// Whether a replayed observation says what the recorded one said: the same text (as the
/// recorded observation's ``ReplayObservation/TextKind`` says), the same error state, the same
/// number of images, and — where both sides have handles — the same images byte for byte (in
/// the same order; as a set for a family's rendering, which may order them its own way).
public enum ObservationComparison {
    public static func differences(recorded: ReplayObservation, replayed: ReplayObservation) -> [String] {
        var found: [String] = []
        switch (recorded.protocolError, replayed.protocolError) {
        case (nil, let error?): return ["the replay got a protocol error: \(error)"]
        case (_?, nil): return ["the recording was a protocol error, the replay is not"]
        case (let old?, let new?): return old == new ? [] : ["the protocol error differs"]
        case (nil, nil): break
        }
        if recorded.textKind != .notCompared && !sameText(recorded, replayed) { found.append("the text differs") }
        if recorded.isError != replayed.isError {
            found.append(replayed.isError ? "the replay is an error, the recording was not" : "the recording was an error, the replay is not")
        }
        if recorded.images.count != replayed.images.count {
            found.append("\(recorded.images.count) image\(recorded.images.count == 1 ? "" : "s") recorded, \(replayed.images.count) replayed")
        } else if recorded.textKind == .rendered || recorded.textKind == .notCompared {
            let old = recorded.images.compactMap(\.handle).sorted(), new = replayed.images.compactMap(\.handle).sorted()
            if old.count == recorded.images.count && new.count == replayed.images.count && old != new {
                let differing = Set(old).subtracting(new).count
                found.append("\(differing) of the \(old.count) image\(old.count == 1 ? "" : "s") differ\(differing == 1 ? "s" : "")")
            }
        } else {
            for (index, (old, new)) in zip(recorded.images, replayed.images).enumerated() {
                if let a = old.handle, let b = new.handle, a != b { found.append("image \(index + 1) differs") }
            }
        }
        return found
    }

    static func sameText(_ recorded: ReplayObservation, _ replayed: ReplayObservation) -> Bool {
        if recorded.textKind == .rendered { return renderedTextHolds(recorded.text, replayed.familyText ?? replayed.text) }
        if recorded.textKind == .json || replayed.textKind == .json,
           let a = try? JSONParser.parse(recorded.text), let b = try? JSONParser.parse(replayed.text) {
            return normalized(a) == normalized(b)
        }
        return trimmed(recorded.text) == trimmed(replayed.text)
    }

    /// Whether `rendered` (Fovea's text as a family's harness showed it) holds `text`: as
    /// written, as a JSON string (a harness that wraps a sentence in its own JSON), or as the
    /// JSON of R1V4's `<observation>` element.
    static func renderedTextHolds(_ rendered: String, _ text: String) -> Bool {
        let text = trimmed(text)
        if text.isEmpty || rendered.contains(text) { return true }
        let quoted = JSONWriter.string(.string(text))
        if rendered.contains(quoted.dropFirst().dropLast()) { return true }
        guard let replayed = try? JSONParser.parse(text) else { return false }
        return R1V4Transcript.elements("observation", in: rendered).contains { element in
            (try? JSONParser.parse(String(element.text))).map { normalized($0) == normalized(replayed) } ?? false
        }
    }

    /// JSON with every string trimmed (R1V4's `result` is stdout after `.strip()`) and without
    /// members that hold images as data URLs (a transcript may carry the images in its
    /// observation; they are compared as images).
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(trimmed(text))
        case .array(let elements): return .array(elements.map(normalized))
        case .object(let members): return .object(members.filter { !isDataURLs($0.value) }.mapValues(normalized))
        default: return value
        }
    }

    static func isDataURLs(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return text.hasPrefix("data:image/")
        case .array(let elements): return !elements.isEmpty && elements.allSatisfy(isDataURLs)
        default: return false
        }
    }

    static func trimmed(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
