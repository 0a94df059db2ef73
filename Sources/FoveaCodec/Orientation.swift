import FoveaKernels

/// EXIF orientation applied while rows are copied out of libvips.
///
/// Decode reads the stored image top to bottom in strips and writes each strip straight to its
/// oriented place in the caller's buffer, so orienting costs no second full-size image (the
/// alternative, `vips_autorot` on a sequential load, has to buffer the whole image to turn it).
/// Tests check the result against `vips_autorot` for all eight tags.
///
/// A stored pixel (x, y) of a W×H image lands at:
///
/// | tag | meaning | output size | destination |
/// |---|---|---|---|
/// | 1 | as stored | W×H | (x, y) |
/// | 2 | mirrored left-right | W×H | (W-1-x, y) |
/// | 3 | turned 180° | W×H | (W-1-x, H-1-y) |
/// | 4 | mirrored top-bottom | W×H | (x, H-1-y) |
/// | 5 | transposed | H×W | (y, x) |
/// | 6 | turned 90° clockwise | H×W | (H-1-y, x) |
/// | 7 | transversed | H×W | (H-1-y, W-1-x) |
/// | 8 | turned 90° anticlockwise | H×W | (y, W-1-x) |
struct Orientation: Equatable {
    /// The EXIF tag, 1...8 (anything else is treated as 1).
    let tag: Int

    init(tag: Int) { self.tag = (1...8).contains(tag) ? tag : 1 }

    /// Whether width and height swap (tags 5–8).
    var swapsAxes: Bool { tag >= 5 }
    private var mirrorsX: Bool { tag == 2 || tag == 3 || tag == 7 || tag == 8 }  // x → W-1-x
    private var mirrorsY: Bool { tag == 3 || tag == 4 || tag == 6 || tag == 7 }  // y → H-1-y

    /// The output size of a stored `width` × `height` image.
    func orientedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        swapsAxes ? (height, width) : (width, height)
    }

    /// Writes stored rows `y0 ..< y0 + rows` (all `storedWidth` pixels, `bands` samples each,
    /// `sourceStride` bytes apart) to their oriented places in `out`.
    func write(strip source: UnsafePointer<UInt8>, sourceStride: Int, y0: Int, rows: Int,
               storedWidth: Int, storedHeight: Int, into out: MutableImageView) {
        let bands = out.bands
        let rowLength = storedWidth * bands
        if !swapsAxes {
            for r in 0..<rows {
                let y = y0 + r
                let src = source + r * sourceStride
                let dst = out.row(mirrorsY ? storedHeight - 1 - y : y)
                if mirrorsX {
                    Self.copyReversed(src, dst, pixels: storedWidth, bands: bands)
                } else {
                    dst.update(from: src, count: rowLength)
                }
            }
            return
        }
        // Stored row y becomes output column y (or H-1-y); stored column x becomes output row
        // x (or W-1-x). Each output row gets `rows` pixels from this strip, contiguous.
        let firstColumn = mirrorsY ? storedHeight - y0 - rows : y0
        for x in 0..<storedWidth {
            let dst = out.row(mirrorsX ? storedWidth - 1 - x : x) + firstColumn * bands
            let src = source + x * bands
            switch bands {
            case 1: Self.gather(UInt8.self, src, sourceStride, dst, rows, reversed: mirrorsY)
            case 3: Self.gather3(src, sourceStride, dst, rows, reversed: mirrorsY)
            case 4: Self.gather(UInt32.self, src, sourceStride, dst, rows, reversed: mirrorsY)
            default: Self.gatherAny(src, sourceStride, dst, rows, bands: bands, reversed: mirrorsY)
            }
        }
    }

    private static func copyReversed(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>,
                                     pixels: Int, bands: Int) {
        for x in 0..<pixels {
            let s = src + x * bands
            let d = dst + (pixels - 1 - x) * bands
            for b in 0..<bands { d[b] = s[b] }
        }
    }

    /// Copies one `T`-sized pixel from each of `rows` source rows into consecutive output
    /// pixels (last row first when `reversed`).
    @inline(__always)
    private static func gather<T>(_: T.Type, _ src: UnsafePointer<UInt8>, _ stride: Int,
                                  _ dst: UnsafeMutablePointer<UInt8>, _ rows: Int, reversed: Bool) {
        let size = MemoryLayout<T>.size
        var out = UnsafeMutableRawPointer(reversed ? dst + (rows - 1) * size : dst)
        let step = reversed ? -size : size
        var s = UnsafeRawPointer(src)
        for _ in 0..<rows {
            out.storeBytes(of: s.loadUnaligned(as: T.self), as: T.self)
            s += stride
            out += step
        }
    }

    @inline(__always)
    private static func gather3(_ src: UnsafePointer<UInt8>, _ stride: Int,
                                _ dst: UnsafeMutablePointer<UInt8>, _ rows: Int, reversed: Bool) {
        var out = reversed ? dst + (rows - 1) * 3 : dst
        let step = reversed ? -3 : 3
        var s = src
        for _ in 0..<rows {
            // A 2-byte and a 1-byte move: no write past the pixel.
            UnsafeMutableRawPointer(out).storeBytes(of: UnsafeRawPointer(s).loadUnaligned(as: UInt16.self), as: UInt16.self)
            out[2] = s[2]
            s += stride
            out += step
        }
    }

    private static func gatherAny(_ src: UnsafePointer<UInt8>, _ stride: Int,
                                  _ dst: UnsafeMutablePointer<UInt8>, _ rows: Int, bands: Int,
                                  reversed: Bool) {
        for r in 0..<rows {
            let s = src + r * stride
            let d = dst + (reversed ? rows - 1 - r : r) * bands
            for b in 0..<bands { d[b] = s[b] }
        }
    }

    /// The output rows that are final once stored rows `0 ..< storedRowsDone` are written.
    func finishedRows(storedRowsDone: Int, storedHeight: Int, outputHeight: Int) -> Range<Int> {
        if swapsAxes { return storedRowsDone == storedHeight ? 0..<outputHeight : 0..<0 }
        return mirrorsY ? (storedHeight - storedRowsDone)..<storedHeight : 0..<storedRowsDone
    }
}
