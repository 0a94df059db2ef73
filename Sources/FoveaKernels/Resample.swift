/// Resizes `src` to the size of `dst` as Pillow's `Image.resize(size, filter)` does.
///
/// What it does (Pillow's `ImagingResample`): each output pixel is a weighted sum of the source
/// pixels under the filter, centred on the output pixel's centre; when shrinking, the filter is
/// stretched by the scale factor, so every source pixel contributes (antialiasing). Horizontal
/// pass first, its result clamped to 0…255, then the vertical pass. Filters: Pillow's `BOX`,
/// `BILINEAR`, `BICUBIC` (a = −0.5) and `LANCZOS` (3 lobes).
/// - Edges: windows are clipped to the image and their weights renormalised; no pixel outside
///   the image is invented.
/// - Alpha: 4 bands are RGBA and are resized premultiplied, exactly as Pillow does (RGBA → RGBa
///   with `c·a/255` rounded, resize, RGBa → RGBA with `255·c/a` clamped); see
///   ``AlphaPremultiplication``. 1 and 3 bands have no alpha.
/// - Sizes: any, including 1×1 sources and outputs and odd sizes; an axis whose size does not
///   change is copied, and an unchanged size is a plain copy.
/// - Precision: within one level of Pillow's result, proven per resize for every upscale and
///   downscales up to 16× (``ResamplePlan/worstCaseError``), and observed beyond. Weights are
///   Int16 fixed point (Pillow: 22 bits in Int32) and samples between the passes keep 1/64 of
///   a level where Pillow rounds them; on photos 78–89% of samples equal Pillow's exactly.
///
/// Both views keep their strides. Rows are split into `threads` bands; the result is
/// byte-identical for every thread count.
///
/// ```swift
/// let out = PixelBuffer(width: 1920, height: 1080, bands: 3)
/// resample(frame.view, into: out.mutableView, filter: .lanczos3, threads: 2)
/// ```
///
/// `box` maps only that part of `src` onto `dst` (Pillow's `resize(size, filter, box)`), with
/// fractional edges; windows still read the pixels around it that lie in `src`.
public func resample(_ src: ImageView, into dst: MutableImageView, filter: ResampleFilter,
                     box: ResampleBox? = nil, threads: Int = 1) {
    resample(src, into: dst, filter: filter, box: box, threads: threads, premultipliesAlpha: true)
}

/// Only output rows `rows` of the resize of `src` to `dst.width` × `height`, written to `dst`
/// (`rows.count` rows tall): byte for byte those rows of the whole resize, with the whole
/// resize's weights. They read only the source rows ``resampleSourceRows(_:inHeight:outHeight:filter:box:)``
/// names — and up to three rows past them, whose values nothing uses — so a band can be made
/// while the rows below it are still being decoded.
public func resample(_ src: ImageView, into dst: MutableImageView, rows: Range<Int>, ofHeight height: Int,
                     filter: ResampleFilter, box: ResampleBox? = nil, threads: Int = 1) {
    precondition(rows.lowerBound >= 0 && rows.upperBound <= height && rows.count == dst.height,
                 "resample: rows \(rows) of \(height) do not fit a destination of \(dst.height) rows")
    resample(src, into: dst, filter: filter, box: box, rows: rows, height: height, threads: threads,
             premultipliesAlpha: true)
}

/// The source rows that output rows `rows` of a resize from `inHeight` to `outHeight` rows read
/// (Pillow's windows; `box` as in ``resample(_:into:filter:box:threads:)``).
public func resampleSourceRows(_ rows: Range<Int>, inHeight: Int, outHeight: Int, filter: ResampleFilter,
                               box: ResampleBox? = nil) -> Range<Int> {
    guard !rows.isEmpty else { return 0..<0 }
    let top = box?.top ?? 0, bottom = box?.bottom ?? Double(inHeight)
    if inHeight == outHeight && top == 0 && bottom == Double(inHeight) { return rows }
    let taps = ResampleTaps(filter: filter, inSize: inHeight, outSize: outHeight, start: top, end: bottom)
    let first = rows.map { taps.starts[$0] }.min()!
    let end = rows.map { taps.starts[$0] + taps.counts[$0] }.max()!
    return first..<end
}

/// `premultipliesAlpha: false` resizes 4 bands as 4 independent channels; `horizontal` and
/// `vertical` choose each pass's instructions (tests compare them, and must ask only for
/// ``ResampleInstructions/available`` ones); `passes` leaves one pass out, for benchmarks only.
func resample(_ src: ImageView, into dst: MutableImageView, filter: ResampleFilter, box: ResampleBox? = nil,
              threads: Int, premultipliesAlpha: Bool, horizontal: ResampleInstructions = .fastest,
              vertical: ResampleInstructions = .fastest, passes: ResampleBenchmarking.Passes = .both) {
    resample(src, into: dst, filter: filter, box: box, rows: 0..<dst.height, height: dst.height, threads: threads,
             premultipliesAlpha: premultipliesAlpha, horizontal: horizontal, vertical: vertical, passes: passes)
}

/// Output rows `rows` of the `dst.width` × `height` resize, into `dst`'s rows from 0.
private func resample(_ src: ImageView, into dst: MutableImageView, filter: ResampleFilter, box: ResampleBox?,
                      rows: Range<Int>, height: Int, threads: Int, premultipliesAlpha: Bool,
                      horizontal: ResampleInstructions = .fastest, vertical: ResampleInstructions = .fastest,
                      passes: ResampleBenchmarking.Passes = .both) {
    precondition(src.bands == dst.bands,
                 "resample: source has \(src.bands) bands, destination \(dst.bands)")
    precondition(PixelLayout.supportedBands.contains(src.bands),
                 "resample: \(src.bands) bands; supported are 1, 3 and 4")
    let box = box ?? ResampleBox(width: src.width, height: src.height)
    precondition(box.left >= 0 && box.top >= 0 && box.right <= Double(src.width) && box.bottom <= Double(src.height)
                    && box.right > box.left && box.bottom > box.top,
                 "resample: box \(box) is not inside the \(src.width)×\(src.height) source")
    if box.keepsColumns(inWidth: src.width, outWidth: dst.width) && box.keepsRows(inHeight: src.height, outHeight: height) {
        copyRows(src.cropped(to: PixelRect(x: 0, y: rows.lowerBound, width: src.width, height: rows.count)), into: dst)
        return
    }
    let key = ResamplePlanCache.Key(filter: filter, bands: src.bands, inWidth: src.width, inHeight: src.height,
                                    outWidth: dst.width, outHeight: height, box: box)
    let plan = ResamplePlanCache.shared.plan(for: key) { ResamplePlan(key, threads: threads) }
    RowBands.run(rows: rows.count, threads: threads) { band in
        ResampleBand(plan: plan, src: src, dst: dst, firstRow: rows.lowerBound,
                     premultipliesAlpha: premultipliesAlpha && src.bands == 4, horizontalInstructions: horizontal,
                     verticalInstructions: vertical, passes: passes)
            .run((band.lowerBound + rows.lowerBound)..<(band.upperBound + rows.lowerBound))
    }
}

/// A new packed `width` × `height` buffer holding `src` resized as ``resample(_:into:filter:threads:)``
/// does.
public func resample(_ src: ImageView, width: Int, height: Int, filter: ResampleFilter,
                     box: ResampleBox? = nil, threads: Int = 1) -> PixelBuffer {
    let out = PixelBuffer(width: width, height: height, bands: src.bands)
    resample(src, into: out.mutableView, filter: filter, box: box, threads: threads)
    return out
}

private func copyRows(_ src: ImageView, into dst: MutableImageView) {
    let length = src.width * src.bands
    for y in 0..<src.height { dst.row(y).update(from: src.row(y), count: length) }
}

/// The part of a source a resize maps onto its output, in source pixels, edges possibly
/// fractional: Pillow's `box` (left, top, right, bottom).
public struct ResampleBox: Sendable, Hashable, CustomStringConvertible {
    public var left: Double, top: Double, right: Double, bottom: Double

    public init(left: Double, top: Double, right: Double, bottom: Double) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    /// The whole of a `width` × `height` source.
    public init(width: Int, height: Int) {
        self.init(left: 0, top: 0, right: Double(width), bottom: Double(height))
    }

    /// Whether the horizontal pass is the identity (Pillow then skips it).
    func keepsColumns(inWidth: Int, outWidth: Int) -> Bool {
        inWidth == outWidth && left == 0 && right == Double(inWidth)
    }

    /// Whether the vertical pass is the identity.
    func keepsRows(inHeight: Int, outHeight: Int) -> Bool {
        inHeight == outHeight && top == 0 && bottom == Double(inHeight)
    }

    public var description: String { "[\(left), \(top), \(right), \(bottom)]" }
}

/// One band of output rows: the horizontal pass fills a ring of intermediate rows just ahead of
/// the vertical pass, so a band recomputes the few source rows it shares with its neighbour
/// instead of reading theirs.
private struct ResampleBand {
    let plan: ResamplePlan
    let src: ImageView
    let dst: MutableImageView
    /// The output row `dst`'s first row holds.
    let firstRow: Int
    let premultipliesAlpha: Bool
    let horizontalInstructions: ResampleInstructions
    let verticalInstructions: ResampleInstructions
    let passes: ResampleBenchmarking.Passes

    func run(_ rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let horizontal = HorizontalPass(plan: plan, instructions: horizontalInstructions)
        let vertical = VerticalPass(plan: plan, instructions: verticalInstructions)
        // Rows are produced four at a time, so three more than a window can be in flight.
        let capacity = plan.maxVerticalCount + 3
        let rowLength = horizontal.rowLength
        let ring = UnsafeMutablePointer<Int16>.allocate(capacity: capacity * rowLength)
        if passes == .verticalOnly { ring.initialize(repeating: 0, count: capacity * rowLength) }
        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: horizontal.scratchLength)
        scratch.initialize(repeating: 0, count: horizontal.scratchLength)
        // One premultiplied row for each of the four rows the horizontal pass takes at a time.
        let premultipliedLength = src.width * 4
        let premultiplied = premultipliesAlpha
            ? UnsafeMutablePointer<UInt8>.allocate(capacity: 4 * premultipliedLength) : nil
        let windowRows = UnsafeMutablePointer<UnsafePointer<Int16>>.allocate(capacity: capacity)
        let weightVectors = UnsafeMutablePointer<SIMD8<Int16>>.allocate(capacity: capacity)
        defer {
            weightVectors.deallocate()
            ring.deallocate()
            scratch.deallocate()
            premultiplied?.deallocate()
            windowRows.deallocate()
        }

        /// Row `y`'s pixels, premultiplied into buffer `buffer` (0…3) when they have alpha.
        func pixels(row y: Int, buffer: Int = 0) -> UnsafePointer<UInt8> {
            guard let premultiplied else { return src.row(y) }
            let out = premultiplied + buffer * premultipliedLength
            AlphaPremultiplication.premultiply(src.row(y), into: out, pixels: src.width)
            return UnsafePointer(out)
        }
        func slot(_ row: Int) -> UnsafeMutablePointer<Int16> { ring + (row % capacity) * rowLength }

        // Source rows 4m … 4m + 3 go through the horizontal pass together; missing rows past
        // the last fill slots no window reads. An unchanged width only widens rows.
        var next = plan.verticalStarts[rows.lowerBound] & ~3
        for y in rows {
            let first = plan.verticalStarts[y], count = plan.verticalCounts[y]
            if passes == .verticalOnly {
                next = first + count
            } else if plan.keepsColumns {
                next = max(next, first)
                while next < first + count {
                    horizontal.widen(pixels(row: next), into: slot(next))
                    next += 1
                }
            } else {
                while next < first + count {
                    let top = next
                    horizontal.filter(rows: Swift.min(4, plan.inHeight - top), { pixels(row: top + $0, buffer: $0) },
                                      scratch: scratch, into: HorizontalPass.FourRows(
                                        a: slot(top), b: slot(top + 1), c: slot(top + 2), d: slot(top + 3)))
                    next += 4
                }
            }
            if passes == .horizontalOnly { continue }
            for i in 0..<count { windowRows[i] = UnsafePointer(slot(first + i)) }
            vertical.filterRow(y, rows: windowRows, vectors: weightVectors, into: dst.row(y - firstRow))
            if premultipliesAlpha {
                AlphaPremultiplication.unpremultiply(dst.row(y - firstRow), pixels: dst.width)
            }
        }
    }
}
