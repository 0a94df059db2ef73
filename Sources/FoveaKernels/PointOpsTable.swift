/// A point map applied two samples per lookup: 64 K-entry UInt16 tables indexed by a pair of
/// adjacent samples, giving both mapped samples at once. Rows are read as three UInt64 words
/// (24 samples, a multiple of 1, 3 and 4 bands), each split into four pairs.
///
/// Which bands a pair holds depends on its position: on RGB the pairs cycle through (R, G),
/// (B, R), (G, B), so up to three tables (384 KB, within L2) are built; pairs whose bands have
/// the same table share one. There is no byte shuffle in baseline x86-64 (SSE2) to do this in
/// vector registers, so this form runs at about two memcpys of the same image.
struct PairTableForm: @unchecked Sendable {
    /// `phaseCount` tables of 65536 entries, one after another.
    private let storage: UnsafeMutablePointer<UInt16>
    private let owner: Storage
    /// Table offset (in entries) of each of the 12 pairs of a 24-sample block.
    private let offsets: [Int]
    private let tail: ByteTableForm

    private final class Storage {
        let pointer: UnsafeMutablePointer<UInt16>
        init(count: Int) { pointer = .allocate(capacity: count) }
        deinit { pointer.deallocate() }
    }

    init(_ map: PointMap) {
        let bands = map.bands
        // Pair j of a block starts at sample 2j: bands (2j) % bands and (2j + 1) % bands.
        var distinct: [[Int]] = []
        var tableOfPair: [Int] = []
        for j in 0..<12 {
            let key = [(2 * j) % bands, (2 * j + 1) % bands]
            let same = distinct.firstIndex {
                map.table($0[0]).elementsEqual(map.table(key[0]))
                    && map.table($0[1]).elementsEqual(map.table(key[1]))
            }
            if let same {
                tableOfPair.append(same)
            } else {
                tableOfPair.append(distinct.count)
                distinct.append(key)
            }
        }
        let owner = Storage(count: distinct.count * 65536)
        let storage = owner.pointer
        map.levels.withUnsafeBufferPointer { levels in
            for (t, key) in distinct.enumerated() {
                let first = levels.baseAddress! + key[0] * 256
                let second = levels.baseAddress! + key[1] * 256
                let table = storage + t * 65536
                for high in 0..<256 {
                    let h = UInt16(second[high]) << 8
                    let row = table + high * 256
                    for low in 0..<256 { row[low] = h | UInt16(first[low]) }
                }
            }
        }
        self.owner = owner
        self.storage = storage
        offsets = tableOfPair.map { $0 * 65536 }
        tail = ByteTableForm(map)
    }

    func map(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        let t = storage
        let (o0, o1, o2, o3) = (offsets[0], offsets[1], offsets[2], offsets[3])
        let (o4, o5, o6, o7) = (offsets[4], offsets[5], offsets[6], offsets[7])
        let (o8, o9, o10, o11) = (offsets[8], offsets[9], offsets[10], offsets[11])
        @inline(__always)
        func four(_ w: UInt64, _ a: Int, _ b: Int, _ c: Int, _ d: Int) -> UInt64 {
            UInt64(t[a &+ Int(truncatingIfNeeded: w & 0xFFFF)])
                | UInt64(t[b &+ Int(truncatingIfNeeded: (w &>> 16) & 0xFFFF)]) &<< 16
                | UInt64(t[c &+ Int(truncatingIfNeeded: (w &>> 32) & 0xFFFF)]) &<< 32
                | UInt64(t[d &+ Int(truncatingIfNeeded: w &>> 48)]) &<< 48
        }
        var i = 0
        while i &+ 24 <= count {
            let w0 = from.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w1 = from.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            let w2 = from.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)
            to.storeBytes(of: four(w0, o0, o1, o2, o3), toByteOffset: i, as: UInt64.self)
            to.storeBytes(of: four(w1, o4, o5, o6, o7), toByteOffset: i &+ 8, as: UInt64.self)
            to.storeBytes(of: four(w2, o8, o9, o10, o11), toByteOffset: i &+ 16, as: UInt64.self)
            i &+= 24
        }
        if i < count { tail.mapTail(src, into: dst, from: i, count: count) }
    }
}
