import ExtrasBase64

/// Text made safe for HTML, and images made into data URLs.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `data:<mime>;base64,<bytes>`.
    static func dataURL(_ image: ReplayImage) -> String {
        "data:\(image.mimeType);base64," + Base64.encodeToString(bytes: image.bytes)
    }

    /// `12.3 ms`, `1.25 s`.
    static func duration(_ milliseconds: Double) -> String {
        milliseconds < 1000 ? "\(rounded(milliseconds, 1)) ms" : "\(rounded(milliseconds / 1000, 2)) s"
    }

    static func rounded(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded() / scale
        return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }
}
