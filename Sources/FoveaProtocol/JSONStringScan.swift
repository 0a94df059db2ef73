/// Finds the bytes a JSON string cannot hold as they are: `"`, `\` and controls below 0x20.
/// Base64 image data makes most of a tools/call line one long string, so the parser and the
/// writer skip such runs 8 bytes at a time.
enum JSONStringScan {
    /// The offset of the first special byte of `bytes` at or after `start`, or `bytes.count`.
    @inline(__always)
    static func firstSpecial(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var at = start
        if let base = bytes.baseAddress {
            // Eight bytes at a time with integer bit tricks (Swift's SIMD masks are scalarised
            // on Linux): a word holds a special byte iff one of these has its high bit set.
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while at &+ 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let below20 = (word &- ones &* 0x20) & ~word
                let isQuote = (quote &- ones) & ~quote, isBackslash = (backslash &- ones) & ~backslash
                if (below20 | isQuote | isBackslash) & highs != 0 { break }
                at &+= 8
            }
        }
        while at < bytes.count {
            let byte = bytes[at]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return at }
            at &+= 1
        }
        return at
    }
}
