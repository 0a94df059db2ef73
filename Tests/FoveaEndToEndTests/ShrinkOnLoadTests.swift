import ExtrasBase64
import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Foundation
import Testing
@testable import FoveaServer

/// Issue 5's shrink-on-load: a zoom or tile whose output is much smaller than its box reads a
/// reduced-scale decode (libvips `jpegload shrink`), within the resampling tolerance (PSNR
/// ≥ 40 dB) of the full-scale path, deterministically cold or warm.
@Suite(.serialized) struct ShrinkOnLoadTests {
    static let page = TestImages.textLike(width: 2400, height: 1600, seed: 3)

    /// The full-scale path a worker runs without shrink-on-load: crop the box, resize it.
    static func fullPath(_ decoded: PixelBuffer, plan: ImagePlan) -> PixelBuffer {
        guard case .crop(let rect) = plan.steps[0], case .resize(let width, let height, let filter, nil) = plan.steps[1] else {
            preconditionFailure("not a crop + resize plan")
        }
        return withExtendedLifetime(decoded) {
            resample(decoded.view.cropped(to: rect), width: width, height: height, filter: filter)
        }
    }

    /// The same plan on the reduced decode, rewritten by ``ShrinkOnLoad/plan``.
    static func reducedPath(_ reduced: PixelBuffer, plan: ImagePlan, factor: Int, format: String, full: ImageShape) -> PixelBuffer {
        let shape = ImageShape(width: reduced.width, height: reduced.height, bands: reduced.bands)
        let rewritten = ShrinkOnLoad.plan(plan, factor: factor, format: format, full: full, reduced: shape)
        guard case .crop(let cover) = rewritten.steps[0], case .resize(let width, let height, let filter, let box?) = rewritten.steps[1] else {
            preconditionFailure("the rewritten plan lost its box")
        }
        return withExtendedLifetime(reduced) {
            resample(reduced.view.cropped(to: cover), width: width, height: height, filter: filter, box: box)
        }
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let squares = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
        return squares == 0 ? .infinity : 10 * log10(255 * 255 * Double(a.count) / squares)
    }

    /// At the smallest shrink each factor is used for (the resize left with exactly
    /// `minimumResidualScale`), on text and rules, the worst content measured.
    @Test func reducedDecodeStaysWithinTheResamplingTolerance() throws {
        let format = EncodeFormat.jpeg
        try Codec.initialize()
        let encoded = try Codec.encode(Self.page, format: format, quality: 95).array
        let full = try Codec.decode(encoded)
        let fullShape = ImageShape(width: full.header.width, height: full.header.height, bands: 3)
        let rect = PixelRect(x: 37, y: 21, width: 2400 - 37 - 11, height: 1600 - 21 - 5)
        for factor in ShrinkOnLoad.factors {
            let residual = Double(factor) * ShrinkOnLoad.minimumResidualScale
            let width = Int(Double(rect.width) / residual), height = Int(Double(rect.height) / residual)
            let plan = ImagePlan(steps: [.crop(rect), .resize(width: width, height: height, filter: .bicubic)], output: nil)
            #expect(ShrinkOnLoad.factor(for: plan, format: format.rawValue) == factor)

            let reduced = try Codec.decode(encoded, shrink: factor)
            // libjpeg's scaled size rounds up.
            #expect(reduced.header.width == (2400 + factor - 1) / factor && reduced.header.height == (1600 + factor - 1) / factor)
            let reducedShape = ImageShape(width: reduced.header.width, height: reduced.header.height, bands: reduced.header.bands)
            #expect(ShrinkOnLoad.accepts(reducedShape, full: fullShape, factor: factor))
            let want = Self.fullPath(full.pixels, plan: plan).packedBytes()
            let got = Self.reducedPath(reduced.pixels, plan: plan, factor: factor, format: format.rawValue, full: fullShape).packedBytes()
            let quality = Self.psnr(want, got)
            #expect(quality >= 40, "\(format) shrink \(factor) to \(width)x\(height): PSNR \(quality) dB")
        }
    }

    /// Through the daemon with a 60 000-pixel model size: a whole-image zoom on a 3.8 MP JPEG
    /// shrinks 8.6× and reads the half-scale decode, once for all calls; cold and warm calls
    /// give the same bytes; a zoom on a small box reads the full decode.
    @Test func wholeImageZoomReadsTheReducedDecodeOnceAndDeterministically() throws {
        let daemon = try Daemon(arguments: ["--preset", "mini-o3", "--model-max-pixels", "60000"])
        defer { daemon.stop() }
        let client = try daemon.client()
        try Codec.initialize()
        let jpeg = try Codec.encode(Self.page, format: .jpeg, quality: 95).array
        let handle = jpeg.withUnsafeBytes { ImageStore.handle(for: $0) }
        let zoom: JSONValue = ["image": .string(handle), "bbox_2d": [0, 0, 1, 1], "format": "raw"]

        let putID = try client.sendRequest("images/put", params: ["data": .string(Base64.encodeToString(bytes: jpeg))])
        let coldID = try client.sendRequest("tools/call", params: ["name": "zoom", "arguments": zoom])
        var answers: [Int: JSONValue] = [:]
        while answers.count < 2 {
            let message = try client.receive()
            answers[try #require(message["id"]?.intValue)] = message
        }
        #expect(answers[Int(putID)]?["result"]?["width"] == 2400)
        let cold = try #require(answers[Int(coldID)]?["result"])
        #expect(cold["isError"] == false, "\(cold.toolText ?? "")")
        let warm = try client.tool("zoom", zoom)
        #expect(cold["structuredContent"]?["image"] != nil)
        #expect(cold["structuredContent"]?["image"] == warm["structuredContent"]?["image"])

        // Within the tolerance of the full-scale path.
        let width = try #require(warm["structuredContent"]?["width"]?.intValue)
        let height = try #require(warm["structuredContent"]?["height"]?.intValue)
        #expect(2400 / width >= 7 && width * height <= 60_000, "\(width)x\(height)")
        let plan = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 0, width: 2400, height: 1600)),
                                     .resize(width: width, height: height, filter: .bicubic)], output: nil)
        #expect(ShrinkOnLoad.factor(for: plan, format: "jpeg") == 2)
        let reference = Self.fullPath(try Codec.decode(jpeg).pixels, plan: plan).packedBytes()
        let served = try #require(warm.toolImageBytes)
        #expect(Self.psnr(reference, served) >= 40, "PSNR \(Self.psnr(reference, served)) dB")

        let small = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [0.1, 0.1, 0.3, 0.3]])
        #expect(small["isError"] == false, "\(small.toolText ?? "")")
        let cache = try client.call("server/stats")["cache"]
        #expect(cache?["reducedDecodes"] == 1, "\(cache ?? .null)")
        #expect(cache?["decodes"] == 1, "\(cache ?? .null)")
    }

    @Test func noShrinkOnLoadReadsTheFullDecode() throws {
        let daemon = try Daemon(arguments: ["--preset", "mini-o3", "--model-max-pixels", "60000", "--no-shrink-on-load"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let jpeg = try Codec.encode(Self.page, format: .jpeg, quality: 95).array
        let handle = try client.put(jpeg)
        let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [0, 0, 1, 1], "format": "raw"])
        #expect(result["isError"] == false, "\(result.toolText ?? "")")
        let width = try #require(result["structuredContent"]?["width"]?.intValue)
        let height = try #require(result["structuredContent"]?["height"]?.intValue)
        let plan = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 0, width: 2400, height: 1600)),
                                     .resize(width: width, height: height, filter: .bicubic)], output: nil)
        // The full-scale path, as the worker runs it: the same kernels, so the same bytes.
        #expect(result.toolImageBytes == Self.fullPath(try Codec.decode(jpeg).pixels, plan: plan).packedBytes())
        #expect(try client.call("server/stats")["cache"]?["reducedDecodes"] == 0)
    }
}
