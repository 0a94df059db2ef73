extension JSONWriter {
    /// Writes `value` as Python's `json.dumps(value, ensure_ascii=False)` would after
    /// `json.loads` of ``JSONWriter/bytes(_:)``'s output: keys sorted, `", "` between items and
    /// `": "` after keys, strings as ``writeString(_:into:)`` escapes them. Prompt texts
    /// (Qwen's `<tools>` lines) are written this way because the models were trained on it.
    public static func writeSpaced(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                writeSpaced(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                writeSpaced(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            write(value, into: &out)
        }
    }

    /// ``writeSpaced(_:into:)`` as a string.
    public static func spacedString(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        writeSpaced(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
