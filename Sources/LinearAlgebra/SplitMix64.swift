/// The SplitMix64 generator (Steele, Lea, Flood 2014): the harness's one source of seeded
/// randomness for choosing points, identical on every machine.
///
/// ```
/// state ← state + 0x9E3779B97F4A7C15
/// z ← (state ⊕ (state ≫ 30)) · 0xBF58476D1CE4E5B9
/// z ← (z ⊕ (z ≫ 27)) · 0x94D049BB133111EB
/// next = z ⊕ (z ≫ 31)                      (all arithmetic mod 2⁶⁴)
/// ```
/// `scripts/sample_points.py` reproduces it in Python.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose first state is the seed itself.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<n` by rejection (no modulo bias).
    ///
    /// ```
    /// t = (2⁶⁴ − n) mod n;  draw r until r ≥ t;  return r mod n
    /// ```
    public mutating func uniform(below n: Int) -> Int {
        precondition(n > 0, "uniform(below:) needs a positive bound")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound
        while true {
            let r = next()
            if r >= threshold { return Int(r % bound) }
        }
    }
}

extension SplitMix64 {
    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal deviate (Box–Muller on two `unitInterval` draws).
    public mutating func normal() -> Double {
        let u1 = 1 - unitInterval()  // (0, 1]
        let u2 = unitInterval()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
    }

    /// A fresh generator for the `index`-th independent stream derived from this seed
    /// (e.g. one per restart or per epoch), so streams do not depend on how much the others drew.
    public static func stream(seed: UInt64, index: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}
