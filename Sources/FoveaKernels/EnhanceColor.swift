extension Enhance {
    /// Pillow's `ImageEnhance.Color(image).enhance(factor)` (saturation): `Image.blend` of the
    /// image's grey version (`convert("L")` back to RGB, see ``Luma``) and `src`, so each colour
    /// sample becomes `clamp(floor(L + factor · (v − L)), 0, 255)` with Pillow's Float32
    /// rounding (``PillowBlend``). `factor` 0 is grey, 1 a copy, above 1 more saturated.
    /// 1 band is copied (Pillow's degenerate image is then the image itself).
    ///
    /// Alpha: kept. Pillow blends with `convert("LA").convert("RGBA")`, whose alpha is the
    /// image's, so alpha comes out unchanged; Fovea copies it.
    ///
    /// Per row: luma, the grey row, then the Float32 blend, 16 samples at a time. Bit-exact.
    public static func color(_ src: ImageView, factor: Double, into dst: MutableImageView,
                             threads: Int = 1) {
        check("color", src, dst)
        let blend = PillowBlend(factor: factor)
        if src.bands == 1 || blend.alpha == 1 {
            PointMap.identity(bands: src.bands).apply(src, into: dst, threads: threads)
            return
        }
        let bands = src.bands, width = src.width
        RowBands.run(rows: src.height, threads: threads) { rows in
            let luma = UnsafeMutablePointer<UInt8>.allocate(capacity: width)
            // One spare byte: the grey row is written four bytes per three.
            let grey = UnsafeMutablePointer<UInt8>.allocate(capacity: width * bands + 1)
            defer {
                luma.deallocate()
                grey.deallocate()
            }
            for y in rows {
                let row = src.row(y)
                Luma.convertRow(row, bands: bands, into: luma, pixels: width)
                greyRow(luma, alphaFrom: row, bands: bands, into: grey, pixels: width)
                blend.blendRow(degenerate: grey, image: row, into: dst.row(y), count: width * bands)
            }
        }
    }

    /// Pillow's `convert("L").convert("RGB")` (or `"LA"`, `"RGBA"`) of a row from its luma:
    /// `L L L` per pixel, and `L L L A` with the source's alpha on 4 bands. RGB writes each
    /// pixel as one 4-byte store (`L · 0x010101`) that the next pixel overwrites by a byte, so
    /// `out` needs one spare byte.
    static func greyRow(_ luma: UnsafePointer<UInt8>, alphaFrom row: UnsafePointer<UInt8>, bands: Int,
                        into out: UnsafeMutablePointer<UInt8>, pixels: Int) {
        let o = UnsafeMutableRawPointer(out)
        if bands == 3 {
            for x in 0..<pixels {
                o.storeBytes(of: UInt32(luma[x]) &* 0x01_0101, toByteOffset: 3 &* x, as: UInt32.self)
            }
            return
        }
        // RGBA: L L L L per pixel from two rounds of zips, then the source's alpha byte.
        let r = UnsafeRawPointer(row), l = UnsafeRawPointer(luma)
        let alpha = SIMD16<UInt8>(0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255)
        var x = 0
        while x &+ 16 <= pixels {
            let v = TonalSIMD.bytes(l, at: x)
            let pairs = (unsafeBitCast(TonalSIMD.zipBytesLow(v, v), to: SIMD8<Int16>.self),
                         unsafeBitCast(TonalSIMD.zipBytesHigh(v, v), to: SIMD8<Int16>.self))
            @inline(__always)
            func put(_ quad: SIMD8<Int16>, _ k: Int) {
                let at = 4 &* x &+ 16 &* k
                let grey = unsafeBitCast(quad, to: SIMD16<UInt8>.self)
                TonalSIMD.store((grey & ~alpha) | (TonalSIMD.bytes(r, at: at) & alpha), to: o, at: at)
            }
            put(TonalSIMD.zipWordsLow(pairs.0, pairs.0), 0)
            put(TonalSIMD.zipWordsHigh(pairs.0, pairs.0), 1)
            put(TonalSIMD.zipWordsLow(pairs.1, pairs.1), 2)
            put(TonalSIMD.zipWordsHigh(pairs.1, pairs.1), 3)
            x &+= 16
        }
        while x < pixels {
            o.storeBytes(of: UInt32(luma[x]) &* 0x01_0101 | UInt32(row[4 &* x &+ 3]) << 24,
                         toByteOffset: 4 &* x, as: UInt32.self)
            x &+= 1
        }
    }
}
