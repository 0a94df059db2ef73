/// The few CPython string operations the families' harnesses apply to what they show a model,
/// reproduced exactly so an observation matches the harness's byte for byte: `str.strip()`,
/// slicing by code points, `repr(str)`, `repr(list_of_str)` and `json.dumps(str,
/// ensure_ascii=False)`.
///
/// Python strings are sequences of code points, so everything here counts Unicode scalars
/// (not Swift `Character`s, not UTF-8 bytes).
enum PythonText {
    /// `str.isspace()` for one code point: the characters CPython's `str.strip()` removes
    /// (bidirectional class WS, B or S, or category Zs).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `s.strip()`.
    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }

    /// `len(s)`.
    static func length(_ text: String) -> Int { text.unicodeScalars.count }

    /// `s[:count]`.
    static func prefix(_ text: String, _ count: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(count)))
    }

    /// `s[-count:]` (for `count` > 0).
    static func suffix(_ text: String, _ count: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.suffix(count)))
    }

    /// `s.startswith(prefix)`, comparing code points (Swift's `hasPrefix` compares
    /// grapheme clusters, so `"é"` would not start with `"e"`).
    static func startsWith(_ text: String, _ prefix: String) -> Bool {
        text.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    /// `str.split("\n")`: the pieces between newlines, an empty string giving `[""]`.
    static func splitLines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }

    // MARK: repr

    /// `repr(s)`: single quotes unless the text holds `'` and no `"`; backslash escapes for
    /// the quote, `\`, `\t`, `\n`, `\r`, other ASCII controls and DEL (`\xNN`), and code
    /// points that are not printable (`\xNN`, `\uNNNN`, `\UNNNNNNNN`). Printability follows
    /// the standard library's Unicode tables, which may be newer than the interpreter's (a
    /// code point assigned since then prints as itself here and escaped by an older Python).
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\": out.append("\\"); out.append(scalar)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append(contentsOf: escape(scalar.value, digits: 2, marker: "x").unicodeScalars)
                } else if scalar.value < 0x7F || isPrintable(scalar) {
                    out.append(scalar)
                } else if scalar.value <= 0xFF {
                    out.append(contentsOf: escape(scalar.value, digits: 2, marker: "x").unicodeScalars)
                } else if scalar.value <= 0xFFFF {
                    out.append(contentsOf: escape(scalar.value, digits: 4, marker: "u").unicodeScalars)
                } else {
                    out.append(contentsOf: escape(scalar.value, digits: 8, marker: "U").unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    /// `repr(lines)` for a list of strings: `['a', "b'c"]`.
    static func listRepr(_ items: [String]) -> String {
        "[" + items.map(repr).joined(separator: ", ") + "]"
    }

    /// `str.isprintable()` for one code point: false for the categories Cc, Cf, Cs, Co, Cn,
    /// Zl, Zp and Zs (except the space).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func escape(_ value: UInt32, digits: Int, marker: Character) -> String {
        let hex = String(value, radix: 16)
        return "\\" + String(marker) + String(repeating: "0", count: max(0, digits - hex.count)) + hex
    }

    // MARK: json.dumps

    /// `json.dumps(s, ensure_ascii=False)`: `"` and `\` escaped, `\n \r \t \b \f` by name,
    /// other controls below 0x20 as `\u00XX` (lowercase hex); everything else as it is.
    static func jsonString(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: #"\""#.unicodeScalars)
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\u{08}": out.append(contentsOf: #"\b"#.unicodeScalars)
            case "\u{0C}": out.append(contentsOf: #"\f"#.unicodeScalars)
            default:
                if scalar.value < 0x20 {
                    out.append(contentsOf: escape(scalar.value, digits: 4, marker: "u").unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        out.append("\"")
        return String(out)
    }
}
