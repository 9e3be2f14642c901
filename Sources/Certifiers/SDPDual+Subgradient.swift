import LinearAlgebra

extension SDPDual {
    /// A subgradient of the dual function d at the multipliers whose inner maximiser is
    /// `P̂ = V̂V̂ᵀ` (V̂ over [constant; centred x]), over (a, b, e):
    ///
    /// ```
    /// ∂d/∂θ = ∂const/∂θ + Σ_c H(v̂_0c, r ⊙ v̂_c + v̂_0c m)
    /// ```
    /// with H(v0, w) the derivative of the uncentred Lagrangian's quadratic form `v0 gᵀw + wᵀQw`
    /// at one column of the lifted factor,
    /// computed for all columns at once: with `Ω = diag(r) V̂_{1:} + m v̂_0ᵀ` and `D_k = W_k Ω_{k−1}`,
    /// `∂_a = Ω v̂_0`, `∂_b = Ω v̂_0 − D v̂_0 − bias`, `∂_e = rowsum(Ω ⊙ Ω) − bias ⊙ Ω v̂_0 − rowsum(Ω ⊙ D)`.
    ///
    /// - Complexity: one `gemm` per layer (`W_k` times the factor's columns).
    func subgradient(factor v: Matrix<Double>) throws -> [Double] {
        let p = problem, n = p.size, r = v.columns
        let v0 = Array(v.elements[0..<r])
        var omega = [Double](repeating: 0, count: n * r)
        for i in 0..<n {
            let scale = p.scale[i], center = p.center[i], base = i * r, row = (i + 1) * r
            for c in 0..<r { omega[base + c] = scale * v.elements[row + c] + v0[c] * center }
        }
        var gradient = [Double](repeating: 0, count: 3 * n)
        for i in 0..<n {
            var a = 0.0, e = 0.0
            for c in 0..<r {
                let x = omega[i * r + c]
                a += v0[c] * x
                e += x * x
            }
            gradient[i] = a
            gradient[n + i] = a
            gradient[2 * n + i] = e
        }
        for k in 1..<max(p.layerCount, 1) {
            let previous = p.block(k - 1), current = p.block(k), bias = p.biases[k - 1]
            // The constant's own dependence: −bias on b.
            for (t, i) in current.enumerated() { gradient[n + i] -= bias[t] }
            guard !previous.isEmpty, !current.isEmpty else { continue }
            let below = try Matrix(rows: previous.count, columns: r, elements: Array(omega[(previous.lowerBound * r)..<(previous.upperBound * r)]))
            let down = try p.weights[k - 1].multiplied(by: below)
            for (t, i) in current.enumerated() {
                var vd = 0.0, vw = 0.0, wd = 0.0
                for c in 0..<r {
                    let d = down.elements[t * r + c], x = omega[i * r + c]
                    vd += v0[c] * d
                    vw += v0[c] * x
                    wd += x * d
                }
                gradient[n + i] -= vd
                gradient[2 * n + i] -= bias[t] * vw + wd
            }
        }
        return gradient
    }
}
