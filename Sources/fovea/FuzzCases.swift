import ExtrasBase64
import FoveaProtocol

/// SplitMix64: small, fast and seedable, so a run can be replayed with `--seed`.
struct FuzzRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func chance(_ probability: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// What a fuzz call is, and so which answers are acceptable.
enum FuzzCategory: String, CaseIterable {
    /// A well-formed call with valid arguments: it must succeed.
    case valid
    /// A valid call with one part made wrong: it must get a clear error (or succeed).
    case mutated
    /// A broken line or hostile image bytes: it must get an error, never hurt the daemon.
    case hostile
}

/// One thing to send: a request (the fuzzer gives it an id) or raw bytes for a line.
enum FuzzMessage {
    case request(method: String, params: JSONValue)
    case line([UInt8])
}

struct FuzzCase {
    var category: FuzzCategory
    var message: FuzzMessage
    /// Whether the answer carries a new image handle worth keeping for later calls.
    var keepsHandle = false

    /// Raw bytes for a line rather than a request with an id.
    var isLine: Bool {
        if case .line = message { return true }
        return false
    }
}

/// Generates calls over the images the fuzzer has put.
struct FuzzCases {
    /// Encoded images, valid, to put and to corrupt.
    let images: [[UInt8]]

    static let tools = ["zoom", "image_zoom_in_tool", "crop", "rotate", "enhance", "tile", "annotate", "inspect", "pipeline"]

    // MARK: valid

    /// A valid call on `handle`: a tool with arguments inside every documented range, or one of
    /// the image methods.
    func valid(_ random: inout FuzzRandom, handle: String) -> FuzzCase {
        if random.chance(0.08) {
            return FuzzCase(category: .valid, message: .request(method: "images/put", params: [
                "data": .string(Base64.encodeToString(bytes: random.pick(images)))]), keepsHandle: true)
        }
        if random.chance(0.04) {
            return FuzzCase(category: .valid, message: .request(method: random.pick(["ping", "tools/list", "server/stats"]), params: [:]))
        }
        if random.chance(0.03) {
            return FuzzCase(category: .valid, message: .request(method: "images/get", params: ["image": .string(handle)]))
        }
        let tool = random.pick(Self.tools)
        var arguments = validArguments(tool, &random)
        arguments["image"] = .string(handle)
        return FuzzCase(category: .valid, message: .request(method: "tools/call", params: [
            "name": .string(tool), "arguments": .object(arguments)]), keepsHandle: true)
    }

    /// A box in rel1000 with both sides at least 20 of 1000.
    private func box(_ random: inout FuzzRandom) -> JSONValue {
        let x1 = random.int(0...970), y1 = random.int(0...970)
        return .ints([x1, y1, random.int((x1 + 20)...1000), random.int((y1 + 20)...1000)])
    }

    /// Tools whose boxes take `coords`, and tools that return an image.
    static let takesCoords: Set = ["zoom", "image_zoom_in_tool", "crop", "enhance", "tile", "annotate", "inspect"]
    static let returnsImage: Set = ["zoom", "image_zoom_in_tool", "crop", "rotate", "enhance", "tile", "annotate", "pipeline"]

    func validArguments(_ tool: String, _ random: inout FuzzRandom) -> [String: JSONValue] {
        var arguments: [String: JSONValue] = [:]
        if Self.returnsImage.contains(tool) {
            if random.chance(0.3) { arguments["format"] = .string(random.pick(["jpeg", "png", "webp", "raw"])) }
            if random.chance(0.2) { arguments["quality"] = .int(random.int(1...100)) }
        }
        if Self.takesCoords.contains(tool) { arguments["coords"] = "rel1000" }
        switch tool {
        case "zoom", "image_zoom_in_tool", "crop":
            arguments["bbox_2d"] = box(&random)
            if tool != "crop" && random.chance(0.3) { arguments["label"] = .string(random.pick(["the sign", "a cat", "ü ✓ 日本"])) }
        case "rotate":
            arguments["angle"] = random.chance(0.5) ? .int(random.pick([0, 90, 180, 270, -90, 360])) : .double(Double(random.int(-3600...3600)) / 10)
            if random.chance(0.4) { arguments["expand"] = .bool(random.chance(0.5)) }
            if random.chance(0.3) { arguments["flip"] = .string(random.pick(["horizontal", "vertical"])) }
            if random.chance(0.3) { arguments["fill"] = random.pick(["#ff0000", "white", .ints([0, 128, 255])]) }
            if random.chance(0.3) { arguments["interpolation"] = .string(random.pick(["nearest", "bilinear", "bicubic"])) }
        case "enhance":
            for (name, range) in [("contrast", 0...30), ("brightness", 0...30), ("color", 0...30), ("sharpness", 0...30)]
            where random.chance(0.4) {
                arguments[name] = .double(Double(random.int(range)) / 10)
            }
            if random.chance(0.2) { arguments["gamma"] = .double(Double(random.int(1...50)) / 10) }
            if random.chance(0.2) { arguments["autocontrast"] = .int(random.int(0...10)) }
            for flag in ["equalize", "grayscale", "invert"] where random.chance(0.15) { arguments[flag] = true }
            if arguments.keys.allSatisfy({ ["format", "quality", "coords"].contains($0) }) { arguments["contrast"] = 1.5 }
            if random.chance(0.3) { arguments["bbox_2d"] = box(&random) }
        case "tile":
            arguments["grid"] = .ints([random.int(1...4), random.int(1...4)])
            if random.chance(0.3) { arguments["bbox_2d"] = box(&random) }
        case "annotate":
            arguments["boxes"] = .array((0..<random.int(1...5)).map { _ in
                var shape: [String: JSONValue] = ["bbox_2d": box(&random)]
                if random.chance(0.5) { shape["label"] = .string(random.pick(["a", "car 2", "sign"])) }
                if random.chance(0.5) { shape["color"] = random.pick(["#00ff00", "blue", .ints([255, 255, 0])]) }
                return .object(shape)
            })
        case "inspect":
            if random.chance(0.5) { arguments["bbox_2d"] = box(&random) }
        default:  // pipeline
            let steps: [JSONValue] = (0..<random.int(1...3)).map { _ in
                let step = random.pick(["zoom", "crop", "rotate", "enhance"])
                var stepArguments = validArguments(step, &random)
                for key in ["format", "quality"] { stepArguments[key] = nil }  // coords stay: boxes are rel1000
                return ["tool": .string(step), "arguments": .object(stepArguments)]
            }
            arguments["steps"] = .array(steps)
        }
        return arguments
    }

    // MARK: mutated

    /// A valid tool call with one thing made wrong.
    func mutated(_ random: inout FuzzRandom, handle: String) -> FuzzCase {
        let tool = random.pick(Self.tools)
        var arguments = validArguments(tool, &random)
        arguments["image"] = .string(handle)
        var name: JSONValue = .string(tool)
        var params: [String: JSONValue] = [:]
        switch random.int(0...7) {
        case 0, 1, 2:  // one argument becomes a hostile value
            let key = random.pick(Array(arguments.keys).sorted() + ["bbox_2d", "angle", "grid", "steps", "boxes"])
            arguments[key] = hostileValue(&random)
        case 3:  // a required or present argument goes missing
            arguments[random.pick(Array(arguments.keys).sorted())] = nil
        case 4:  // an unknown argument
            arguments[random.pick(["bbox", "Image", "x", "__proto__", ""])] = hostileValue(&random)
        case 5:  // a wrong image reference
            arguments["image"] = random.pick([
                "img:zz", .string("img:" + String(repeating: "0", count: 64)), "", "data:image/png;base64,AAAA",
                "data:text/plain;base64,aGVsbG8=", "/etc/passwd", "../../etc/shadow", .int(3), .null,
            ])
        case 6:  // a wrong tool name
            name = random.pick(["", "Zoom", "zoom ", "rm -rf", .int(1), .null, .string(String(repeating: "z", count: 5000))])
        default:  // arguments that are not an object
            params["arguments"] = random.pick([.array([]), .string("{}"), .null, .int(0)])
        }
        params["name"] = name
        if params["arguments"] == nil { params["arguments"] = .object(arguments) }
        return FuzzCase(category: .mutated, message: .request(method: "tools/call", params: .object(params)))
    }

    /// A value of the wrong type, range or size.
    func hostileValue(_ random: inout FuzzRandom) -> JSONValue {
        switch random.int(0...15) {
        case 0: return .null
        case 1: return .bool(true)
        case 2: return .integer(Int64.max)
        case 3: return .integer(Int64.min)
        case 4: return .double(1e308)
        case 5: return .double(-1e-320)
        case 6: return .string("")
        case 7: return .string(String(repeating: "A", count: random.int(1000...100_000)))
        case 8: return .string("\u{0}\u{1}\u{FFFF}🙂")
        case 9: return .array([])
        case 10: return .array((0..<random.int(5...2000)).map { _ in .int(random.int(-5...5000)) })
        case 11: return .object([:])
        case 12: return .ints([1000, 1000, 0, 0])
        case 13: return .ints([-50, -50, 5000, 5000])
        case 14: return [1, "two", 3, nil]
        default:
            var nested: JSONValue = .int(1)
            for _ in 0..<random.int(10...60) { nested = .array([nested]) }
            return nested
        }
    }

    // MARK: hostile

    /// A broken line, or an images/put of damaged or forged bytes.
    func hostile(_ random: inout FuzzRandom) -> FuzzCase {
        if random.chance(0.5) {
            return FuzzCase(category: .hostile, message: .line(hostileLine(&random)))
        }
        return FuzzCase(category: .hostile, message: .request(method: "images/put", params: [
            "data": .string(Base64.encodeToString(bytes: hostileImage(&random)))]), keepsHandle: true)
    }

    private func hostileLine(_ random: inout FuzzRandom) -> [UInt8] {
        let texts = [
            "{", "}", "[]", "[1,2]", "null", "42", "\"ping\"", "{\"jsonrpc\":\"2.0\"}",
            "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":\"zoom\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"zoom\",\"arguments\":{\"image\":\"img:aa\",\"bbox_2d\":[1e999999,0,1,1]}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1,2,3]}",
            "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u0000\"}", "\u{FEFF}{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"images/put\",\"params\":{\"data\":\"!!!not base64!!!\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"images/put\",\"params\":{\"path\":\"/etc/passwd\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"images/release\",\"params\":{\"image\":[]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"debug/sandbox_probe\",\"params\":{\"action\":\"exec\"}}",
        ]
        switch random.int(0...9) {
        case 0: return Array(String(repeating: "[", count: random.int(100...20_000)).utf8)
        case 1: return [0xFF, 0xFE, 0x7B, 0xC3, 0x28, 0x7D]
        case 2: return (0..<random.int(1...4000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }.filter { $0 != 0x0A }
        case 3: return Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"s\":\"\(String(repeating: "x", count: random.int(1 << 16...1 << 21)))\"}}".utf8)
        default: return Array(random.pick(texts).utf8)
        }
    }

    /// Damaged, truncated, forged or random image bytes.
    func hostileImage(_ random: inout FuzzRandom) -> [UInt8] {
        var bytes = random.pick(images)
        switch random.int(0...5) {
        case 0:  // flipped bits, past the signature
            for _ in 0..<random.int(1...64) where bytes.count > 16 {
                bytes[random.int(8...(bytes.count - 1))] ^= UInt8(1 << random.int(0...7))
            }
        case 1:  // truncated
            bytes = Array(bytes.prefix(random.int(0...bytes.count)))
        case 2:  // a PNG that declares an absurd size
            bytes = ForgedPNG.declaring(width: UInt32(random.int(1...225_000)), height: 225_000)
        case 3:  // random bytes
            bytes = (0..<random.int(0...5000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 4:  // a valid image with garbage appended
            bytes += (0..<random.int(1...5000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        default:  // a run of bytes zeroed in the middle
            guard bytes.count > 64 else { break }
            let start = random.int(32...(bytes.count - 32))
            for i in start..<min(bytes.count, start + random.int(1...4096)) { bytes[i] = 0 }
        }
        return bytes
    }
}

/// A minimal PNG (signature, IHDR with a valid CRC, one empty IDAT, IEND) of any declared size.
enum ForgedPNG {
    static func declaring(width: UInt32, height: UInt32) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            let body = Array(type.utf8) + data
            png += bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
        chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
        chunk("IEND", [])
        return png
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
