import Foundation
@testable import FoveaKernels

/// Pillow's `Image.resize` written out slowly and independently of the kernels: Double weights
/// and Double sums (no fixed point), the horizontal pass rounded and clipped to 8 bits, then the
/// vertical pass; RGBA through Pillow's premultiply / unpremultiply. Follows `Resample.c`
/// (`precompute_coeffs`, `ImagingResampleHorizontal_8bpc`, `…Vertical_8bpc`,
/// `ImagingResampleInner`), `Convert.c` (`rgbA2rgba`, `rgba2rgbA`) and `Image.py` (`resize`).
enum PillowResampleOracle {
    static func kernel(_ filter: ResampleFilter, _ x: Double) -> (Double) {
        func sinc(_ x: Double) -> Double { x == 0 ? 1 : Foundation.sin(x * .pi) / (x * .pi) }
        switch filter {
        case .box: return (x > -0.5 && x <= 0.5) ? 1 : 0
        case .bilinear: return Swift.max(0, 1 - Swift.abs(x))
        case .bicubic:
            let a = -0.5, t = Swift.abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        case .lanczos3: return (-3 <= x && x < 3) ? sinc(x) * sinc(x / 3) : 0
        }
    }

    static func support(_ filter: ResampleFilter) -> Double {
        switch filter {
        case .box: 0.5
        case .bilinear: 1
        case .bicubic: 2
        case .lanczos3: 3
        }
    }

    /// Per output index: first source index and normalised weights.
    /// Pillow's `precompute_coeffs`: source `start ..< end` (its `box` edges, floats) onto `outSize`.
    static func windows(_ filter: ResampleFilter, inSize: Int, outSize: Int,
                        start: Double = 0, end: Double? = nil) -> [(Int, [Double])] {
        let start = Double(Float(start)), end = Double(Float(end ?? Double(inSize)))
        let scale = (end - start) / Double(outSize)
        let filterScale = Swift.max(1, scale)
        let support = support(filter) * filterScale
        return (0..<outSize).map { i in
            let center = start + (Double(i) + 0.5) * scale
            let lo = Swift.max(0, Int(center - support + 0.5))
            let hi = Swift.min(inSize, Int(center + support + 0.5))
            var w = (lo..<hi).map { kernel(filter, (Double($0) - center + 0.5) / filterScale) }
            let sum = w.reduce(0, +)
            if sum != 0 { w = w.map { $0 / sum } }
            return (lo, w)
        }
    }

    static func clip8(_ v: Double) -> UInt8 { UInt8(Swift.min(255, Swift.max(0, (v + 0.5).rounded(.down)))) }

    /// `pixels` is packed `width × height × bands`; returns packed `outWidth × outHeight × bands`.
    /// `premultipliesAlpha: false` treats 4 bands as independent channels.
    static func resize(_ pixels: [UInt8], width: Int, height: Int, bands: Int, outWidth: Int,
                       outHeight: Int, filter: ResampleFilter, box: ResampleBox? = nil,
                       premultipliesAlpha: Bool = true) -> [UInt8]
    {
        let box = box ?? ResampleBox(width: width, height: height)
        // Pillow's `need_horizontal` / `need_vertical` in ImagingResample.
        let horizontal = outWidth != width || box.left != 0 || box.right != Double(width)
        let vertical = outHeight != height || box.top != 0 || box.bottom != Double(height)
        if !horizontal && !vertical { return pixels }
        let alpha = bands == 4 && premultipliesAlpha
        var image = alpha ? premultiplied(pixels) : pixels
        var w = width
        if horizontal {
            let win = windows(filter, inSize: width, outSize: outWidth, start: box.left, end: box.right)
            var out = [UInt8](repeating: 0, count: outWidth * height * bands)
            for y in 0..<height {
                for x in 0..<outWidth {
                    for c in 0..<bands {
                        var sum = 0.0
                        for (j, k) in win[x].1.enumerated() {
                            sum += Double(image[(y * width + win[x].0 + j) * bands + c]) * k
                        }
                        out[(y * outWidth + x) * bands + c] = clip8(sum)
                    }
                }
            }
            image = out
            w = outWidth
        }
        if vertical {
            let win = windows(filter, inSize: height, outSize: outHeight, start: box.top, end: box.bottom)
            var out = [UInt8](repeating: 0, count: w * outHeight * bands)
            for y in 0..<outHeight {
                for i in 0..<(w * bands) {
                    var sum = 0.0
                    for (j, k) in win[y].1.enumerated() {
                        sum += Double(image[(win[y].0 + j) * w * bands + i]) * k
                    }
                    out[y * w * bands + i] = clip8(sum)
                }
            }
            image = out
        }
        return alpha ? unpremultiplied(image) : image
    }

    static func premultiplied(_ rgba: [UInt8]) -> [UInt8] {
        var out = rgba
        for p in stride(from: 0, to: rgba.count, by: 4) {
            let a = Int(rgba[p + 3])
            for c in 0..<3 {
                let t = Int(rgba[p + c]) * a + 128
                out[p + c] = UInt8(((t >> 8) + t) >> 8)
            }
        }
        return out
    }

    static func unpremultiplied(_ rgba: [UInt8]) -> [UInt8] {
        var out = rgba
        for p in stride(from: 0, to: rgba.count, by: 4) {
            let a = Int(rgba[p + 3])
            guard a != 0 && a != 255 else { continue }
            for c in 0..<3 { out[p + c] = UInt8(Swift.min(255, 255 * Int(rgba[p + c]) / a)) }
        }
        return out
    }
}
