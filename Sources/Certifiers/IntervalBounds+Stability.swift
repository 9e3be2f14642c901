import LinearAlgebra
import Networks

/// How the hidden ReLUs of a network behave over an ℓ∞ ball, by interval bounds (eq. 8):
/// a unit is *active* when ℓ̂ ≥ 0, *inactive* when û ≤ 0 and *unstable* (it may switch linear
/// region) otherwise. Paper 1 (§6) explains LP-cert's looseness by this count: 20 % of LP-NN's
/// hidden units switch on a typical input, 75 % of Grad-NN's.
///
/// For one hidden layer the bounds are exact, so "unstable" is exactly "can switch"; deeper, the
/// interval bounds over-count.
public struct ReLUStability: Sendable, Equatable {
    /// Per hidden layer: units counted over all points.
    public var active: [Int], inactive: [Int], unstable: [Int]
    /// Points counted.
    public var points: Int

    /// No points yet, for a network with these hidden layer sizes.
    public init(hiddenLayers: Int) {
        active = [Int](repeating: 0, count: hiddenLayers)
        inactive = active
        unstable = active
        points = 0
    }

    /// Adds one point's bounds.
    public mutating func add(_ bounds: IntervalBounds<Double>) {
        for k in active.indices {
            for (l, u) in zip(bounds.preLower[k], bounds.preUpper[k]) {
                if l >= 0 { active[k] += 1 } else if u <= 0 { inactive[k] += 1 } else { unstable[k] += 1 }
            }
        }
        points += 1
    }

    /// The fraction of unstable units in layer k (over all points).
    public func unstableFraction(layer k: Int) -> Double {
        let total = active[k] + inactive[k] + unstable[k]
        return total == 0 ? 0 : Double(unstable[k]) / Double(total)
    }

    /// The fraction of unstable units over every hidden layer.
    public var unstableFraction: Double {
        let total = active.reduce(0, +) + inactive.reduce(0, +) + unstable.reduce(0, +)
        return total == 0 ? 0 : Double(unstable.reduce(0, +)) / Double(total)
    }
}
