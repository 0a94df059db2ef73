import Synchronization

/// The last few resample plans a process built, by everything a plan is made from, so that
/// resizes of the same sizes share one: the tiles of a grid, the bands of a banded job (each
/// resamples some rows of one output), zooms on boxes of one size. Building a plan (Pillow's
/// windows and weights for both axes, the VBMI pass's runs) costs ≈ 0.1–0.2 ms for a
/// 1000×750 → 992×736 zoom, about 2% of a warm zoom's CPU.
///
/// A plan holds its weights: ≈ 0.1 MB for the zoom above, a few MB for the largest outputs, so
/// the cache stays small (8 plans).
///
/// A plan is immutable once built (its two `var`s are for tests, which build their own), so
/// threads share one freely; its content depends only on the key and on the instructions the
/// process chose once (``ResampleInstructions/fastest``).
final class ResamplePlanCache: Sendable {
    struct Key: Hashable {
        var filter: ResampleFilter
        var bands: Int
        var inWidth: Int, inHeight: Int
        var outWidth: Int, outHeight: Int
        var box: ResampleBox
    }

    /// The process's cache.
    static let shared = ResamplePlanCache(capacity: 8)

    let capacity: Int
    /// Most recently used last.
    private let entries = Mutex<[(key: Key, plan: ResamplePlan)]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The plan for `key`: a cached one, or one built now by `make` (outside the lock, so a
    /// slow build never holds up other threads) and cached.
    func plan(for key: Key, make: () -> ResamplePlan) -> ResamplePlan {
        let cached = entries.withLock { entries -> ResamplePlan? in
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.plan
        }
        if let cached { return cached }
        let plan = make()
        entries.withLock { entries in
            guard !entries.contains(where: { $0.key == key }) else { return }
            if entries.count == capacity { entries.removeFirst() }
            entries.append((key, plan))
        }
        return plan
    }

    /// Plans held now.
    var count: Int { entries.withLock { $0.count } }
}

extension ResamplePlan {
    /// The plan `key` describes (`threads` > 1 only computes the two axes concurrently).
    convenience init(_ key: ResamplePlanCache.Key, threads: Int = 1) {
        self.init(filter: key.filter, bands: key.bands, inWidth: key.inWidth, inHeight: key.inHeight,
                  outWidth: key.outWidth, outHeight: key.outHeight, box: key.box, threads: threads)
    }
}
