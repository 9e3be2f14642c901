import LinearAlgebra

extension SDPDual {
    /// `H(v0, w) = ∂/∂(a, b, e, d) of [v0 gᵀw + wᵀQw]`, flat as [a, b, e, d]: the derivative of
    /// the uncentred Lagrangian's quadratic form at one column (v0, w) of the lifted factor.
    ///
    /// - Complexity: one pass through the weights.
    func bilinear(v0: Double, w: [Double]) throws -> [Double] {
        let p = problem, n = p.size
        var ga = [Double](repeating: 0, count: n), gb = ga, ge = ga, gd = ga
        for i in 0..<n {
            ga[i] = v0 * w[i]
            gb[i] = v0 * w[i]
            ge[i] = w[i] * w[i]
            gd[i] = v0 * (p.lower[i] + p.upper[i]) * w[i] - w[i] * w[i]
        }
        for k in 1..<max(p.layerCount, 1) {
            let down = try p.weights[k - 1].apply(Array(w[p.block(k - 1)]))
            let bias = p.biases[k - 1]
            for (t, i) in p.block(k).enumerated() {
                gb[i] -= v0 * down[t]
                ge[i] -= v0 * bias[t] * w[i] + w[i] * down[t]
            }
        }
        return ga + gb + ge + gd
    }

    /// A subgradient of the dual function d at the multipliers whose inner maximiser is
    /// `P̂ = V̂V̂ᵀ` (V̂ over [constant; centred x]), over (a, b, e):
    ///
    /// ```
    /// ∂d/∂θ = ∂const/∂θ + Σ_c H(v̂_0c, r ⊙ v̂_c + v̂_0c m)
    /// ```
    /// - Complexity: `V̂.columns` passes through the weights.
    func subgradient(factor v: Matrix<Double>) throws -> [Double] {
        let p = problem, n = p.size
        var gradient = [Double](repeating: 0, count: 3 * n)
        for c in 0..<v.columns {
            let v0 = v[0, c]
            let w = (0..<n).map { p.scale[$0] * v[$0 + 1, c] + v0 * p.center[$0] }
            let h = try bilinear(v0: v0, w: w)
            for t in 0..<(3 * n) { gradient[t] += h[t] }
        }
        // The constant's own dependence: −bias on b.
        for k in 1..<max(p.layerCount, 1) {
            for (t, i) in p.block(k).enumerated() { gradient[n + i] -= p.biases[k - 1][t] }
        }
        return gradient
    }
}
