import Foundation
import LinearAlgebra

/// Grad-cert's inner bounds, remembered per (first-layer weights, output weights, label, target,
/// solver settings) for the life of the process.
///
/// The inner maximum `max ⟨M, P⟩` depends on the weights and the class pair only, never on the
/// point, so certifying many points of one network needs at most classes·(classes − 1) of them.
/// Keys hold the weights themselves (compared exactly), so a hit returns exactly what the
/// deterministic solver would recompute; the cache never changes a bound.
/// - Complexity: a lookup hashes and compares the two weight matrices, O(d·m + m·classes).
final class GradInnerBoundCache: @unchecked Sendable {
    struct Key: Hashable {
        let w: [Double]
        let v: [Double]
        let label: Int
        let target: Int
        let rank: Int
        let sweeps: Int
        let tolerance: Double
    }

    static let shared = GradInnerBoundCache()

    private var values: [Key: Double] = [:]
    private let lock = NSLock()
    /// At most this many entries (a full 10-class network needs 90); the cache is cleared beyond.
    private let capacity = 1000

    /// The cached bound for `key`, or `compute()` stored under it.
    func value(for key: Key, compute: () throws -> Double) rethrows -> Double {
        lock.lock()
        if let hit = values[key] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let value = try compute()
        lock.lock()
        if values.count >= capacity { values.removeAll() }
        values[key] = value
        lock.unlock()
        return value
    }
}
