import CVips

/// libvips's error buffer, read once and cleared.
///
/// libvips keeps one process-wide error buffer (not per thread): concurrent failures may see
/// each other's text. We read it right after the failing call and clear it, and only ever use
/// it as detail appended to our own message.
enum VipsErrorBuffer {
    /// The buffer's text, joined onto one line and trimmed, or nil when it is empty; clears it.
    static func take() -> String? {
        guard let raw = vips_error_buffer_copy() else { return nil }
        defer { g_free(raw) }
        let lines = String(cString: raw)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: " \t") }
            .filter { !$0.isEmpty }
        var unique: [String] = []
        for line in lines where !unique.contains(line) { unique.append(line) }
        let text = unique.joined(separator: "; ")
        return text.isEmpty ? nil : String(text.prefix(400))
    }

    /// Clears the buffer without reading it.
    static func clear() { vips_error_clear() }
}

extension CodecError {
    /// `message`, followed by libvips's reason when it gave one (the buffer is then cleared).
    static func withVipsDetail(_ code: Code, _ message: String) -> CodecError {
        let detail = VipsErrorBuffer.take()
        let full = detail.map { "\(message) (libvips: \($0))" } ?? message
        return CodecError(code, full, vipsDetail: detail)
    }
}

extension StringProtocol {
    /// The string without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
