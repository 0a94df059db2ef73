import FoveaKernels
import Testing
@testable import FoveaProtocol

@Suite struct BoxResolutionTests {
    @Test func rel1000BoxMapsToPixelsRoundingHalfToEvenLikePillowCrop() throws {
        let box = try resolveBox([412, 300, 530, 377], coords: .rel1000, width: 7680, height: 4320, minimumSide: 32)
        // 412/1000*7680 = 3164.16, 300/1000*4320 = 1296, 530/1000*7680 = 4070.4, 377/1000*4320 = 1628.64
        #expect(box.pixels == PixelRect(x1: 3164, y1: 1296, x2: 4070, y2: 1629))
        #expect(!box.grown && !box.clipped)
        // 2.5 rounds to 2 and 3.5 to 4, as Python's round() does.
        let half = try resolveBox([2.5, 3.5, 100.5, 99.5], coords: .pixel, width: 200, height: 200, minimumSide: 1)
        #expect(half.pixels == PixelRect(x1: 2, y1: 4, x2: 100, y2: 100))
    }

    @Test func normAndPixelSystemsConvert() throws {
        let norm = try resolveBox([0.25, 0.5, 0.75, 1.0], coords: .norm, width: 400, height: 200, minimumSide: 1)
        #expect(norm.pixels == PixelRect(x1: 100, y1: 100, x2: 300, y2: 200))
        #expect(norm.inCallerSystem(width: 400, height: 200) == [0.25, 0.5, 0.75, 1.0])
        #expect(CoordinateSystem.rel1000.fromPixels(3164, extent: 7680) == 3164 * 1000 / 7680.0)
    }

    @Test func invertedBoxNamesTheArgumentTheValuesAndTheRule() {
        #expect(throws: ToolError("bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)")) {
            try resolveBox([600, 40, 200, 90], coords: .rel1000, width: 100, height: 100, minimumSide: 32)
        }
        #expect(throws: ToolError("bbox_2d [10, 90, 20, 40] is invalid: y2 (40) must be greater than y1 (90)")) {
            try resolveBox([10, 90, 20, 40], coords: .rel1000, width: 100, height: 100, minimumSide: 32)
        }
    }

    @Test func valuesFarOutsideTheSystemSuggestTheRightOne() {
        #expect(throws: ToolError("bbox_2d [100, 200, 1800, 900] is invalid: x2 (1800) is outside the image: rel1000 coordinates run from 0 to 1000 of the image's width and height; pass coords \"pixel\" if these are pixels")) {
            try resolveBox([100, 200, 1800, 900], coords: .rel1000, width: 4000, height: 3000, minimumSide: 32)
        }
        #expect(throws: ToolError("bbox_2d [700, 10, 900, 20] is invalid: x1 (700) is outside the image: pixel coordinates run from 0 to the image's width and height (640×480)")) {
            try resolveBox([700, 10, 900, 20], coords: .pixel, width: 640, height: 480, minimumSide: 1)
        }
        #expect(throws: ToolError("bbox_2d [-0.5, 0.2, 0.5, 0.6] is invalid: x1 (-0.5) is outside the image: norm coordinates run from 0 to 1 of the image's width and height")) {
            try resolveBox([-0.5, 0.2, 0.5, 0.6], coords: .norm, width: 640, height: 480, minimumSide: 1)
        }
    }

    @Test func slightOvershootIsClippedAndReported() throws {
        let box = try resolveBox([950, 0, 1010, 100], coords: .rel1000, width: 1000, height: 1000, minimumSide: 1)
        #expect(box.clipped)
        #expect(box.pixels == PixelRect(x1: 950, y1: 0, x2: 1000, y2: 100))
    }

    @Test func zoomGrowsBoxSmallerThanMinimumSideAboutItsCentre() throws {
        // A 10×20 pixel box grows by 32/10 to 32×64 about its centre (105, 110).
        let box = try resolveBox([100, 100, 110, 120], coords: .pixel, width: 1000, height: 1000, minimumSide: 32)
        #expect(box.grown)
        #expect(box.pixels == PixelRect(x1: 89, y1: 78, x2: 121, y2: 142))
    }

    @Test func grownBoxIsShiftedBackInsideKeepingItsSize() throws {
        let corner = try resolveBox([0, 0, 4, 4], coords: .pixel, width: 500, height: 300, minimumSide: 32)
        #expect(corner.pixels == PixelRect(x1: 0, y1: 0, x2: 32, y2: 32))
        let farCorner = try resolveBox([496, 296, 500, 300], coords: .pixel, width: 500, height: 300, minimumSide: 32)
        #expect(farCorner.pixels == PixelRect(x1: 468, y1: 268, x2: 500, y2: 300))
        // An image smaller than the minimum side: the box is the whole image.
        let tiny = try resolveBox([1, 1, 2, 2], coords: .pixel, width: 20, height: 10, minimumSide: 32)
        #expect(tiny.pixels == PixelRect(x1: 0, y1: 0, x2: 20, y2: 10))
    }

    @Test func paddingAddsAFractionOfTheBoxOnEverySide() throws {
        let box = try resolveBox([100, 100, 200, 150], coords: .pixel, width: 1000, height: 1000, minimumSide: 1, padding: 0.1)
        #expect(box.pixels == PixelRect(x1: 90, y1: 95, x2: 210, y2: 155))
    }

    @Test func aSubPixelBoxStillCoversOnePixel() throws {
        let box = try resolveBox([10.2, 10.2, 10.4, 10.4], coords: .pixel, width: 100, height: 100, minimumSide: 1)
        #expect(box.pixels.width == 1 && box.pixels.height == 1)
    }
}
