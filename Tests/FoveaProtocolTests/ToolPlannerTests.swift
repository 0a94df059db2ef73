import FoveaKernels
import Testing
@testable import FoveaProtocol

@Suite struct ToolPlannerTests {
    let handle = "img:" + String(repeating: "9f", count: 32)
    var source: SourceImage { SourceImage(handle: handle, width: 7680, height: 4320, bands: 3, format: "jpeg") }

    func zoom(_ box: [Double], coords: CoordinateSystem = .rel1000, label: String? = nil) -> ToolCall {
        ToolCall(image: .handle(handle), request: .zoom(ZoomRequest(box: box, coords: coords, label: label, padding: 0)),
                 output: OutputOptions())
    }

    @Test func zoomCropsThePixelBoxAndResizesItToSmartResize() throws {
        let planned = try ToolPlanner.plan(zoom([412, 300, 530, 377]), source: source, defaults: ToolDefaults())
        let box = PixelRect(x1: 3164, y1: 1296, x2: 4070, y2: 1629)
        let expected = try Preset.qwen3VL.resize.size(height: box.height, width: box.width)
        #expect(planned.jobs.first?.steps == [.crop(box), .resize(width: expected.width, height: expected.height, filter: .bicubic)])
    }

    @Test func cropOverMaxOutputPixelsIsDownscaled() throws {
        let call = ToolCall(image: .handle(handle), request: .crop(CropRequest(box: [0, 0, 1000, 1000], coords: .rel1000)), output: OutputOptions())
        let planned = try ToolPlanner.plan(call, source: SourceImage(handle: handle, width: 8000, height: 4000, bands: 3, format: "png"),
                                           defaults: ToolDefaults())
        guard case .resize(let w, let h, _, _)? = planned.jobs.first?.steps.last else { Issue.record("no resize"); return }
        #expect(w * h <= Preset.qwen3VL.resize.maxPixels)
        #expect(w == 5792 && h == 2896)
    }

    @Test func resultTextMatchesTheSpecExample() throws {
        let planned = try ToolPlanner.plan(zoom([412, 300, 530, 377], label: "the street sign"), source: source, defaults: ToolDefaults())
        let produced = ProducedImage(handle: "img:" + String(repeating: "51", count: 32), width: 896, height: 320, bands: 3,
                                     format: .jpeg, base64: "AAAA")
        let result = ToolResult.success(planned, images: [produced])
        let text = result["content"]?.arrayValue?.last?["text"]?.stringValue
        #expect(text == "Zoomed into [412, 300, 530, 377] (rel1000) = pixels [3164, 1296, 4070, 1629] of img:9f9f9f9f… (7680×4320); returned 896×320 JPEG.")
        #expect(result["structuredContent"]?["bbox_px"] == [3164, 1296, 4070, 1629])
        #expect(result["structuredContent"]?["bbox_2d"] == [412, 300, 530, 377])
        #expect(result["structuredContent"]?["label"] == "the street sign")
        #expect(result["isError"] == false)
        #expect(result["content"]?.arrayValue?.first?["mimeType"] == "image/jpeg")
    }

    @Test func extremeAspectRatioIsAToolErrorNamingTheBox() {
        #expect(throws: ToolError("bbox_2d [0, 0, 7680, 30] is invalid: the region is 7680×30 pixels, an aspect ratio of 256; the model's resize rule allows at most 200")) {
            try ToolPlanner.plan(zoom([0, 0, 7680, 30], coords: .pixel), source: source,
                                 defaults: ToolDefaults(preset: Preset(name: "t", coords: .pixel, resize: Preset.qwen3VL.resize, minimumSide: 1)))
        }
    }
}
