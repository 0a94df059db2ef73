/// Serialises ``JSONValue``s as compact UTF-8 JSON on one line (object keys sorted).
public enum JSONWriter {
    /// `value` as JSON, in an array allocated once at its final size (escapes aside) plus
    /// `extraCapacity` bytes (a line's newline): an answer of 16 tiles is 16 MB, which growing
    /// by doubling copied twice over and faulted in twice over (docs/BENCHMARKS.md).
    public static func bytes(_ value: JSONValue, extraCapacity: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(estimatedSize(value) + extraCapacity)
        write(value, into: &out)
        return out
    }

    /// The size of `value` as JSON when no string needs escaping; numbers counted at their
    /// widest. Cheap: a string's UTF-8 count is stored.
    static func estimatedSize(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: 5
        case .integer, .double: 24
        case .string(let s): s.utf8.count + 2
        case .array(let elements): elements.reduce(2) { $0 + estimatedSize($1) + 1 }
        case .object(let members): members.reduce(2) { $0 + $1.key.utf8.count + 4 + estimatedSize($1.value) }
        }
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                out.append(contentsOf: d.description.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes a quoted string. Runs that need no escaping (all of a base64 payload) are
    /// appended in one copy.
    public static func writeString(_ string: String, into out: inout [UInt8]) {
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            while true {
                i = JSONStringScan.firstSpecial(UnsafeRawBufferPointer(utf8), from: i)
                guard i < utf8.count else { break }
                let byte = utf8[i]
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch byte {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30,
                                            hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                }
                i += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
