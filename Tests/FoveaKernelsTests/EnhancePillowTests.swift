import Foundation
import Testing
@testable import FoveaKernels

/// The tonal operations against the real Pillow (`Oracles/pillow_enhance.py`): every case is
/// written as raw bytes, run through `ImageEnhance` / `ImageOps` in one `python3` process, and
/// read back. `scripts/test.sh` installs Pillow and numpy; without them these tests fail.
@Suite
struct EnhancePillowTests {
    /// Odd sizes, a single pixel, and images thin enough that sharpness only copies; the two
    /// larger ones take the affine (≥ 4096 samples) and pair-table (≥ 2^18) paths.
    static let sizes = [(1, 1), (2, 5), (3, 3), (17, 13), (37, 23), (64, 48), (120, 90), (300, 300)]

    struct Case {
        var operation: TonalOperation
        var kind: TonalImages.Kind
        var width: Int, height: Int, bands: Int
        var pixels: [UInt8]
        var label: String { "\(operation) \(kind) \(width)x\(height)x\(bands)" }
    }

    static func cases(for operations: [TonalOperation]) -> [Case] {
        var cases: [Case] = []
        for operation in operations {
            for bands in [1, 3, 4] {
                for (w, h) in sizes {
                    // The largest size once per operation and band count, to keep debug runs short.
                    let kinds: [TonalImages.Kind] = w >= 120 ? [.dim] : TonalImages.Kind.allCases
                    for kind in kinds {
                        let pixels = TonalImages.pixels(kind, width: w, height: h, bands: bands)
                        cases.append(Case(operation: operation, kind: kind, width: w, height: h,
                                          bands: bands, pixels: pixels))
                    }
                }
            }
        }
        return cases
    }

    /// Acceptance: within one level per channel of Pillow; the blends reproduce Pillow's
    /// Float32 arithmetic and the ImageOps tables its Python, so every case is expected to be
    /// bit-exact, and the count of those that are is printed.
    @Test(arguments: ["brightness", "contrast", "color", "sharpness", "autocontrast", "equalize", "invert", "grayscale"])
    func matchesPillowWithinOneLevel(operation: String) throws {
        let cases = Self.cases(for: TonalOperation.pillowCases.filter { $0.name == operation })
        let pillow = try PythonOracle.enhance(cases.map {
            .init(pixels: $0.pixels, width: $0.width, height: $0.height, bands: $0.bands,
                  operation: $0.operation.name, parameter: $0.operation.parameter)
        })
        var exact = 0
        for (c, theirs) in zip(cases, pillow) {
            let mine = c.operation.run(c.pixels, width: c.width, height: c.height, bands: c.bands, threads: 2)
            let (ours, reference) = comparable(mine, [UInt8](theirs), c)
            try #require(ours.count == reference.count,
                         "\(c.label): Pillow returned \(reference.count) bytes, Fovea \(ours.count)")
            let difference = TestImages.maxDifference(ours, reference)
            #expect(difference <= 1, "\(c.label): differs from Pillow by \(difference) levels")
            if difference == 0 { exact += 1 }
        }
        print("EnhancePillowTests: \(operation): \(exact) of \(cases.count) cases bit-exact to Pillow, the rest within ±1")
    }

    /// Images of a million samples or more let the point maps take the affine form with
    /// corrected levels (brightness 1.3 and contrast 0.7 need a few); still bit-exact.
    @Test func largeImagesWithCorrectedLinesMatchPillow() throws {
        let (w, h) = (640, 560)
        let pixels = TonalImages.pixels(.gradient, width: w, height: h, bands: 3)
        let operations: [TonalOperation] = [.brightness(1.3), .contrast(0.7), .contrast(2.7), .autocontrast(1)]
        let pillow = try PythonOracle.enhance(operations.map {
            .init(pixels: pixels, width: w, height: h, bands: 3, operation: $0.name, parameter: $0.parameter)
        })
        for (operation, theirs) in zip(operations, pillow) {
            let mine = operation.run(pixels, width: w, height: h, bands: 3, threads: 2)
            #expect(mine == [UInt8](theirs), "\(operation) \(w)x\(h)x3: differs from Pillow")
        }
        let brightness = PointMap(bands: 3, colour: PillowBlend(factor: 1.3).table(degenerate: 0))
        guard case .affine(let form) = PointForm(brightness, sampleCount: w * h * 3) else {
            Issue.record("brightness 1.3 on \(w)x\(h)x3 did not take the affine form")
            return
        }
        #expect(form.bands.contains { !$0.corrections.isEmpty }, "brightness 1.3 needs corrected levels")
    }

    /// What to compare: everything, except that for RGBA in the operations Pillow refuses on
    /// RGBA the oracle returns RGB, so Fovea's RGB is compared and its alpha must be the source's.
    private func comparable(_ mine: [UInt8], _ theirs: [UInt8], _ c: Case) -> ([UInt8], [UInt8]) {
        guard c.bands == 4 && c.operation.pillowRefusesRGBA else { return (mine, theirs) }
        var rgb: [UInt8] = []
        for p in 0..<(c.width * c.height) {
            rgb += mine[(4 * p)..<(4 * p + 3)]
            #expect(mine[4 * p + 3] == c.pixels[4 * p + 3], "\(c.label): alpha changed at pixel \(p)")
        }
        return (rgb, theirs)
    }
}
