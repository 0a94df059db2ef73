/// The quarter-turn copy of ``rotate(_:by:into:threads:)``: output pixel `(x, y)` is the source
/// pixel at `origin + x·rowStep + y·columnStep`, i.e. output rows run along source columns.
///
/// Output rows are walked in tiles of `tileRows` × `tileColumns` pixels, so that the source
/// rows a tile reads (one per output column) and the output rows it writes both stay in L1/L2.
/// Inside a tile:
/// - 4 bands: 4×4 pixel blocks, four 16-byte loads transposed with `punpck{l,h}dq` and
///   `punpck{l,h}qdq`, four 16-byte stores;
/// - 1 band: 8×8 byte blocks, eight 8-byte loads transposed with `punpcklbw`, `punpck{l,h}wd`,
///   `punpck{l,h}dq`, eight 8-byte stores;
/// - 3 bands: per output row, eight pixels read as 4-byte words from eight source rows and
///   packed with shifts into three 8-byte stores. The fourth byte of a word belongs to the
///   next source pixel, so the output row that reads the source's very last pixel is copied
///   byte by byte instead (it is the only word that would read past the image).
/// When `columnStep` is negative, a block's loads hold its output rows in reverse order and
/// are stored to the mirrored rows. Leftover rows and columns of a tile go pixel by pixel.
struct Transposition {
    let origin: UnsafePointer<UInt8>
    /// Bytes from the source of output column `x` to that of `x + 1` (± source row bytes).
    let rowStep: Int
    /// Bytes from the source of output row `y` to that of `y + 1` (± bands).
    let columnStep: Int
    let dst: MutableImageView
    let bands: Int
    /// The output row whose last 4-byte word would read one byte past the source (3 bands).
    let unsafeRow: Int

    static let tileRows = 64
    static let tileColumns = 128

    init(_ src: ImageView, turn: QuarterTurn, into dst: MutableImageView) {
        precondition(turn != .halfTurn)
        let bands = src.bands
        self.dst = dst
        self.bands = bands
        if turn == .counterClockwise90 {
            // (x, y) ← source (column w − 1 − y, row x).
            origin = src.base + (src.width - 1) * bands
            rowStep = src.rowBytes
            columnStep = -bands
            unsafeRow = 0
        } else {
            // (x, y) ← source (column y, row h − 1 − x).
            origin = src.base + (src.height - 1) * src.rowBytes
            rowStep = -src.rowBytes
            columnStep = bands
            unsafeRow = dst.height - 1
        }
    }

    func run(_ rows: Range<Int>) {
        var y0 = rows.lowerBound
        while y0 < rows.upperBound {
            let y1 = Swift.min(y0 &+ Self.tileRows, rows.upperBound)
            var x0 = 0
            while x0 < dst.width {
                let x1 = Swift.min(x0 &+ Self.tileColumns, dst.width)
                switch bands {
                case 4: tile4(y0..<y1, x0..<x1)
                case 1: tile1(y0..<y1, x0..<x1)
                case 3: tile3(y0..<y1, x0..<x1)
                default: copyPixels(y0..<y1, x0..<x1)
                }
                x0 = x1
            }
            y0 = y1
        }
    }

    /// Pixel by pixel, for leftovers and any band count.
    @inline(never)
    private func copyPixels(_ ys: Range<Int>, _ xs: Range<Int>) {
        guard !ys.isEmpty && !xs.isEmpty else { return }
        for y in ys {
            let out = dst.row(y)
            let column = origin + y &* columnStep
            for x in xs {
                let p = column + x &* rowStep
                let o = out + x &* bands
                for c in 0..<bands { o[c] = p[c] }
            }
        }
    }

    private func tile4(_ ys: Range<Int>, _ xs: Range<Int>) {
        let yEnd = ys.lowerBound &+ (ys.count & ~3), xEnd = xs.lowerBound &+ (xs.count & ~3)
        let forward = columnStep > 0
        var y = ys.lowerBound
        while y < yEnd {
            // Lane j of a load is output row y + j (forward) or y + 3 − j (backward).
            let column = UnsafeRawPointer(origin + (forward ? y : y &+ 3) &* columnStep)
            let r0 = UnsafeMutableRawPointer(dst.row(forward ? y : y &+ 3))
            let r1 = UnsafeMutableRawPointer(dst.row(forward ? y &+ 1 : y &+ 2))
            let r2 = UnsafeMutableRawPointer(dst.row(forward ? y &+ 2 : y &+ 1))
            let r3 = UnsafeMutableRawPointer(dst.row(forward ? y &+ 3 : y))
            var x = xs.lowerBound
            while x < xEnd {
                let p = column + x &* rowStep
                let a = p.loadVector(SIMD4<UInt32>.self)
                let b = p.loadVector(SIMD4<UInt32>.self, at: rowStep)
                let c = p.loadVector(SIMD4<UInt32>.self, at: 2 &* rowStep)
                let d = p.loadVector(SIMD4<UInt32>.self, at: 3 &* rowStep)
                let ab0 = SIMD4(a[0], b[0], a[1], b[1]), ab1 = SIMD4(a[2], b[2], a[3], b[3])
                let cd0 = SIMD4(c[0], d[0], c[1], d[1]), cd1 = SIMD4(c[2], d[2], c[3], d[3])
                let offset = 4 &* x
                r0.storeVector(SIMD4(ab0[0], ab0[1], cd0[0], cd0[1]), at: offset)
                r1.storeVector(SIMD4(ab0[2], ab0[3], cd0[2], cd0[3]), at: offset)
                r2.storeVector(SIMD4(ab1[0], ab1[1], cd1[0], cd1[1]), at: offset)
                r3.storeVector(SIMD4(ab1[2], ab1[3], cd1[2], cd1[3]), at: offset)
                x &+= 4
            }
            y &+= 4
        }
        copyPixels(ys.lowerBound..<yEnd, xEnd..<xs.upperBound)
        copyPixels(yEnd..<ys.upperBound, xs)
    }

    private func tile1(_ ys: Range<Int>, _ xs: Range<Int>) {
        let yEnd = ys.lowerBound &+ (ys.count & ~7), xEnd = xs.lowerBound &+ (xs.count & ~7)
        let forward = columnStep > 0
        var y = ys.lowerBound
        while y < yEnd {
            let column = UnsafeRawPointer(origin + (forward ? y : y &+ 7) &* columnStep)
            var rows = (dst.row(y), dst.row(y &+ 1), dst.row(y &+ 2), dst.row(y &+ 3),
                        dst.row(y &+ 4), dst.row(y &+ 5), dst.row(y &+ 6), dst.row(y &+ 7))
            if !forward {
                rows = (rows.7, rows.6, rows.5, rows.4, rows.3, rows.2, rows.1, rows.0)
            }
            var x = xs.lowerBound
            while x < xEnd {
                let p = column + x &* rowStep
                func row(_ i: Int) -> SIMD16<UInt8> {
                    unsafeBitCast(SIMD2<UInt64>(p.loadUnaligned(fromByteOffset: i &* rowStep, as: UInt64.self), 0),
                                  to: SIMD16<UInt8>.self)
                }
                // Bytes (row i, column j): pairs of rows, then quads, then eights.
                let s01 = interleavedLow(row(0), row(1)), s23 = interleavedLow(row(2), row(3))
                let s45 = interleavedLow(row(4), row(5)), s67 = interleavedLow(row(6), row(7))
                let q0 = interleaved16Low(s01, s23), q1 = interleaved16High(s01, s23)
                let q2 = interleaved16Low(s45, s67), q3 = interleaved16High(s45, s67)
                let e0 = interleaved32Low(q0, q2), e1 = interleaved32High(q0, q2)
                let e2 = interleaved32Low(q1, q3), e3 = interleaved32High(q1, q3)
                store8(e0, rows.0, rows.1, x)
                store8(e1, rows.2, rows.3, x)
                store8(e2, rows.4, rows.5, x)
                store8(e3, rows.6, rows.7, x)
                x &+= 8
            }
            y &+= 8
        }
        copyPixels(ys.lowerBound..<yEnd, xEnd..<xs.upperBound)
        copyPixels(yEnd..<ys.upperBound, xs)
    }

    @inline(__always)
    private func store8(_ v: SIMD16<UInt8>, _ a: UnsafeMutablePointer<UInt8>,
                        _ b: UnsafeMutablePointer<UInt8>, _ x: Int) {
        let q = unsafeBitCast(v, to: SIMD2<UInt64>.self)
        UnsafeMutableRawPointer(a).storeBytes(of: q[0], toByteOffset: x, as: UInt64.self)
        UnsafeMutableRawPointer(b).storeBytes(of: q[1], toByteOffset: x, as: UInt64.self)
    }

    private func tile3(_ ys: Range<Int>, _ xs: Range<Int>) {
        let xEnd = xs.lowerBound &+ (xs.count & ~7)
        let mask: UInt64 = 0xFF_FFFF
        for y in ys {
            if y == unsafeRow {
                copyPixels(y..<(y &+ 1), xs)
                continue
            }
            let column = UnsafeRawPointer(origin + y &* columnStep)
            let out = UnsafeMutableRawPointer(dst.row(y))
            var x = xs.lowerBound
            while x < xEnd {
                let p = column + x &* rowStep
                func pixel(_ i: Int) -> UInt64 {
                    UInt64(p.loadUnaligned(fromByteOffset: i &* rowStep, as: UInt32.self))
                }
                let p0 = pixel(0), p1 = pixel(1), p2 = pixel(2), p3 = pixel(3)
                let p4 = pixel(4), p5 = pixel(5), p6 = pixel(6), p7 = pixel(7)
                // Bytes: w0 = p0 p1 p2.rg, w1 = p2.b p3 p4 p5.r, w2 = p5.gb p6 p7.
                let w0 = (p0 & mask) | (p1 & mask) &<< 24 | p2 &<< 48
                let w1 = (p2 &>> 16 & 0xFF) | (p3 & mask) &<< 8 | (p4 & mask) &<< 32 | p5 &<< 56
                let w2 = (p5 &>> 8 & 0xFFFF) | (p6 & mask) &<< 16 | p7 &<< 40
                let o = 3 &* x
                out.storeBytes(of: w0, toByteOffset: o, as: UInt64.self)
                out.storeBytes(of: w1, toByteOffset: o &+ 8, as: UInt64.self)
                out.storeBytes(of: w2, toByteOffset: o &+ 16, as: UInt64.self)
                x &+= 8
            }
            copyPixels(y..<(y &+ 1), xEnd..<xs.upperBound)
        }
    }
}

/// `punpcklwd`: 16-bit lanes `a0 b0 a1 b1 a2 b2 a3 b3`.
@inline(__always)
func interleaved16Low(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(a, to: SIMD8<UInt16>.self), y = unsafeBitCast(b, to: SIMD8<UInt16>.self)
    return unsafeBitCast(SIMD8(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3]), to: SIMD16<UInt8>.self)
}

/// `punpckhwd`: 16-bit lanes `a4 b4 a5 b5 a6 b6 a7 b7`.
@inline(__always)
func interleaved16High(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(a, to: SIMD8<UInt16>.self), y = unsafeBitCast(b, to: SIMD8<UInt16>.self)
    return unsafeBitCast(SIMD8(x[4], y[4], x[5], y[5], x[6], y[6], x[7], y[7]), to: SIMD16<UInt8>.self)
}

/// `punpckldq`: 32-bit lanes `a0 b0 a1 b1`.
@inline(__always)
func interleaved32Low(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(a, to: SIMD4<UInt32>.self), y = unsafeBitCast(b, to: SIMD4<UInt32>.self)
    return unsafeBitCast(SIMD4(x[0], y[0], x[1], y[1]), to: SIMD16<UInt8>.self)
}

/// `punpckhdq`: 32-bit lanes `a2 b2 a3 b3`.
@inline(__always)
func interleaved32High(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(a, to: SIMD4<UInt32>.self), y = unsafeBitCast(b, to: SIMD4<UInt32>.self)
    return unsafeBitCast(SIMD4(x[2], y[2], x[3], y[3]), to: SIMD16<UInt8>.self)
}
