/// Images as raw bytes after the answer line, for local clients that ask (docs/PROTOCOL.md,
/// "Binary images").
///
/// A `tools/call` whose params carry `"_meta": {"fovea/binary": true}` is answered with each
/// image block the daemon holds the bytes of written as
/// `{"type": "image", "mimeType": …, "_meta": {"fovea/bytes": N}}` (no `data`), and those N
/// bytes right after the line's newline, block after block in content order. A Python client
/// then skips base64 altogether: decoding 365 KB of base64 cost it 1.1 ms of a 0.75 MP zoom, more
/// than its JSON and socket reads together. A client that does not ask, or a daemon that does
/// not know the key, gets base64 as before, so each side can tell from the answer which it got.
public enum BinaryImages {
    /// The request's `_meta` key that asks for binary images.
    public static let requestKey = "fovea/binary"
    /// The image block's `_meta` key giving the length of its bytes after the line.
    public static let lengthKey = "fovea/bytes"

    /// Whether `request` asks for its images as bytes after the line.
    public static func isRequested(_ request: RPCRequest) -> Bool {
        request.method == "tools/call" && request.params?["_meta"]?[requestKey] == .bool(true)
    }

    /// `response` (a JSON-RPC response to a tool call) with each image block whose bytes
    /// `bytes(handle)` gives moved out of the JSON, and those bytes in block order. A block stays
    /// base64 when its handle is unknown, its bytes are gone (`nil`), or their length does not
    /// match its base64's.
    public static func detach(_ response: JSONValue, bytes: (String) -> [UInt8]?) -> (response: JSONValue, attachments: [[UInt8]]) {
        detach(response, attachment: bytes, length: \.count)
    }

    /// ``detach(_:bytes:)`` for bytes held in any form (the supervisor's are mappings of the
    /// stored results, copied once, into the answer's buffer): `attachment(handle)` gives them,
    /// `length` their byte count.
    public static func detach<Attachment>(_ response: JSONValue, attachment: (String) -> Attachment?,
                                          length: (Attachment) -> Int) -> (response: JSONValue, attachments: [Attachment]) {
        guard case .object(var message) = response, case .object(var result)? = message["result"],
              case .array(var content)? = result["content"] else { return (response, []) }
        let imageIndices = content.indices.filter { content[$0]["type"] == "image" }
        let handles = TrajectoryImages.outputHandles(structuredContent: result["structuredContent"], imageCount: imageIndices.count)
        guard handles.count == imageIndices.count else { return (response, []) }
        var attachments: [Attachment] = []
        for (index, handle) in zip(imageIndices, handles) {
            guard case .object(var block) = content[index], let data = block["data"]?.stringValue,
                  let bytes = attachment(handle), data.utf8.count == base64Length(length(bytes)) else { continue }
            block["data"] = nil
            block["_meta"] = .object([lengthKey: .int(length(bytes))])
            content[index] = .object(block)
            attachments.append(bytes)
        }
        guard !attachments.isEmpty else { return (response, []) }
        result["content"] = .array(content)
        message["result"] = .object(result)
        return (.object(message), attachments)
    }

    /// The byte counts of the images that follow `message`'s line, in block order (what a client
    /// must read before the next line).
    public static func attachmentLengths(of message: JSONValue) -> [Int] {
        (message["result"]?["content"]?.arrayValue ?? []).compactMap { $0["_meta"]?[lengthKey]?.intValue }
    }

    /// Characters of padded base64 for `count` bytes.
    static func base64Length(_ count: Int) -> Int { (count + 2) / 3 * 4 }
}
