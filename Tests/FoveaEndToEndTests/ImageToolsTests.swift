import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Foundation
import Testing

/// Issue 3's tools through a real daemon: geometry and plumbing end to end (the kernels' own
/// conformance with Pillow is tested in FoveaKernelsTests).
@Suite(.serialized) struct ImageToolsTests {
    static let source = TestImages.pixels(width: 203, height: 151, bands: 3, seed: 11)
    static let png: [UInt8] = try! { try Codec.initialize(); return try Codec.encode(source.view, format: .png).array }()

    func raw(_ result: JSONValue) throws -> (bytes: [UInt8], width: Int, height: Int, bands: Int) {
        let structured = try #require(result["structuredContent"])
        return (try #require(result.toolImageBytes), structured["width"]?.intValue ?? 0,
                structured["height"]?.intValue ?? 0, structured["bands"]?.intValue ?? 0)
    }

    func withDaemon(_ body: (FoveaClient, String) throws -> Void) throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        try body(client, try client.put(Self.png))
    }

    /// A worker with two kernel threads encodes a large JPEG as strips on its band threads,
    /// inside its seccomp filter: the file carries restart markers and decodes to the same
    /// pixels as the one-pass encode of the raw result.
    @Test func aLargeJPEGIsEncodedInStripsInsideTheSandbox() throws {
        try Codec.initialize()
        let large = TestImages.pixels(width: 1200, height: 900, bands: 3, seed: 5)
        let daemon = try Daemon(workers: 1, arguments: ["--threads", "2"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(try Codec.encode(large.view, format: .png).array)
        let box: JSONValue = [0, 0, 1200, 900]
        let jpeg = try client.tool("crop", ["image": .string(handle), "bbox_2d": box, "coords": "pixel", "format": "jpeg"])
        #expect(jpeg["isError"] == false, "\(jpeg.toolText ?? "")")
        let bytes = try #require(jpeg.toolImageBytes)
        #expect(bytes.indices.dropLast().contains { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDD }, "no DRI segment: not strip-encoded")
        let pixels = try raw(client.tool("crop", ["image": .string(handle), "bbox_2d": box, "coords": "pixel", "format": "raw"]))
        let rawImage = PixelBuffer(width: pixels.width, height: pixels.height, bands: pixels.bands)
        pixels.bytes.withUnsafeBufferPointer { packed in
            for y in 0..<pixels.height {
                rawImage.mutableView.row(y).update(from: packed.baseAddress! + y * pixels.width * 3, count: pixels.width * 3)
            }
        }
        let expected = try Codec.decode(try Codec.encode(rawImage.view, format: .jpeg).array).pixels
        let decoded = try Codec.decode(bytes).pixels
        #expect(decoded.view.width == 1200 && decoded.view.height == 900)
        var same = true
        for y in 0..<900 where same { same = memcmp(decoded.view.row(y), expected.view.row(y), 1200 * 3) == 0 }
        #expect(same, "strip-encoded JPEG decodes differently from the one-pass encode")
    }

    @Test func rotateQuarterTurnsAndFlipsAreExact() throws {
        try withDaemon { client, handle in
            let w = Self.source.width, h = Self.source.height
            let turned = try raw(client.tool("rotate", ["image": .string(handle), "angle": 90, "format": "raw"]))
            #expect(turned.width == h && turned.height == w)
            // PIL's ROTATE_90 (counter-clockwise): output (x, y) = input (w - 1 - y, x).
            var expected = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<w { for x in 0..<h { for b in 0..<3 {
                expected[(y * h + x) * 3 + b] = Self.source.view.row(x)[(w - 1 - y) * 3 + b]
            } } }
            let turnedMatches = turned.bytes == expected
            #expect(turnedMatches, "rotate 90 differs from PIL's ROTATE_90")

            let mirrored = try raw(client.tool("rotate", ["image": .string(handle), "flip": "horizontal", "format": "raw"]))
            var flipped = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h { for x in 0..<w { for b in 0..<3 {
                flipped[(y * w + x) * 3 + b] = Self.source.view.row(y)[(w - 1 - x) * 3 + b]
            } } }
            let mirrorMatches = mirrored.bytes == flipped
            #expect(mirrorMatches, "flip differs from a mirror")
        }
    }

    @Test func rotateAnyAngleUsesPillowsExpandedSize() throws {
        try withDaemon { client, handle in
            let result = try client.tool("rotate", ["image": .string(handle), "angle": 17, "format": "png"])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            let size = RotationGeometry.outputSize(width: 203, height: 151, degrees: 17, expand: true)
            #expect(result["structuredContent"]?["width"]?.intValue == size.width)
            #expect(result["structuredContent"]?["height"]?.intValue == size.height)
            #expect(result.toolText?.hasPrefix("Rotated by 17° counter-clockwise (bicubic, expanded)") == true, "\(result.toolText ?? "")")
            let same = try client.tool("rotate", ["image": .string(handle), "angle": -17, "expand": false, "fill": "#ff0000"])
            #expect(same["structuredContent"]?["width"] == 203 && same["structuredContent"]?["height"] == 151)
            let neither = try client.tool("rotate", ["image": .string(handle)])
            #expect(neither.toolText == "rotate needs angle (degrees counter-clockwise) or flip (\"horizontal\" or \"vertical\"); received neither")
        }
    }

    @Test func enhanceInARegionLeavesTheRestByteIdentical() throws {
        try withDaemon { client, handle in
            let result = try client.tool("enhance", ["image": .string(handle), "contrast": 1.8, "invert": true,
                                                     "bbox_2d": [20, 30, 120, 90], "coords": "pixel", "format": "raw"])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            let out = try raw(result)
            #expect(out.width == 203 && out.height == 151 && out.bands == 3)
            let (changedInside, changedOutside) = Self.changes(out.bytes, insideX: 20..<120, insideY: 30..<90)
            #expect(changedOutside == 0)
            #expect(changedInside > 100 * 60 * 3 / 2)
            #expect(result.toolText == "Applied contrast 1.8, invert to \(ImageReference.abbreviated(handle)) (203×151) in [20, 30, 120, 90] (pixel) = pixels [20, 30, 120, 90]; returned 203×151 raw.")
            let grey = try raw(client.tool("enhance", ["image": .string(handle), "grayscale": true, "format": "raw"]))
            #expect(grey.bands == 1 && grey.bytes.count == 203 * 151)
            let nothing = try client.tool("enhance", ["image": .string(handle)])
            #expect(nothing.toolText?.hasPrefix("enhance needs at least one adjustment") == true)
        }
    }

    /// Samples that differ from the source inside and outside a region.
    static func changes(_ bytes: [UInt8], insideX: Range<Int>, insideY: Range<Int>) -> (inside: Int, outside: Int) {
        var inside = 0, outside = 0
        for y in 0..<source.height {
            for x in 0..<source.width {
                for b in 0..<3 where source.view.row(y)[x * 3 + b] != bytes[(y * source.width + x) * 3 + b] {
                    if insideX.contains(x) && insideY.contains(y) { inside += 1 } else { outside += 1 }
                }
            }
        }
        return (inside, outside)
    }

    @Test func tileReturnsEveryTileSizedForTheModelAndListsTheirBoxes() throws {
        let jpeg = try TestImages.encoded(width: 1600, height: 1200, format: .jpeg).bytes
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(jpeg)
        let result = try client.tool("tile", ["image": .string(handle), "grid": [2, 3], "overlap": 0.1])
        #expect(result["isError"] == false, "\(result.toolText ?? "")")
        let tiles = try #require(result["structuredContent"]?["tiles"]?.arrayValue)
        #expect(tiles.count == 6)
        #expect((result["content"]?.arrayValue ?? []).filter { $0["type"] == "image" }.count == 6)
        var covered = [Bool](repeating: false, count: 1600 * 1200)
        for tile in tiles {
            let px = (tile["bbox_px"]?.arrayValue ?? []).compactMap(\.intValue)
            let size = try Preset.qwen3VL.resize.size(height: px[3] - px[1], width: px[2] - px[0])
            #expect(tile["width"]?.intValue == size.width && tile["height"]?.intValue == size.height)
            for y in px[1]..<px[3] { for x in px[0]..<px[2] { covered[y * 1600 + x] = true } }
        }
        #expect(!covered.contains(false))
        #expect(result.toolText?.contains("into 2×3 tiles overlapping by 0.1") == true)
        #expect(result.toolText?.contains("tile 6 (row 2, column 3): ") == true)
        let tooMany = try client.tool("tile", ["image": .string(handle), "grid": [9, 9]])
        #expect(tooMany.toolText == "grid [9, 9] is invalid: it makes 81 tiles; at most 64 are allowed")
    }

    @Test func annotateDrawsOnACopyInTheCallersCoordinates() throws {
        try withDaemon { client, handle in
            let result = try client.tool("annotate", ["image": .string(handle), "format": "raw", "coords": "pixel",
                                                      "boxes": [["bbox_2d": [10, 10, 60, 50], "color": "#00ff00", "width": 2, "label": "cat"]],
                                                      "points": [["point_2d": [150, 100], "color": [0, 0, 255], "radius": 4]]])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            let out = try raw(result)
            func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(out.bytes[(y * 203 + x) * 3..<(y * 203 + x) * 3 + 3]) }
            #expect(pixel(10, 30) == [0, 255, 0] && pixel(59, 30) == [0, 255, 0] && pixel(30, 49) == [0, 255, 0])
            #expect(pixel(150, 100) == [0, 0, 255])
            let untouched = UnsafeBufferPointer(start: Self.source.view.row(120) + 30 * 3, count: 3)
            #expect(pixel(30, 120) == Array(untouched))
            #expect(result.toolText == "Drew 1 box, 1 point on \(ImageReference.abbreviated(handle)) (203×151); returned 203×151 raw.")
            let bad = try client.tool("annotate", ["image": .string(handle), "boxes": [["bbox_2d": [60, 10, 10, 50]]]])
            #expect(bad.toolText == "boxes[0].bbox_2d [60, 10, 10, 50] is invalid: x2 (10) must be greater than x1 (60)")
        }
    }

    @Test func inspectMeasuresARegion() throws {
        try withDaemon { client, handle in
            let result = try client.tool("inspect", ["image": .string(handle), "bbox_2d": [10, 20, 110, 70], "coords": "pixel"])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            let channels = try #require(result["structuredContent"]?["channels"]?.arrayValue)
            #expect(channels.count == 3)
            for (band, channel) in channels.enumerated() {
                var sum = 0, low = 255, high = 0
                var histogram = [Int](repeating: 0, count: 16)
                for y in 20..<70 { for x in 10..<110 {
                    let v = Int(Self.source.view.row(y)[x * 3 + band])
                    sum += v; low = min(low, v); high = max(high, v); histogram[v / 16] += 1
                } }
                #expect(abs((channel["mean"]?.doubleValue ?? -1) - Double(sum) / 5000) < 1e-9)
                #expect(channel["min"]?.intValue == low && channel["max"]?.intValue == high)
                #expect(channel["histogram"]?.arrayValue?.compactMap(\.intValue) == histogram)
            }
            #expect(result.toolText?.contains("Region [10, 20, 110, 70] (pixel) = pixels [10, 20, 110, 70]: R mean ") == true)
        }
    }

    @Test func pipelineEqualsTheSameStepsCalledOneByOne() throws {
        try withDaemon { client, handle in
            let steps: [JSONValue] = [
                ["tool": "crop", "arguments": ["bbox_2d": [10, 10, 180, 140], "coords": "pixel"]],
                ["tool": "rotate", "arguments": ["angle": 90]],
                ["tool": "enhance", "arguments": ["contrast": 1.4]],
            ]
            let piped = try client.tool("pipeline", ["image": .string(handle), "steps": .array(steps), "format": "raw"])
            #expect(piped["isError"] == false, "\(piped.toolText ?? "")")
            var current = handle
            for step in steps {
                var arguments = step["arguments"]?.objectValue ?? [:]
                arguments["image"] = .string(current)
                arguments["format"] = "raw"
                let result = try client.tool(step["tool"]!.stringValue!, .object(arguments))
                current = try #require(result["structuredContent"]?["image"]?.stringValue)
            }
            let stepwise = try client.call("images/get", params: ["image": .string(current)])
            let pipedBytes = try raw(piped).bytes
            let stepwiseBytes = Array(Data(base64Encoded: stepwise["data"]?.stringValue ?? "") ?? Data())
            let pipelineMatches = pipedBytes == stepwiseBytes
            #expect(pipelineMatches, "pipeline and stepwise results differ")
            #expect(piped.toolText?.hasPrefix("Ran 3 steps on \(ImageReference.abbreviated(handle)) (203×151): 1) Cropped [10, 10, 180, 140] (pixel) = pixels [10, 10, 180, 140] of the image → 170×130; 2) Rotated by 90° counter-clockwise (exact) the result → 130×170; 3) Applied contrast 1.4 to the result → 130×170; returned 130×170 raw.") == true,
                    "\(piped.toolText ?? "")")
            let nested = try client.tool("pipeline", ["image": .string(handle), "steps": [["tool": "tile", "arguments": ["grid": [2, 2]]]]])
            #expect(nested.toolText == "steps[0].tool \"tile\" is invalid: a pipeline step is one of zoom, crop, rotate, enhance, annotate")
            let withImage = try client.tool("pipeline", ["image": .string(handle), "steps": [["tool": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [0, 0, 10, 10]]]]])
            #expect(withImage.toolText?.hasPrefix("steps[0].arguments.image is not allowed") == true)
        }
    }
}
