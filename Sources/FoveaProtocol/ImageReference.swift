/// What an `image` argument names (SPEC §2).
public enum ImageReference: Sendable, Equatable {
    /// `img:<sha256 hex>` — an image put earlier or an earlier result.
    case handle(String)
    /// The payload of a `data:` URL, still base64; the server decodes it.
    case inline(base64: String)
    /// An absolute path, honoured only inside a directory the operator allowed.
    case path(String)

    public static let handlePrefix = "img:"

    /// Parses an `image` argument string.
    public static func parse(_ text: String, argument: String = "image") throws(ToolError) -> ImageReference {
        if text.hasPrefix(handlePrefix) {
            let hex = text.dropFirst(handlePrefix.count)
            guard hex.count == 64, hex.utf8.allSatisfy(isLowerHex) else {
                throw .invalid(argument, .string(text), "an image handle is img: followed by 64 lowercase hex digits (a SHA-256), as returned by images/put or an earlier result")
            }
            return .handle(text)
        }
        if text.hasPrefix("data:") {
            return .inline(base64: try dataURLPayload(text, argument: argument))
        }
        if text.hasPrefix("/") { return .path(text) }
        throw .invalid(argument, .string(text), "pass an img:<sha256> handle from images/put or an earlier result, a data URL (data:image/png;base64,…), or an absolute path inside a directory the server allows")
    }

    /// The base64 payload of `data:[<mime>][;base64],<payload>`; only base64 URLs are accepted.
    public static func dataURLPayload(_ text: String, argument: String) throws(ToolError) -> String {
        guard let comma = text.utf8.firstIndex(of: UInt8(ascii: ",")) else {
            throw .invalid(argument, .string(text), "a data URL needs a comma before its payload (data:image/png;base64,…)")
        }
        let header = text[text.startIndex..<comma]
        guard header.hasSuffix(";base64") else {
            throw .invalid(argument, .string(text), "only base64 data URLs are accepted (data:<mime>;base64,…)")
        }
        return String(text[text.index(after: comma)...])
    }

    /// `img:<64 hex>` for a SHA-256 digest.
    public static func handle(forDigest digest: some Sequence<UInt8>) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = Array(handlePrefix.utf8)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A handle shortened for text blocks: `img:9f2c41ab…`.
    public static func abbreviated(_ handle: String) -> String {
        handle.count > 12 ? String(handle.prefix(12)) + "…" : handle
    }
}

private func isLowerHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
}
