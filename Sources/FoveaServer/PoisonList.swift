import Foundation

/// Inputs that killed workers, by input key (the image handle). An input that killed
/// ``threshold`` workers is refused on sight (SPEC §4).
final class PoisonList: @unchecked Sendable {
    static let threshold = 2
    private let lock = NSLock()
    private var deathsByKey: [String: Int] = [:]

    func recordDeath(for key: String) {
        lock.lock()
        deathsByKey[key, default: 0] += 1
        lock.unlock()
    }

    func deaths(for key: String) -> Int? {
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
