import FoveaCodec
import FoveaKernels

/// Synthetic test images: smooth gradients with edges and a little texture, so codecs and
/// resamplers see photo-like content, generated the same way every run.
enum TestImages {
    static func pixels(width: Int, height: Int, bands: Int, seed: UInt32 = 1) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: bands)
        var state = seed &* 2_654_435_761 | 1
        for y in 0..<height {
            let row = buffer.mutableView.row(y)
            for x in 0..<width {
                state ^= state << 13; state ^= state >> 17; state ^= state << 5
                let noise = Int(state & 7)
                let edge = ((x / 97) + (y / 61)) % 2 == 0 ? 40 : 0
                for b in 0..<bands {
                    let value: Int
                    switch b {
                    case 0: value = x * 200 / width + edge + noise
                    case 1: value = y * 200 / height + noise
                    case 2: value = (x + y) * 120 / (width + height) + 60 - edge / 2 + noise
                    default: value = 255 - (x % 256) / 4
                    }
                    row[x * bands + b] = UInt8(clamping: value)
                }
            }
        }
        return buffer
    }

    /// The hard case for resampling tolerances: a white page of dark 1-pixel glyph strokes
    /// (random 5×7 bit cells, 14-pixel lines) crossed by thin rules every 97 pixels.
    static func textLike(width: Int, height: Int, seed: UInt32 = 1) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: 3)
        var state = seed &* 2_654_435_761 | 1
        func next() -> UInt32 {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return state
        }
        for y in 0..<height {
            let row = buffer.mutableView.row(y)
            for x in 0..<width * 3 { row[x] = 255 }
        }
        for lineTop in stride(from: 3, to: height - 9, by: 14) {
            for cellLeft in stride(from: 2, to: width - 6, by: 6) {
                let bits = next(), ink = next()
                let colour: [UInt8] = [UInt8(ink & 0x7F), UInt8((ink >> 8) & 0x3F), UInt8((ink >> 16) & 0x9F)]
                for bit in 0..<32 where bits & (1 << bit) != 0 {
                    let x = cellLeft + bit % 5, y = lineTop + bit / 5
                    let row = buffer.mutableView.row(y)
                    for b in 0..<3 { row[x * 3 + b] = colour[b] }
                }
            }
        }
        for y in 0..<height {
            let row = buffer.mutableView.row(y)
            for x in stride(from: 0, to: width, by: 97) { for b in 0..<3 { row[x * 3 + b] = 0 } }
        }
        return buffer
    }

    static func encoded(width: Int, height: Int, bands: Int = 3, format: EncodeFormat, quality: Int? = nil,
                        seed: UInt32 = 1) throws -> (pixels: PixelBuffer, bytes: [UInt8]) {
        try Codec.initialize()
        let pixels = pixels(width: width, height: height, bands: bands, seed: seed)
        return (pixels, try Codec.encode(pixels.view, format: format, quality: quality).array)
    }
}
