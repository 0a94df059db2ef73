/// Cleans the `code` argument the way a model's tool call needs before any family sees it:
/// one surrounding `<code>…</code>` and one surrounding Markdown fence are removed, then the
/// common indentation. Everything else is kept byte for byte: the families' own repairs
/// (Thyme's first-line alignment, DeepEyesV2's re-indentation, …) happen in the runner, on
/// exactly what the model wrote.
///
/// ```
/// CodeSource.clean("```python\n    x = 1\n    print(x)\n```")  // "x = 1\nprint(x)"
/// CodeSource.clean("<code>\n```py\nprint(1)\n```\n</code>")    // "print(1)"
/// ```
public enum CodeSource {
    /// Fence languages that mean Python (compared without case); a fence with another
    /// language (```` ```bash ````) is left alone, so the code fails where the model can see why.
    public static let fenceLanguages: Set<String> = ["", "python", "py", "python3", "py3"]

    /// The code to run: wrappers removed (the `<code>` tag first, then a fence inside it),
    /// then ``dedent(_:)``.
    public static func clean(_ text: String) -> String {
        var body = Array(text.unicodeScalars)
        if let inner = unwrap(body, opener: Array("<code>".unicodeScalars), closer: Array("</code>".unicodeScalars)) {
            body = inner
        }
        if let inner = unwrapFence(body) { body = inner }
        return dedent(String(String.UnicodeScalarView(body)))
    }

    /// Removes the longest common leading run of spaces and tabs from every line that holds
    /// anything else, as Python's `textwrap.dedent` does (a tab and spaces are different
    /// indentation). Unlike `textwrap.dedent`, a line of only spaces and tabs keeps what lies
    /// beyond the common indentation (it is emptied only when shorter than it), so a
    /// multi-line string literal keeps its content.
    public static func dedent(_ text: String) -> String {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        var margin: [Unicode.Scalar]?
        for line in lines {
            let indent = line.prefix { $0 == " " || $0 == "\t" }
            guard indent.count < line.count else { continue }  // blank line
            if let current = margin {
                margin = Array(zip(current, indent).prefix { $0 == $1 }.map(\.0))
            } else {
                margin = Array(indent)
            }
            if margin?.isEmpty == true { return text }
        }
        guard let margin, !margin.isEmpty else { return text }
        let dedented = lines.map { line -> [Unicode.Scalar] in
            if line.starts(with: margin) { return Array(line.dropFirst(margin.count)) }
            return []  // a blank line shorter than the margin
        }
        return String(String.UnicodeScalarView(dedented.joined(separator: ["\n"])))
    }

    // MARK: wrappers

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    /// The text between `opener` and `closer` when the text, apart from surrounding
    /// whitespace, is exactly one such block; the line break after the opener and the one
    /// before the closer go with them when nothing else is on those lines.
    private static func unwrap(_ text: [Unicode.Scalar], opener: [Unicode.Scalar], closer: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return nil }
        let trimmed = Array(text[first...last])
        guard trimmed.count >= opener.count + closer.count, trimmed.starts(with: opener),
              trimmed.suffix(closer.count).elementsEqual(closer) else { return nil }
        return trimmedLineBreaks(Array(trimmed[opener.count..<(trimmed.count - closer.count)]))
    }

    /// A Markdown fence: ```` ``` ```` with an optional Python language tag on its own line,
    /// the code, ```` ``` ````. A fence on one line (```` ```print(1)``` ````) is unwrapped too.
    private static func unwrapFence(_ text: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        let tick: [Unicode.Scalar] = ["`", "`", "`"]
        guard let inner = unwrap(text, opener: tick, closer: tick) else { return nil }
        // `unwrap` already dropped a line break right after the opener, so look at what the
        // opener's line held in the original text.
        guard let open = text.firstIndex(where: { !isBlank($0) }) else { return nil }
        let afterTicks = text[(open + 3)...]
        let lineEnd = afterTicks.firstIndex(of: "\n") ?? text.endIndex
        let openerLine = Array(text[(open + 3)..<lineEnd])
        let closeTicks = text.lastIndex(where: { !isBlank($0) })! - 2
        if lineEnd < closeTicks {
            // Multi-line: the opener's line is a language tag (and blanks) only.
            let tag = String(String.UnicodeScalarView(openerLine.filter { !isBlank($0) })).lowercased()
            guard fenceLanguages.contains(tag) else { return nil }
            let body = Array(text[(lineEnd + 1)..<closeTicks])
            return trimmedLineBreaks(body, leading: false)
        }
        // One line: "```print(1)```", or "```python print(1)```".
        var body = inner
        for tag in ["python ", "py "] where body.starts(with: Array(tag.unicodeScalars)) {
            body.removeFirst(tag.unicodeScalars.count)
            break
        }
        return body
    }

    /// Drops what follows the opener up to and including its line break when it is blank,
    /// and the blank end of the last line together with the line break before it.
    private static func trimmedLineBreaks(_ body: [Unicode.Scalar], leading: Bool = true) -> [Unicode.Scalar] {
        var start = body.startIndex, end = body.endIndex
        if leading, let newline = body.firstIndex(of: "\n"), body[..<newline].allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            start = newline + 1
        }
        if let newline = body[start..<end].lastIndex(of: "\n"), body[(newline + 1)..<end].allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            end = newline
        }
        return Array(body[start..<end])
    }
}
