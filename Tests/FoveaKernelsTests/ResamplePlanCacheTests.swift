import Testing
@testable import FoveaKernels

/// Resizes of the same sizes share one plan (``ResamplePlanCache``): the same plan object for
/// the same key, another for any difference in it, the least recently used one evicted; and a
/// resize through a cached plan gives the bytes a freshly planned one gives.
@Suite struct ResamplePlanCacheTests {
    static func key(_ outWidth: Int, filter: ResampleFilter = .bicubic, box: ResampleBox? = nil) -> ResamplePlanCache.Key {
        ResamplePlanCache.Key(filter: filter, bands: 3, inWidth: 100, inHeight: 80, outWidth: outWidth, outHeight: 60,
                              box: box ?? ResampleBox(width: 100, height: 80))
    }

    static func make(_ key: ResamplePlanCache.Key, counting builds: inout Int) -> ResamplePlan {
        builds += 1
        return ResamplePlan(key)
    }

    @Test func theSameKeyGivesTheSamePlanAndAnyDifferenceAnother() {
        let cache = ResamplePlanCache(capacity: 8)
        var builds = 0
        let first = cache.plan(for: Self.key(70)) { Self.make(Self.key(70), counting: &builds) }
        let again = cache.plan(for: Self.key(70)) { Self.make(Self.key(70), counting: &builds) }
        #expect(first === again && builds == 1)
        let others = [Self.key(71), Self.key(70, filter: .lanczos3),
                      Self.key(70, box: ResampleBox(left: 0.25, top: 0, right: 100, bottom: 80)),
                      ResamplePlanCache.Key(filter: .bicubic, bands: 4, inWidth: 100, inHeight: 80, outWidth: 70, outHeight: 60,
                                            box: ResampleBox(width: 100, height: 80))]
        for key in others {
            let plan = cache.plan(for: key) { Self.make(key, counting: &builds) }
            #expect(plan !== first, "\(key)")
        }
        #expect(builds == 5 && cache.count == 5)
    }

    @Test func theLeastRecentlyUsedPlanGoesFirst() {
        let cache = ResamplePlanCache(capacity: 2)
        var builds = 0
        let a = cache.plan(for: Self.key(10)) { Self.make(Self.key(10), counting: &builds) }
        _ = cache.plan(for: Self.key(20)) { Self.make(Self.key(20), counting: &builds) }
        #expect(cache.plan(for: Self.key(10)) { Self.make(Self.key(10), counting: &builds) } === a)  // 10 used last
        _ = cache.plan(for: Self.key(30)) { Self.make(Self.key(30), counting: &builds) }  // evicts 20
        #expect(builds == 3 && cache.count == 2)
        #expect(cache.plan(for: Self.key(10)) { Self.make(Self.key(10), counting: &builds) } === a)
        _ = cache.plan(for: Self.key(20)) { Self.make(Self.key(20), counting: &builds) }
        #expect(builds == 4)
    }

    @Test func resizesThroughCachedPlansGiveTheBytesOfFreshOnes() {
        // Sizes no other test uses, so the first resize of each builds its plan here.
        let pixels = TestImages.pixels(.noise, width: 331, height: 217, bands: 3, seed: 11)
        let source = TestImages.buffer(pixels, width: 331, height: 217, bands: 3)
        let boxes: [ResampleBox?] = [nil, ResampleBox(left: 3.5, top: 2.25, right: 300, bottom: 200.5)]
        var first: [[UInt8]] = []
        // Two filters and two boxes of one size, one after another, then all again: a plan
        // taken for another filter or box would change the bytes.
        for round in 0..<2 {
            var index = 0
            for filter in [ResampleFilter.bicubic, .lanczos3] {
                for box in boxes {
                    for threads in [1, 2] {
                        let out = resample(source.view, width: 173, height: 101, filter: filter, box: box, threads: threads)
                        let bytes = (0..<101).flatMap { Array(UnsafeBufferPointer(start: out.view.row($0), count: 173 * 3)) }
                        if round == 0 && threads == 1 { first.append(bytes) }
                        #expect(bytes == first[index], "\(filter) box \(String(describing: box)) threads \(threads) round \(round)")
                        if threads == 2 { index += 1 }
                    }
                }
            }
        }
        // Different filters and boxes do give different bytes, so the comparison above can fail.
        #expect(Set(first).count == first.count)
    }
}
