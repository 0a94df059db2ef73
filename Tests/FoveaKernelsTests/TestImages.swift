@testable import FoveaKernels

/// Small deterministic test images.
enum TestImages {
    /// SplitMix64, so that failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
    }

    enum Kind: CaseIterable {
        /// Every sample independent: the hardest case for rounding and clipping.
        case noise
        /// Smooth ramps, a different one per band.
        case gradient
        /// Noise whose alpha is 0, 255 or random (RGBA's premultiplication paths).
        case patchyAlpha
    }

    static func pixels(_ kind: Kind, width: Int, height: Int, bands: Int, seed: UInt64 = 1) -> [UInt8] {
        var random = Random(state: seed &+ UInt64(width * 131 + height * 7 + bands))
        var out = [UInt8](repeating: 0, count: width * height * bands)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<bands {
                    let i = (y * width + x) * bands + c
                    switch kind {
                    case .noise:
                        out[i] = random.byte()
                    case .gradient:
                        let t = Double(x * (c + 1) + y * (3 - c % 3)) / Double(width * 2 + height * 3)
                        out[i] = UInt8(Swift.min(255, Int(t * 255)))
                    case .patchyAlpha:
                        out[i] = random.byte()
                        if c == 3 {
                            let r = random.next() % 3
                            out[i] = r == 0 ? 0 : r == 1 ? 255 : out[i]
                        }
                    }
                }
            }
        }
        return out
    }

    static func buffer(_ pixels: [UInt8], width: Int, height: Int, bands: Int) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: bands)
        pixels.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: pixels.count) }
        return buffer
    }

    /// `pixels` placed at (3, 2) inside a larger buffer, so that the view's rows are strided and
    /// surrounded by other pixels; the caller keeps `parent` alive while using `view`.
    static func stridedView(_ pixels: [UInt8], width: Int, height: Int, bands: Int)
        -> (parent: PixelBuffer, view: ImageView)
    {
        let parent = PixelBuffer(width: width + 7, height: height + 5, bands: bands)
        parent.base.initialize(repeating: 0xA5, count: parent.layout.byteCount)
        let rect = PixelRect(x: 3, y: 2, width: width, height: height)
        let view = parent.mutableView.cropped(to: rect)
        for y in 0..<height {
            for i in 0..<(width * bands) { view.row(y)[i] = pixels[(y * width) * bands + i] }
        }
        return (parent, parent.view.cropped(to: rect))
    }

    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { Swift.max($0, Swift.abs(Int($1.0) - Int($1.1))) }
    }
}
