/// Tiny files that declare absurd dimensions: a few hundred bytes that would decode to
/// gigabytes. Fovea must refuse them from the header.
enum ForgedImages {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func littleEndian24(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF)]
    }

    /// A PNG whose IHDR (with a correct CRC) declares `width` × `height` RGB.
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let ihdr = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        let idat = chunk("IDAT", [0x78, 0x9C] + Array(repeating: 0, count: 200))
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + idat + chunk("IEND", [])
    }

    /// A JPEG whose SOF0 declares `width` × `height` (at most 65535 each).
    static func jpeg(width: UInt16, height: UInt16) -> [UInt8] {
        let sof: [UInt8] = [0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF),
                            0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        return [0xFF, 0xD8] + sof + Array(repeating: 0, count: 300) + [0xFF, 0xD9]
    }

    /// A WebP (VP8X) whose canvas is `width` × `height` (24-bit fields).
    static func webp(width: UInt32, height: UInt32) -> [UInt8] {
        let vp8x = Array("VP8X".utf8) + [10, 0, 0, 0] + [0, 0, 0, 0] + littleEndian24(width - 1) + littleEndian24(height - 1)
        let body = Array("WEBP".utf8) + vp8x + Array(repeating: 0, count: 100)
        let size = UInt32(body.count)
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8((size >> 8) & 0xFF), UInt8((size >> 16) & 0xFF), UInt8(size >> 24)] + body
    }
}
