import Synchronization

/// Per-band histograms of an 8-bit image, as Pillow's `Image.histogram()` returns them:
/// `counts[band * 256 + level]` is the number of pixels whose sample in `band` is `level`.
///
/// Each row band counts into its own tables, which are then added together: integer sums, so
/// the result is the same for any number of threads.
struct BandHistograms: Equatable, Sendable {
    let bands: Int
    var counts: [Int]

    init(bands: Int) {
        self.bands = bands
        counts = [Int](repeating: 0, count: bands * 256)
    }

    /// The 256 counts of `band`.
    func band(_ band: Int) -> ArraySlice<Int> { counts[(band * 256)..<(band * 256 + 256)] }

    /// Counts every sample of `view` on up to `threads` threads.
    init(_ view: ImageView, threads: Int) {
        let bands = view.bands
        let total = Mutex(BandHistograms(bands: bands))
        RowBands.run(rows: view.height, threads: threads) { rows in
            let partial = BandHistograms.count(view, rows: rows)
            total.withLock { sum in
                for i in 0..<sum.counts.count { sum.counts[i] += partial.counts[i] }
            }
        }
        self = total.withLock { $0 }
    }

    /// Counts rows `rows` of `view` into UInt32 tables, two per band so that runs of equal
    /// samples (common in images) do not serialise on one counter; flushed into Int counts
    /// before any UInt32 could overflow.
    private static func count(_ view: ImageView, rows: Range<Int>) -> BandHistograms {
        let bands = view.bands, width = view.width
        var result = BandHistograms(bands: bands)
        let tables = UnsafeMutablePointer<UInt32>.allocate(capacity: 2 * bands * 256)
        defer { tables.deallocate() }
        tables.initialize(repeating: 0, count: 2 * bands * 256)
        func flush() {
            for band in 0..<bands {
                for level in 0..<256 {
                    result.counts[band * 256 + level] += Int(tables[band * 256 + level])
                        + Int(tables[(bands + band) * 256 + level])
                }
            }
            tables.update(repeating: 0, count: 2 * bands * 256)
        }
        let rowsPerFlush = Swift.max(1, Int(UInt32.max / 2) / width)
        var pending = 0
        for y in rows {
            let row = view.row(y)
            let a = tables, b = tables + bands * 256
            var x = 0
            switch bands {
            case 1:
                while x &+ 2 <= width {
                    a[Int(row[x])] &+= 1
                    b[Int(row[x &+ 1])] &+= 1
                    x &+= 2
                }
                if x < width { a[Int(row[x])] &+= 1 }
            case 3:
                var p = row
                while x &+ 2 <= width {
                    a[Int(p[0])] &+= 1; a[256 &+ Int(p[1])] &+= 1; a[512 &+ Int(p[2])] &+= 1
                    b[Int(p[3])] &+= 1; b[256 &+ Int(p[4])] &+= 1; b[512 &+ Int(p[5])] &+= 1
                    p += 6
                    x &+= 2
                }
                if x < width { a[Int(p[0])] &+= 1; a[256 &+ Int(p[1])] &+= 1; a[512 &+ Int(p[2])] &+= 1 }
            default:
                var p = row
                while x < width {
                    let t = (x & 1) == 0 ? a : b
                    for c in 0..<bands { t[c &* 256 &+ Int(p[c])] &+= 1 }
                    p += bands
                    x &+= 1
                }
            }
            pending += 1
            if pending == rowsPerFlush {
                flush()
                pending = 0
            }
        }
        flush()
        return result
    }
}

/// An integer total that row bands add their partial sums to.
final class PartialSums: Sendable {
    private let total = Mutex(0)
    func add(_ value: Int) { total.withLock { $0 += value } }
    var value: Int { total.withLock { $0 } }
}
