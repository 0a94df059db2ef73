import Foundation
import FoveaClient
import FoveaKernels
import FoveaProtocol
import Testing

@testable import FoveaCodec

/// What the sandbox tests share: probes, a known-good call, waiting for replaced workers,
/// reading /proc, and damaged images of every format.
enum Sandbox {
    /// `debug/sandbox_probe {action}` → `(outcome, detail, signal)`.
    static func probe(_ client: FoveaClient, _ action: String) throws -> (outcome: String, detail: String, signal: String?, reason: String?) {
        let result = try client.call("debug/sandbox_probe", params: ["action": .string(action)])
        return (result["outcome"]?.stringValue ?? "?", result["detail"]?.stringValue ?? "",
                result["signal"]?.stringValue, result["reason"]?.stringValue)
    }

    /// A small PNG that decodes and zooms fine.
    static let goodPNG: [UInt8] = try! TestImages.encoded(width: 320, height: 240, format: .png).bytes

    /// A zoom on a stored good image (daemon with the default preset, qwen3-vl); records an
    /// issue unless it succeeds with the planned size: the box's pixels through smart_resize.
    @discardableResult
    static func expectZoomWorks(_ client: FoveaClient, handle: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [100, 100, 600, 700]])
        #expect(result["isError"] == false, "\(result.toolText ?? "")", sourceLocation: sourceLocation)
        let content = result["structuredContent"]
        let box = (content?["bbox_px"]?.arrayValue ?? []).compactMap(\.intValue)
        let image = try client.call("images/get", params: ["image": .string(handle)])
        if box.count == 4, let width = image["width"]?.intValue, let height = image["height"]?.intValue {
            // rel1000 [100, 100, 600, 700] of the image, in whole pixels.
            #expect(box == [width / 10, height / 10, width * 6 / 10, height * 7 / 10], "\(box) of \(width)x\(height)",
                    sourceLocation: sourceLocation)
            let planned = try Preset.qwen3VL.resize.size(height: box[3] - box[1], width: box[2] - box[0])
            #expect(content?["width"]?.intValue == planned.width && content?["height"]?.intValue == planned.height,
                    "returned \(content?["width"] ?? nil)x\(content?["height"] ?? nil), planned \(planned.width)x\(planned.height)",
                    sourceLocation: sourceLocation)
        } else {
            Issue.record("no bbox_px or image size: \(result)", sourceLocation: sourceLocation)
        }
        return result
    }

    /// Worker pids from `server/stats` once there are `count` live, idle workers (none of
    /// `gone`), waiting up to 10 s for replacements to start.
    static func waitForWorkers(_ daemon: Daemon, count: Int, excluding gone: [Int32] = [],
                               sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int32] {
        let client = try daemon.client()
        var pids: [Int32] = []
        for _ in 0..<200 {
            let workers = try client.call("server/stats")["workers"]?.arrayValue ?? []
            pids = workers.compactMap { $0["pid"]?.intValue.map(Int32.init) }
            let idle = workers.allSatisfy { $0["state"] == "idle" }
            if idle, pids.count == count, Set(pids).isDisjoint(with: gone), pids.allSatisfy({ kill($0, 0) == 0 }) { return pids }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("workers did not come back: \(pids) (replaced: \(gone))", sourceLocation: sourceLocation)
        return pids
    }

    // MARK: /proc

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// `Key:\tvalue` lines of a /proc status file.
    static func status(_ path: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in (read(path) ?? "").split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    static func threads(of pid: Int32) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"))?.sorted() ?? []
    }

    static func descriptors(of pid: Int32) -> [String: String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        var out: [String: String] = [:]
        for entry in entries {
            out[entry] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(entry)")) ?? "?"
        }
        return out
    }

    static func namespace(_ kind: String, of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
    }

    // MARK: Damaged images

    /// Noise encodes to many bytes in every format, so a cut or a flipped byte lands in the data.
    static func noise(width: Int, height: Int) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: 3)
        var state: UInt32 = 2024
        for y in 0..<height {
            let row = buffer.mutableView.row(y)
            for i in 0..<(width * 3) {
                state = state &* 1_664_525 &+ 1_013_904_223
                row[i] = UInt8(truncatingIfNeeded: state >> 24)
            }
        }
        return buffer
    }

    /// An image of `format` made with FoveaCodec's encoders (libvips's for GIF, TIFF, HEIF).
    static func encoded(_ format: ImageFormat) throws -> [UInt8] {
        try Codec.initialize()
        let pixels = noise(width: 120, height: 90)
        switch format {
        case .jpeg: return try Codec.encode(pixels.view, format: .jpeg).array
        case .png: return try Codec.encode(pixels.view, format: .png).array
        case .webp: return try Codec.encode(pixels.view, format: .webp).array
        default:
            let encoders = SampleImages.encoders(for: format)
            for (_, encode) in encoders {
                if let bytes = try? encode(pixels.view) { return bytes }
            }
            throw FoveaClient.Failure("this libvips cannot write \(format) for the test")
        }
    }

    /// The first half of `bytes`.
    static func truncated(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.prefix(bytes.count / 2)) }

    /// `bytes` with every 7th byte after the first 16 flipped: the signature (WebP's RIFF
    /// header, HEIF's brand) still names the format; its structure (headers, tables, chunk
    /// CRCs, boxes) is broken.
    static func corrupted(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for i in stride(from: 16, to: bytes.count, by: 7) { out[i] ^= 0x5A }
        return out
    }

    /// `bytes` with every 7th byte of the last half flipped: headers intact, compressed data
    /// damaged. Some decoders (JPEG, HEVC) conceal such damage and return an image.
    static func damagedData(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for i in stride(from: bytes.count / 2, to: bytes.count, by: 7) { out[i] ^= 0x5A }
        return out
    }

    static func dataURL(_ bytes: [UInt8]) -> JSONValue { .string("data:application/octet-stream;base64," + base64(bytes)) }
}
