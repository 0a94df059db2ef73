/// A point operation: every sample is replaced by `levels[band][sample]`, one 256-entry table
/// per band. Brightness, contrast, gamma, autocontrast, equalize and invert are all built as a
/// `PointMap` and differ only in how they fill the tables.
///
/// Applying a map picks the fastest form that reproduces the tables exactly, checked over all
/// 256 levels of every band before any pixel is touched:
/// - ``PointForm/copy`` for the identity and ``PointForm/xor`` for maps of the form
///   `v ^ c` (invert), a load, one `pxor` and a store per 16 samples;
/// - ``AffinePointForm``: `clamp(floor((u·K/256 + C) / 2^b))` with `u = v` or `255 − v`, plus
///   up to 8 corrected levels, 16 samples in about 12 SSE2 instructions (~1 memcpy; ~1.5 with
///   corrections), used when some `K`, `C`, `b` reproduce the tables (brightness and contrast
///   at ordinary factors, autocontrast);
/// - ``PairTableForm``: two samples per lookup in 64 K-entry tables (gamma, equalize; ~2.5
///   memcpys);
/// - ``ByteTableForm``: one lookup per sample, for images too small to pay for the pair tables.
///
/// Measured on a 7680×4320 RGB frame, one thread: memcpy 9 ms, affine 9 ms (14 ms with three
/// corrected levels), pair tables 24 ms, xor 9 ms.
struct PointMap: Sendable {
    let bands: Int
    /// `levels[band * 256 + v]`.
    let levels: [UInt8]

    init(bands: Int, levels: [UInt8]) {
        precondition(levels.count == bands * 256)
        self.bands = bands
        self.levels = levels
    }

    /// The same table for every colour band; on 4 bands alpha is kept.
    init(bands: Int, colour table: [UInt8]) {
        precondition(table.count == 256)
        var levels: [UInt8] = []
        levels.reserveCapacity(bands * 256)
        for band in 0..<bands {
            levels += bands == 4 && band == 3 ? PointMap.identityTable : table
        }
        self.init(bands: bands, levels: levels)
    }

    /// One table per colour band (`tables.count == min(bands, 3)`); on 4 bands alpha is kept.
    init(bands: Int, colourTables tables: [[UInt8]]) {
        precondition(tables.count == Swift.min(bands, 3) && tables.allSatisfy { $0.count == 256 })
        self.init(bands: bands, levels: Array((tables + (bands == 4 ? [PointMap.identityTable] : [])).joined()))
    }

    /// The map that changes nothing (applied, a copy).
    static func identity(bands: Int) -> PointMap {
        PointMap(bands: bands, colour: identityTable)
    }

    static let identityTable: [UInt8] = (0..<256).map { UInt8($0) }

    func table(_ band: Int) -> ArraySlice<UInt8> { levels[(band * 256)..<(band * 256 + 256)] }

    var isIdentity: Bool {
        (0..<bands).allSatisfy { table($0).elementsEqual(PointMap.identityTable) }
    }

    /// Maps `src` into `dst` (same layout; may be the same memory) on up to `threads` threads.
    func apply(_ src: ImageView, into dst: MutableImageView, threads: Int) {
        precondition(src.bands == bands && dst.bands == bands)
        precondition(src.width == dst.width && src.height == dst.height)
        let form = PointForm(self, sampleCount: src.width * src.height * bands)
        RowBands.run(rows: src.height, threads: threads) { rows in
            for y in rows {
                form.map(src.row(y), into: dst.row(y), count: src.width * bands)
            }
        }
    }
}

/// The ways ``PointMap`` can be applied, each exact for the map it was chosen for.
enum PointForm {
    case copy
    case xor(XorPointForm)
    case affine(AffinePointForm)
    case pairTables(PairTableForm)
    case byteTable(ByteTableForm)

    /// Pair tables cost ~0.1 ms to build per distinct pair of bands; below this many samples
    /// one lookup per sample is cheaper overall.
    static let pairTableMinimumSamples = 1 << 18
    /// Searching for an exact affine form takes up to ~0.3 ms, with corrections up to ~1 ms;
    /// smaller images skip them.
    static let affineMinimumSamples = 1 << 12
    static let correctedAffineMinimumSamples = 1 << 20

    init(_ map: PointMap, sampleCount: Int) {
        if map.isIdentity {
            self = .copy
        } else if let form = XorPointForm(map) {
            self = .xor(form)
        } else if sampleCount >= PointForm.affineMinimumSamples,
                  let form = AffinePointForm(map, allowsCorrections: sampleCount >= PointForm.correctedAffineMinimumSamples) {
            self = .affine(form)
        } else if sampleCount >= PointForm.pairTableMinimumSamples {
            self = .pairTables(PairTableForm(map))
        } else {
            self = .byteTable(ByteTableForm(map))
        }
    }

    /// Maps `count` samples of one row (starting at band 0); `src` may equal `dst`.
    func map(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        switch self {
        case .copy:
            if UnsafePointer(dst) != src { dst.update(from: src, count: count) }
        case .xor(let form): form.map(src, into: dst, count: count)
        case .affine(let form): form.map(src, into: dst, count: count)
        case .pairTables(let form): form.map(src, into: dst, count: count)
        case .byteTable(let form): form.map(src, into: dst, count: count)
        }
    }
}

/// Tables of the form `v ^ c` per band: identity (`c = 0`) and invert (`c = 255`).
struct XorPointForm {
    /// The constants for 48 consecutive samples (48 is a multiple of 1, 3 and 4 bands).
    private let masks: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let bandMasks: [UInt8]

    init?(_ map: PointMap) {
        var bandMasks: [UInt8] = []
        for band in 0..<map.bands {
            let table = map.table(band)
            let c = table[table.startIndex]
            guard (0..<256).allSatisfy({ table[table.startIndex + $0] == UInt8($0) ^ c }) else { return nil }
            bandMasks.append(c)
        }
        var lanes = [UInt8](repeating: 0, count: 48)
        for i in 0..<48 { lanes[i] = bandMasks[i % map.bands] }
        func vector(_ offset: Int) -> SIMD16<UInt8> {
            SIMD16<UInt8>((0..<16).map { lanes[offset + $0] })
        }
        self.masks = (vector(0), vector(16), vector(32))
        self.bandMasks = bandMasks
    }

    func map(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 48 <= count {
            let a = TonalSIMD.bytes(from, at: i)
            let b = TonalSIMD.bytes(from, at: i &+ 16)
            let c = TonalSIMD.bytes(from, at: i &+ 32)
            TonalSIMD.store(a ^ masks.0, to: to, at: i)
            TonalSIMD.store(b ^ masks.1, to: to, at: i &+ 16)
            TonalSIMD.store(c ^ masks.2, to: to, at: i &+ 32)
            i &+= 48
        }
        let bands = bandMasks.count
        while i < count {
            dst[i] = src[i] ^ bandMasks[i % bands]
            i &+= 1
        }
    }
}

/// One lookup per sample; also the scalar tail of the other forms.
struct ByteTableForm {
    let bands: Int
    let levels: [UInt8]

    init(_ map: PointMap) {
        self.bands = map.bands
        self.levels = map.levels
    }

    func map(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        levels.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            switch bands {
            case 1:
                for i in 0..<count { dst[i] = t[Int(src[i])] }
            default:
                var band = 0
                for i in 0..<count {
                    dst[i] = t[band &* 256 &+ Int(src[i])]
                    band &+= 1
                    if band == bands { band = 0 }
                }
            }
        }
    }

    /// Maps samples `start ..< count` of a row, `start` being any offset.
    func mapTail(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                 from start: Int, count: Int) {
        levels.withUnsafeBufferPointer { table in
            for i in start..<count { dst[i] = table[(i % bands) &* 256 &+ Int(src[i])] }
        }
    }
}
