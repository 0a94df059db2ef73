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
            let grey = UnsafeMutablePointer<UInt8>.allocate(capacity: width * bands)
            defer {
                luma.deallocate()
                grey.deallocate()
            }
            for y in rows {
                let row = src.row(y)
                Luma.convertRow(row, bands: bands, into: luma, pixels: width)
                if bands == 3 {
                    for x in 0..<width {
                        let l = luma[x]
                        grey[3 &* x] = l; grey[3 &* x &+ 1] = l; grey[3 &* x &+ 2] = l
                    }
                } else {
                    for x in 0..<width {
                        let l = luma[x]
                        grey[4 &* x] = l; grey[4 &* x &+ 1] = l; grey[4 &* x &+ 2] = l
                        grey[4 &* x &+ 3] = row[4 &* x &+ 3]
                    }
                }
                blend.blendRow(degenerate: grey, image: row, into: dst.row(y), count: width * bands)
            }
        }
    }
}
