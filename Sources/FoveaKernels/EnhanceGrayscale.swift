extension Enhance {
    /// Pillow's `ImageOps.grayscale` (`image.convert("L")`): `dst` has 1 band holding
    /// `(19595·R + 38470·G + 7471·B + 0x8000) >> 16` (ITU-R 601-2 luma in Pillow's fixed point,
    /// see ``Luma``). 1 band is copied.
    ///
    /// Alpha: dropped, as Pillow's `convert("L")` drops it (the colour is not premultiplied, so
    /// a transparent pixel's hidden colour shows).
    ///
    /// Bit-exact. `dst` can be the same memory as `src` only for 1 band (it is then untouched);
    /// for 3 and 4 bands it must not overlap `src`.
    public static func grayscale(_ src: ImageView, into dst: MutableImageView, threads: Int = 1) {
        check("grayscale", src, dst, dstBands: 1, inPlace: src.bands == 1)
        RowBands.run(rows: src.height, threads: threads) { rows in
            for y in rows {
                if src.bands == 1 {
                    if UnsafePointer(dst.row(y)) != src.row(y) {
                        dst.row(y).update(from: src.row(y), count: src.width)
                    }
                } else {
                    Luma.convertRow(src.row(y), bands: src.bands, into: dst.row(y), pixels: src.width)
                }
            }
        }
    }
}
