import FoveaProtocol

/// The replay as one self-contained HTML page (no external file, script or font; every image
/// inline as a data URL): per case the question, its images and each round's thinking, call,
/// recorded and replayed observation (text and images) and times; a round whose replay differs
/// is marked in red with what differs, one that agrees in green.
///
/// Every image is an `<img class="shot">` with `data-case`, `data-round` (0: the case's own
/// images) and `data-side` (`input`, `recorded`, `replayed`), so a test (or a reader with the
/// browser's tools) can count them; a small script marks each `data-loaded="1"` once the
/// browser has decoded it.
public enum ReplayReport {
    public struct Summary: Sendable {
        public var source: String
        public var kind: String
        public var socket: String

        public init(source: String, kind: String, socket: String) {
            self.source = source
            self.kind = kind
            self.socket = socket
        }
    }

    /// Counts of rounds: replayed, the same as recorded, different, not replayed.
    public static func counts(_ cases: [ReplayCase]) -> (replayed: Int, same: Int, different: Int, skipped: Int) {
        let rounds = cases.flatMap(\.rounds)
        let replayed = rounds.filter { $0.replayed != nil }
        let different = replayed.filter { !$0.differences.isEmpty }.count
        return (replayed.count, replayed.count - different, different, rounds.count - replayed.count)
    }

    public static func html(_ cases: [ReplayCase], summary: Summary) -> String {
        let counts = counts(cases)
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Fovea replay of \(HTMLText.escape(summary.source))</title>
            <style>\(style)</style></head><body>
            <header><h1>Fovea replay</h1>
            <p>\(HTMLText.escape(summary.kind)) <code>\(HTMLText.escape(summary.source))</code>, replayed through <code>\(HTMLText.escape(summary.socket))</code>.</p>
            <p class="counts"><span class="same">\(counts.same) the same</span> · <span class="differs">\(counts.different) different</span> · \(counts.skipped) not replayed · \(cases.count) case\(cases.count == 1 ? "" : "s")</p>
            </header>

            """
        for (caseIndex, replayCase) in cases.enumerated() {
            out += section(replayCase, number: caseIndex + 1)
        }
        out += "<script>\(script)</script>\n</body></html>\n"
        return out
    }

    static func section(_ replayCase: ReplayCase, number: Int) -> String {
        var out = "<section class=\"case\" id=\"case-\(number)\"><h2>\(number). \(HTMLText.escape(replayCase.title))</h2>\n"
        for note in replayCase.notes { out += "<p class=\"note\">\(HTMLText.escape(note))</p>\n" }
        if let question = replayCase.question {
            out += "<div class=\"question\"><h3>Question</h3><p>\(HTMLText.escape(question))</p></div>\n"
        }
        if !replayCase.images.isEmpty {
            out += "<div class=\"images\">" + replayCase.images.map { figure($0, caseNumber: number, round: 0, side: "input") }.joined() + "</div>\n"
        }
        for (index, round) in replayCase.rounds.enumerated() {
            out += roundHTML(round, caseNumber: number, number: index + 1)
        }
        if let thinking = replayCase.finalThinking {
            out += "<div class=\"thinking\"><h3>Final thinking</h3><pre>\(HTMLText.escape(thinking))</pre></div>\n"
        }
        if let answer = replayCase.answer {
            out += "<div class=\"answer\"><h3>Answer</h3><pre>\(HTMLText.escape(answer))</pre></div>\n"
        }
        return out + "</section>\n"
    }

    static func roundHTML(_ round: ReplayRound, caseNumber: Int, number: Int) -> String {
        let differences = round.differences
        let state = round.replayed == nil ? "skipped" : (differences.isEmpty ? "same" : "differs")
        var out = "<article class=\"round \(state)\" data-case=\"\(caseNumber)\" data-round=\"\(number)\" data-state=\"\(state)\">\n"
        out += "<h3>Round \(number)" + (round.tool.map { ": <code>\(HTMLText.escape($0))</code>" } ?? "")
            + (round.session.map { " <small>session \(HTMLText.escape($0))</small>" } ?? "") + "</h3>\n"
        switch state {
        case "differs":
            out += "<p class=\"mark differs\">✗ The replayed observation differs: \(HTMLText.escape(differences.joined(separator: "; "))).</p>\n"
        case "same" where round.recorded.textKind == .notCompared:
            out += "<p class=\"mark same\">✓ The replay returned the same images and error state (the family showed its own words for this tool, so its text is not compared).</p>\n"
        case "same":
            out += "<p class=\"mark same\">✓ The replayed observation is the same as the recorded one.</p>\n"
        default:
            out += "<p class=\"mark skipped\">Not replayed: \(HTMLText.escape(round.skipped ?? "no call to send"))</p>\n"
        }
        if let thinking = round.thinking, !thinking.isEmpty {
            out += "<div class=\"thinking\"><h4>Thinking</h4><pre>\(HTMLText.escape(thinking))</pre></div>\n"
        }
        let call = round.arguments.map { JSONWriter.spacedString(["name": .string(round.tool ?? ""), "arguments": $0]) } ?? round.rawCall ?? ""
        for note in round.notes { out += "<p class=\"note\">\(HTMLText.escape(note))</p>\n" }
        out += "<div class=\"call\"><h4>Call</h4><pre>\(HTMLText.escape(call))</pre></div>\n"
        if let foveaCall = round.foveaCall {
            out += "<div class=\"call\"><h4>Fovea call</h4><pre>\(HTMLText.escape(JSONWriter.spacedString(foveaCall)))</pre></div>\n"
        }
        out += "<div class=\"sides\">"
        out += observationHTML(round.recorded, title: "Recorded", caseNumber: caseNumber, round: number, side: "recorded")
        if let replayed = round.replayed {
            out += observationHTML(replayed, title: "Replayed", caseNumber: caseNumber, round: number, side: "replayed")
        }
        return out + "</div>\n</article>\n"
    }

    static func observationHTML(_ observation: ReplayObservation, title: String, caseNumber: Int, round: Int, side: String) -> String {
        var heading = title
        if let elapsed = observation.elapsedMs { heading += " <small>\(HTMLText.duration(elapsed))</small>" }
        if observation.isError { heading += " <small class=\"error\">isError</small>" }
        var out = "<div class=\"observation \(side)\"><h4>\(heading)</h4>"
        if let error = observation.protocolError {
            out += "<p class=\"error\">JSON-RPC error \(HTMLText.escape(error))</p>"
        } else {
            out += "<pre>\(HTMLText.escape(observation.text))</pre>"
        }
        if !observation.images.isEmpty {
            out += "<div class=\"images\">" + observation.images.map { figure($0, caseNumber: caseNumber, round: round, side: side) }.joined() + "</div>"
        }
        return out + "</div>"
    }

    static func figure(_ image: ReplayImage, caseNumber: Int, round: Int, side: String) -> String {
        var caption = HTMLText.escape(image.label)
        if let handle = image.handle { caption += " <code>\(HTMLText.escape(ImageReference.abbreviated(handle)))</code>" }
        guard image.isDisplayable, !image.bytes.isEmpty else {
            return "<figure class=\"missing\"><div class=\"placeholder\">\(image.bytes.isEmpty ? "no bytes recorded" : "\(HTMLText.escape(image.mimeType)), not displayable")</div><figcaption>\(caption)</figcaption></figure>"
        }
        return "<figure><img class=\"shot\" alt=\"\(HTMLText.escape(image.label))\" data-case=\"\(caseNumber)\" data-round=\"\(round)\" data-side=\"\(side)\" src=\"\(HTMLText.dataURL(image))\"><figcaption>\(caption)</figcaption></figure>"
    }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:18px 28px}header code{color:#ffd479}
        h1{margin:0 0 6px;font-size:24px}.counts .same{color:#7ee2a8}.counts .differs{color:#ff9b9b}
        .case{background:#fff;margin:20px 28px;padding:16px 22px;border-radius:8px;box-shadow:0 1px 4px #0002}
        .question{background:#fff6d5;border-left:4px solid #e0b000;padding:6px 12px}
        .round{border:1px solid #d6d9e0;border-left:6px solid #9aa3b5;border-radius:6px;margin:14px 0;padding:8px 14px}
        .round.same{border-left-color:#1f9d55}.round.differs{border-left-color:#d62828;background:#fff5f5}
        .mark{font-weight:600;margin:4px 0}.mark.same{color:#1f7a45}.mark.differs{color:#b00000}.mark.skipped{color:#59627a}
        pre{white-space:pre-wrap;word-break:break-word;background:#f7f8fa;padding:8px;border-radius:4px;margin:4px 0;font-size:13px}
        .sides{display:flex;gap:16px;flex-wrap:wrap}.observation{flex:1 1 420px;min-width:0}
        .images{display:flex;flex-wrap:wrap;gap:10px}figure{margin:4px 0}
        img.shot{max-width:320px;max-height:320px;border:1px solid #c5cad6;background:#fff;display:block}
        .placeholder{width:160px;height:90px;display:flex;align-items:center;justify-content:center;background:#eceef2;color:#59627a;font-size:12px;text-align:center}
        figcaption{font-size:12px;color:#59627a}.error{color:#b00000}.note{color:#59627a;font-style:italic}
        h3{margin:8px 0 4px}h4{margin:6px 0 2px;font-size:14px}small{color:#59627a;font-weight:400}
        """

    static let script = """
        window.addEventListener('load',function(){document.querySelectorAll('img.shot').forEach(function(i){if(i.complete&&i.naturalWidth>0){i.setAttribute('data-loaded','1');}});document.body.setAttribute('data-ready','1');});
        """
}
