import FoveaProtocol

/// One recorded trajectory as `fovea replay` shows it: the question and images it started
/// from, then one round per tool call (the thinking before it, the call, what the model saw),
/// and the final answer where the transcript has one.
public struct ReplayCase: Sendable {
    public var title: String
    public var question: String?
    /// The images the trajectory started from (the R1V4 case's `image`).
    public var images: [ReplayImage]
    public var rounds: [ReplayRound]
    public var finalThinking: String?
    public var answer: String?
    /// Sentences about the case itself (an image that could not be read, …).
    public var notes: [String]
    /// The images the replayed calls name, by the reference their arguments use (a handle,
    /// or `case-image:N` for the case's N-th image): put before the calls, and the reference
    /// replaced by the handle the daemon returns.
    public var resources: [String: ReplayImage] = [:]

    public init(title: String, question: String? = nil, images: [ReplayImage] = [], rounds: [ReplayRound] = [],
                finalThinking: String? = nil, answer: String? = nil, notes: [String] = []) {
        self.title = title
        self.question = question
        self.images = images
        self.rounds = rounds
        self.finalThinking = finalThinking
        self.answer = answer
        self.notes = notes
    }
}

/// One tool call and its observation, recorded and replayed.
public struct ReplayRound: Sendable {
    public var thinking: String?
    /// The tool's name as called (nil: the call could not be read).
    public var tool: String?
    public var arguments: JSONValue?
    /// The call as written in the transcript, when it is not JSON.
    public var rawCall: String?
    /// The Fovea call that ran the model's call, when the recording says and it differs from
    /// it (the reference agent loop translates each family's calls).
    public var foveaCall: JSONValue?
    /// Sentences about this round (an image file that is missing, who recorded it, …).
    public var notes: [String] = []
    public var recorded: ReplayObservation
    /// What the daemon answered this time; nil until replayed, or when not replayable.
    public var replayed: ReplayObservation?
    /// Why the round was not replayed (not a Fovea tool, an unreadable call, …).
    public var skipped: String?
    /// The code session the call ran in, as recorded.
    public var session: String?
    /// What to send again: the tool and its arguments (references to ``ReplayCase/resources``;
    /// a `session` is renamed for the replay). Nil with ``skipped`` saying why.
    public var replayCall: (tool: String, arguments: JSONValue)?

    public init(thinking: String? = nil, tool: String?, arguments: JSONValue?, rawCall: String? = nil,
                recorded: ReplayObservation, session: String? = nil) {
        self.thinking = thinking
        self.tool = tool
        self.arguments = arguments
        self.rawCall = rawCall
        self.recorded = recorded
        self.session = session
    }

    /// How the replayed observation differs from the recorded one (empty: the same).
    public var differences: [String] {
        guard let replayed else { return [] }
        return ObservationComparison.differences(recorded: recorded, replayed: replayed)
    }
}

/// What a call returned: the text the model read, the images, whether it was an error, the
/// time it took.
public struct ReplayObservation: Sendable {
    public var text: String
    public var images: [ReplayImage]
    public var isError: Bool
    /// A JSON-RPC error instead of a result.
    public var protocolError: String?
    public var elapsedMs: Double?
    /// How the recorded text is compared with the replayed one (``ObservationComparison``).
    public var textKind: TextKind
    /// A replayed code call's observation as the family reads it: the text parts of its
    /// `structuredContent.observation`, joined (nil for other tools: their text block).
    public var familyText: String?

    public enum TextKind: Sendable {
        /// The same text after trimming surrounding whitespace.
        case exact
        /// Parsed JSON compared as values (R1V4's `{"result": …, "type": "code"}`).
        case json
        /// The recorded text is Fovea's text as a family's harness rendered it (the reference
        /// agent loop's rounds): the same when the replayed text appears in it as written, as
        /// a JSON string, or as R1V4's `<observation>` JSON.
        case rendered
        /// The family showed its own words instead of Fovea's text (image tools under the
        /// reference agent loop): not compared; the images and the error state are.
        case notCompared
    }

    public init(text: String, images: [ReplayImage] = [], isError: Bool = false, protocolError: String? = nil,
                elapsedMs: Double? = nil, textKind: TextKind = .exact, familyText: String? = nil) {
        self.text = text
        self.images = images
        self.isError = isError
        self.protocolError = protocolError
        self.elapsedMs = elapsedMs
        self.textKind = textKind
        self.familyText = familyText
    }
}

/// An image shown in the report: its bytes (inline in the HTML as a data URL), its type, and
/// its handle where known (results of Fovea calls are compared by handle).
public struct ReplayImage: Sendable {
    public var bytes: [UInt8]
    public var mimeType: String
    public var handle: String?
    public var label: String

    public init(bytes: [UInt8], mimeType: String, handle: String? = nil, label: String = "") {
        self.bytes = bytes
        self.mimeType = mimeType
        self.handle = handle
        self.label = label
    }

    /// Whether a browser can show it (raw pixels cannot).
    public var isDisplayable: Bool { mimeType.hasPrefix("image/") }
}
