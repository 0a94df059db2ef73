import Foundation
import FoveaKernels
import FoveaProtocol

/// What a job's killed workers are counted against.
enum PoisonKey: Hashable, Sendable {
    /// Decoding these bytes (the image handle): a hostile file is refused for every call.
    case image(String)
    /// One call on an image (its handle, and the plan on the pixels it read): an expensive or
    /// crashing call is refused, other calls on the same image (shared by every rollout) go on.
    case call(image: String, source: PixelLayout, plan: ImagePlan)
}

/// Inputs that killed workers, by ``PoisonKey``. An input that killed ``threshold`` workers is
/// refused on sight (SPEC §4).
final class PoisonList: @unchecked Sendable {
    static let threshold = 2
    private let lock = NSLock()
    private var deathsByKey: [PoisonKey: Int] = [:]

    func recordDeath(for key: PoisonKey) {
        lock.lock()
        deathsByKey[key, default: 0] += 1
        lock.unlock()
    }

    func deaths(for key: PoisonKey) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return deathsByKey[key]
    }

    var poisonedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return deathsByKey.values.filter { $0 >= Self.threshold }.count
    }
}
