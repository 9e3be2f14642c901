import LinearAlgebra

/// Adam's per-step constants (bias corrections folded into the rate and ε).
struct AdamConstants<Scalar: BLASScalar> {
    let b1, b2, rate, eps: Scalar
}

/// One Adam update over a range of one tensor, the gradient summed from its parts on the fly.
///
/// ```
/// g = Σ_c w_c g_c;  m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  p ← p − rate · m / (√v + eps)
/// ```
struct AdamKernel<Scalar: BLASScalar>: @unchecked Sendable {
    // Pointers into arrays the caller holds open; disjoint ranges may run concurrently.
    let p, m, v: UnsafeMutablePointer<Scalar>
    let g: [UnsafePointer<Scalar>]
    let w: [Scalar]
    let constants: AdamConstants<Scalar>

    @inline(__always)
    private func gradient(_ i: Int) -> Scalar {
        var s = w[0] * g[0][i]
        for c in 1..<max(1, g.count) { s += w[c] * g[c][i] }
        return s
    }

    func run(_ range: Range<Int>) {
        let (b1, b2, rate, eps) = (constants.b1, constants.b2, constants.rate, constants.eps)
        let a1 = 1 - b1, a2 = 1 - b2
        // Eight lanes at a time (the scalar loop does not vectorise by itself).
        typealias V = SIMD8<Scalar>
        let (vb1, va1, vb2, va2) = (V(repeating: b1), V(repeating: a1), V(repeating: b2), V(repeating: a2))
        let (vrate, veps) = (V(repeating: rate), V(repeating: eps))
        let vw = w.map { V(repeating: $0) }
        let end = range.lowerBound + (range.count - range.count % 8)
        var i = range.lowerBound
        while i < end {
            var gi = vw[0] * UnsafeRawPointer(g[0] + i).loadUnaligned(as: V.self)
            for c in 1..<max(1, g.count) { gi += vw[c] * UnsafeRawPointer(g[c] + i).loadUnaligned(as: V.self) }
            let mi = vb1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + va1 * gi
            let vi = vb2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + va2 * gi * gi
            let pi = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - vrate * mi / (vi.squareRoot() + veps)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pi, as: V.self)
            i += 8
        }
        for i in end..<range.upperBound {
            let gi = gradient(i)
            let mi = b1 * m[i] + a1 * gi
            let vi = b2 * v[i] + a2 * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= rate * mi / (vi.squareRoot() + eps)
        }
    }
}
