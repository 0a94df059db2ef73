import FoveaProtocol

/// Whether a replayed observation says what the recorded one said: the same text (JSON texts
/// compared as parsed values, other texts after trimming surrounding whitespace), the same
/// error state, the same number of images, and — where both sides have handles — the same
/// images byte for byte.
public enum ObservationComparison {
    public static func differences(recorded: ReplayObservation, replayed: ReplayObservation) -> [String] {
        var found: [String] = []
        switch (recorded.protocolError, replayed.protocolError) {
        case (nil, let error?): return ["the replay got a protocol error: \(error)"]
        case (_?, nil): return ["the recording was a protocol error, the replay is not"]
        case (let old?, let new?): return old == new ? [] : ["the protocol error differs"]
        case (nil, nil): break
        }
        if !sameText(recorded, replayed) { found.append("the text differs") }
        if recorded.isError != replayed.isError {
            found.append(replayed.isError ? "the replay is an error, the recording was not" : "the recording was an error, the replay is not")
        }
        if recorded.images.count != replayed.images.count {
            found.append("\(recorded.images.count) image\(recorded.images.count == 1 ? "" : "s") recorded, \(replayed.images.count) replayed")
        } else {
            for (index, (old, new)) in zip(recorded.images, replayed.images).enumerated() {
                if let a = old.handle, let b = new.handle, a != b { found.append("image \(index + 1) differs") }
            }
        }
        return found
    }

    static func sameText(_ recorded: ReplayObservation, _ replayed: ReplayObservation) -> Bool {
        if recorded.textKind == .json || replayed.textKind == .json,
           let a = try? JSONParser.parse(recorded.text), let b = try? JSONParser.parse(replayed.text) {
            return normalized(a) == normalized(b)
        }
        return trimmed(recorded.text) == trimmed(replayed.text)
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
