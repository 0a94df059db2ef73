import FoveaKernels
import Testing
@testable import FoveaProtocol

@Suite struct ShrinkOnLoadPlanTests {
    static func plan(_ rect: PixelRect, _ width: Int, _ height: Int, more: [PlanStep] = []) -> ImagePlan {
        ImagePlan(steps: [.crop(rect), .resize(width: width, height: height, filter: .bicubic)] + more, output: nil)
    }

    @Test func factorLeavesTheResizeAtLeastThreeAndAHalfToShrink() {
        let whole = PixelRect(x: 0, y: 0, width: 7680, height: 4320)
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 1344, 756), format: "jpeg") == nil)  // 5.7×
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 1097, 617), format: "jpeg") == 2)   // 7.0×
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 1098, 617), format: "jpeg") == nil) // 6.99×
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 548, 308), format: "jpeg") == 4)    // 14×
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 274, 154), format: "jpeg") == 8)    // 28×
        // The smaller of the two axes' shrinks decides.
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 274, 1000), format: "jpeg") == nil)
        // Only JPEG decodes at reduced scale within the tolerance; results never do.
        for format in ["png", "webp", "gif", "tiff", "heif", "result"] {
            #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 274, 154), format: format) == nil)
        }
        // Only a plan that starts by cropping and resizing the whole box.
        #expect(ShrinkOnLoad.factor(for: ImagePlan(steps: [.crop(whole)], output: nil), format: "jpeg") == nil)
        #expect(ShrinkOnLoad.factor(for: ImagePlan(steps: [.quarterTurn(degrees: 90), .resize(width: 10, height: 10, filter: .bicubic)],
                                                   output: nil), format: "jpeg") == nil)
        #expect(ShrinkOnLoad.factor(for: Self.plan(whole, 274, 154, more: [.flip(.horizontal)]), format: "jpeg") == 8)
    }

    @Test func planMapsTheBoxOntoTheReducedPixelsExactly() {
        let rect = PixelRect(x: 1001, y: 803, width: 4000, height: 2000)
        let full = ImageShape(width: 7681, height: 4321, bands: 3)
        let reduced = ImageShape(width: 961, height: 541, bands: 3)  // libjpeg: sizes round up
        let plan = ShrinkOnLoad.plan(Self.plan(rect, 200, 100, more: [.flip(.vertical)]), factor: 8, format: "jpeg",
                                     full: full, reduced: reduced)
        // 1001/8 = 125.125 … 5001/8 = 625.125; 803/8 = 100.375 … 2803/8 = 350.375.
        #expect(plan.steps[0] == .crop(PixelRect(x: 125, y: 100, width: 501, height: 251)))
        #expect(plan.steps[1] == .resize(width: 200, height: 100, filter: .bicubic,
                                         box: ResampleBox(left: 0.125, top: 0.375, right: 500.125, bottom: 250.375)))
        #expect(plan.steps[2] == .flip(.vertical))
        #expect(plan.outputShape(from: reduced) == ImageShape(width: 200, height: 100, bands: 3))

        // WebP maps the whole image onto the reduced size.
        let webp = ShrinkOnLoad.plan(Self.plan(PixelRect(x: 0, y: 0, width: 1001, height: 667), 100, 60), factor: 2,
                                     format: "webp", full: ImageShape(width: 1001, height: 667, bands: 3),
                                     reduced: ImageShape(width: 500, height: 334, bands: 3))
        #expect(webp.steps[0] == .crop(PixelRect(x: 0, y: 0, width: 500, height: 334)))
        #expect(webp.steps[1] == .resize(width: 100, height: 60, filter: .bicubic,
                                         box: ResampleBox(left: 0, top: 0, right: 500, bottom: 334)))
    }

    @Test func acceptsOnlyAReducedSizeNearTheQuotient() {
        let full = ImageShape(width: 1001, height: 667, bands: 3)
        #expect(ShrinkOnLoad.accepts(ImageShape(width: 501, height: 334, bands: 3), full: full, factor: 2))
        #expect(ShrinkOnLoad.accepts(ImageShape(width: 500, height: 333, bands: 3), full: full, factor: 2))
        #expect(!ShrinkOnLoad.accepts(ImageShape(width: 1001, height: 667, bands: 3), full: full, factor: 2))
        #expect(!ShrinkOnLoad.accepts(ImageShape(width: 501, height: 334, bands: 4), full: full, factor: 2))
        #expect(!ShrinkOnLoad.accepts(ImageShape(width: 503, height: 334, bands: 3), full: full, factor: 2))
    }

    @Test func resizeBoxSurvivesTheWorkerChannel() throws {
        let step = PlanStep.resize(width: 7, height: 5, filter: .lanczos3,
                                   box: ResampleBox(left: 0.1, top: 1.0 / 3, right: 20.7, bottom: 9))
        #expect(try PlanStep(json: step.json) == step)
        let plain = PlanStep.resize(width: 7, height: 5, filter: .box)
        #expect(try PlanStep(json: plain.json) == plain)
    }
}
