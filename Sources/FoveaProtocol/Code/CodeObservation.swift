/// One piece of an observation: text, or the place of a returned image (its index among the
/// call's returned images).
public enum CodeObservationPart: Sendable, Equatable {
    case text(String)
    case image(Int)

    /// `{"type": "text", "text"}` / `{"type": "image", "index"}`.
    public var json: JSONValue {
        switch self {
        case .text(let text): return ["type": "text", "text": .string(text)]
        case .image(let index): return ["type": "image", "index": .int(index)]
        }
    }
}

/// What the model reads after a `code` call, exactly as its family's harness builds it
/// (docs/CODE-CONVENTIONS.md): the text block and the same content as parts, with the images
/// where the harness puts them. For the same runner fields the text and parts equal the
/// reference harnesses' (`Tests/CodeFidelity/`) byte for byte.
///
/// Where Fovea has something to say that no harness does (a deadline the supervisor enforced,
/// a memory limit, a crash, a session that starts fresh, images held back by `max_images`, a
/// cut output), the sentence is written in the family's style at the place the family shows
/// its program's output.
public struct CodeObservation: Sendable, Equatable {
    /// The text block (for Sketchpad with its `<img src='…'>` tags, for PyVision with its
    /// `<image_clue_k></image_clue_k>` pairs).
    public var text: String
    public var parts: [CodeObservationPart]
    /// The code raised, was stopped or was refused: the model's to read, an MCP `isError`.
    public var isError: Bool
    /// Fovea's own sentences about the call (also in ``text`` where the family shows them).
    public var notes: [String]

    /// How the call ended: the runner's reply, or the supervisor stopped the interpreter.
    public enum Outcome: Sendable, Equatable {
        case replied(CodeRunReply)
        case stopped(CodeStop)
    }

    /// What the observation depends on besides the outcome.
    public struct Context: Sendable, Equatable {
        /// Images Fovea returns (at most the reply's); `nil`: all of the reply's.
        public var returnedImages: Int?
        /// PyVision numbers images `<image_clue_k>` across the trajectory: the images the
        /// session had before this call's (its inputs and every image returned earlier).
        public var firstImageClue: Int
        /// Sketchpad: the file name of each returned image as its `<img src='…'>` tag names it
        /// (see ``sketchpadFileName(handle:directory:)``).
        public var imageFiles: [String]
        /// Set when this call runs in a new interpreter although its session had one.
        public var restart: CodeSessionRestart?
        /// The call's `max_images`, for the note about images held back.
        public var maxImages: Int
        public var harness: CodeHarnessOptions

        public init(returnedImages: Int? = nil, firstImageClue: Int = 0, imageFiles: [String] = [],
                    restart: CodeSessionRestart? = nil, maxImages: Int = CodeLimits.maximumImagesReturned,
                    harness: CodeHarnessOptions = CodeHarnessOptions()) {
            self.returnedImages = returnedImages
            self.firstImageClue = firstImageClue
            self.imageFiles = imageFiles
            self.restart = restart
            self.maxImages = maxImages
            self.harness = harness
        }
    }

    public init(text: String, parts: [CodeObservationPart], isError: Bool, notes: [String] = []) {
        self.text = text
        self.parts = parts
        self.isError = isError
        self.notes = notes
    }

    public init(conventions: CodeConventions, outcome: Outcome, context: Context = Context()) {
        let call = Call(outcome: outcome, context: context)
        var observation: CodeObservation
        switch conventions {
        case .pyvision: observation = Self.pyVision(call, firstClue: context.firstImageClue)
        case .deepeyesv2: observation = Self.deepEyesV2(call, variant: context.harness.deepEyesV2Variant)
        case .thyme: observation = Self.thyme(call)
        case .sketchpad: observation = Self.sketchpad(call, files: context.imageFiles)
        case .r1v4: observation = Self.r1v4(call)
        case .plain: observation = Self.plain(call)
        }
        observation.notes = call.notes
        self = observation
    }

    /// The `parts` as JSON, for `structuredContent.observation`.
    public var partsJSON: JSONValue { .array(parts.map(\.json)) }

    /// A Sketchpad image's file name: like autogen's (`<output dir>/<uuid4 hex>.png`), with
    /// the first 32 hex digits of the image's handle, so the name leads back to the image.
    /// (Two identical images of one call get the same name, where autogen writes two files;
    /// their tags still take the images' places in order.)
    public static func sketchpadFileName(handle: String, directory: String) -> String {
        let hex = handle.hasPrefix(ImageReference.handlePrefix) ? handle.dropFirst(ImageReference.handlePrefix.count) : Substring(handle)
        return (directory.hasSuffix("/") ? directory : directory + "/") + hex.prefix(32) + ".png"
    }

    /// The outcome reduced to what the families format, Fovea's notes gathered.
    struct Call {
        /// Streams with a marker where the runner cut them.
        var stdout = ""
        var stderr = ""
        var result: String?
        var error: CodeRunError?
        var timedOut = false
        var stop: CodeStop?
        var images = 0
        var harness = CodeHarnessFacts.none
        /// Fovea's sentences to show before the program's output, `\n`-separated.
        var preamble: String?
        var notes: [String] = []

        init(outcome: Outcome, context: Context) {
            var shown: [String] = []
            if let restart = context.restart { shown.append(restart.sentence) }
            switch outcome {
            case .replied(let reply):
                stdout = reply.stdoutCut?.restore(reply.stdout) ?? reply.stdout
                stderr = reply.stderrCut?.restore(reply.stderr) ?? reply.stderr
                result = reply.result
                error = reply.error
                timedOut = reply.timedOut
                harness = reply.harness
                images = max(0, min(context.returnedImages ?? reply.images.count, reply.images.count))
                let heldBack = reply.images.count - images + reply.imagesDropped
                if heldBack > 0 {
                    shown.append("\(heldBack) more image\(heldBack == 1 ? " was" : "s were") shown by the code but not returned (max_images is \(context.maxImages))")
                }
                if let cut = reply.stdoutCut { notes.append("stdout was \(reply.stdoutBytes) bytes long; \(cut.bytes) bytes in its middle were left out") }
                if let cut = reply.stderrCut { notes.append("stderr was \(reply.stderrBytes) bytes long; \(cut.bytes) bytes in its middle were left out") }
            case .stopped(let stop):
                self.stop = stop
                notes.append(stop.sentence)
            }
            notes = shown + notes
            preamble = shown.isEmpty ? nil : shown.joined(separator: "\n")
        }

        /// `text` with the preamble on the line before it.
        func prefixed(_ text: String) -> String {
            guard let preamble else { return text }
            return text.isEmpty ? preamble : preamble + "\n" + text
        }

        /// The code raised or was stopped.
        var failed: Bool { error != nil || timedOut || stop != nil }

        var imageParts: [CodeObservationPart] { (0..<images).map(CodeObservationPart.image) }
    }
}
