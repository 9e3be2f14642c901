import LinearAlgebra

/// The ReLU and its derivative mask over a buffer, written so that the loops vectorise.
///
/// (Over raw pointers, the entries read into locals and the zero hoisted, the select becomes one
/// `maxps` / compare-and-mask per vector once specialised; written `x < 0 ? 0 : x`, or over SIMD
/// types of a generic scalar, it stays a scalar loop of compares and conditional stores.)
enum ReLUKernels {
    /// `x ← (x < 0 ? 0 : x)` entrywise: NaN and −0 stay as they are.
    ///
    /// - Complexity: O(count).
    @inline(__always)
    static func apply<Scalar: BLASScalar>(_ x: UnsafeMutableBufferPointer<Scalar>) {
        guard let p = x.baseAddress else { return }
        let zero = Scalar.zero
        for i in 0..<x.count {
            let v = p[i]
            p[i] = zero > v ? zero : v
        }
    }

    /// `g ← (x > 0 ? g : 0)` entrywise: back-propagation through a ReLU whose output is `x`.
    ///
    /// - Complexity: O(count).
    @inline(__always)
    static func mask<Scalar: BLASScalar>(_ g: UnsafeMutableBufferPointer<Scalar>, by x: UnsafeBufferPointer<Scalar>) {
        precondition(g.count == x.count, "ReLU mask: \(g.count) gradients for \(x.count) activations")
        guard let gp = g.baseAddress, let xp = x.baseAddress else { return }
        let zero = Scalar.zero
        for i in 0..<g.count {
            let gi = gp[i], xi = xp[i]
            gp[i] = xi > zero ? gi : zero
        }
    }
}
