import LinearAlgebra

extension OneLayerDual {
    /// A rigorous lower bound on the one-layer relaxation's optimum from multipliers `y ≥ 0` and a
    /// point `c = (x, z)` (e.g. the dual's own primal point `−M⁻¹ r`), without forming the dense slack:
    ///
    /// ```
    /// L(v; y) = ‖x − x̂‖² + Σ_m [−ν_m z_m + η_m (a_m − z_m) + π_m (z_m² − a_m z_m)] + μ (‖z − ẑ‖² − ρ²),  a = W x + b
    /// p* ≥ min_v L(v; y) = L(c; y) − eᵀ M⁻¹ e ≥ L(c; y) − ‖e‖² / m₀,    e = ½ ∇_v L(c; y),  M ⪰ m₀ I
    /// ```
    /// (L's Hessian is 2M, and `S(y, y_0) ⪰ 0` exactly when `M ⪰ 0` and `y_0 ≥ −min_v L`). In the
    /// coordinates centred at c the slack is block diagonal, `[L(c) + y_0, eᵀ; e, M]`, so the bound
    /// never meets the cancellation of the dense slack's corner `‖x̂‖² + μ ‖ẑ‖² + y_0` (at ρ = 0.01
    /// on the one-layer CNN ~10⁶, whose rounding alone is 10⁻⁶ against a needed 10⁻⁸).
    ///
    /// `M ⪰ m₀ I` is proved on the Schur complement of its diagonal block:
    /// `D − m₀ ≻ 0` (D = diag(π + μ)) and `Σ(m₀) = (1 − m₀) I − ¼ Wᵀ diag(π² / (D − m₀)) W ⪰ 0`,
    /// the latter by a Cholesky factorisation of `fl(Σ(m₀)) − τ I` (`choleskyMinimumEigenvalueBound`)
    /// with τ covering the forming error. `m₀` is chosen so that `‖e‖² / m₀` is at most
    /// `1e-3 · slack` (the caller's room for it); L and e carry their rounding error bounds
    /// (`γ_k = k u / (1 − k u)` times the sums of the terms' absolute values, and the rounding of
    /// `a` propagated). nil when `M ⪰ m₀ I` cannot be proved.
    ///
    /// - Complexity: one weighted Gram product and one Cholesky factorisation of order n_0, two
    ///   products with W and one with Wᵀ.
    func rigorousBound(_ y: [Double], x: [Double], z: [Double], slack: Double) throws -> Double? {
        let problem = lag.problem, n0 = lag.sizes[0], n = lag.sizes[1]
        guard y.count == 3 * n + 1, x.count == n0, z.count == n, y.allSatisfy({ $0 >= 0 && $0.isFinite }) else { return nil }
        let b = problem.biases[0], target = problem.target, center = problem.center, rho = problem.radius
        let mu = y[3 * n]
        let absoluteRows = lag.absoluteRowProducts(x)   // Σ_j |W_mj x_j| and nnz per row
        let wx = try product(x)
        // L(c; y) and Σ |terms|.
        var value = 0.0, magnitude = 0.0
        for j in 0..<n0 {
            let d = x[j] - center[j]
            value += d * d
            magnitude += d * d
        }
        var aError = [Double](repeating: 0, count: n), a = aError, propagated = 0.0
        for m in 0..<n {
            a[m] = wx[m] + b[m]
            aError[m] = roundingGamma(absoluteRows.count[m] + 2) * (absoluteRows.sum[m] + abs(b[m]))
            let nu = y[m], eta = y[n + m], pi = y[2 * n + m]
            let term = -nu * z[m] + eta * (a[m] - z[m]) + pi * (z[m] * z[m] - a[m] * z[m])
            value += term
            magnitude += nu * abs(z[m]) + eta * (abs(a[m]) + abs(z[m])) + pi * (z[m] * z[m] + abs(a[m] * z[m]))
            propagated += (eta + pi * abs(z[m])) * aError[m]
        }
        var ball = 0.0
        for m in 0..<n { ball += (z[m] - target[m]) * (z[m] - target[m]) }
        value += mu * (ball - rho * rho)
        magnitude += mu * (ball + rho * rho)
        let valueError = (roundingGamma(n0 + n + 16) * magnitude + propagated * (1 + roundingGamma(n0 + n + 16))) * (1 + 1e-6)
        // e = ½ ∇L: e_x = (x − x̂) + ½ Wᵀ (η − π ⊙ z),  e_z = ½ (−ν − η + π ⊙ (2z − a)) + μ (z − ẑ).
        let back = (0..<n).map { y[n + $0] - y[2 * n + $0] * z[$0] }
        let backMagnitude = (0..<n).map { y[n + $0] + y[2 * n + $0] * abs(z[$0]) }
        let wtBack = try transposedProduct(back)
        let (wtBackMagnitude, columnCount) = lag.absoluteColumnProducts(backMagnitude)
        var norm = 0.0, errorNorm = 0.0
        for j in 0..<n0 {
            let e = x[j] - center[j] + 0.5 * wtBack[j]
            let error = roundingGamma(columnCount[j] + 4) * (abs(x[j]) + abs(center[j]) + wtBackMagnitude[j])
            norm += e * e
            errorNorm += error * error
        }
        for m in 0..<n {
            let nu = y[m], eta = y[n + m], pi = y[2 * n + m]
            let e = 0.5 * (-nu - eta + pi * (2 * z[m] - a[m])) + mu * (z[m] - target[m])
            let error = roundingGamma(8) * (0.5 * (nu + eta + pi * (2 * abs(z[m]) + abs(a[m]))) + mu * (abs(z[m]) + abs(target[m])))
                + 0.5 * pi * aError[m]
            norm += e * e
            errorNorm += error * error
        }
        let eBound = (norm.squareRoot() * (1 + roundingGamma(n0 + n + 2)) + errorNorm.squareRoot() * (1 + roundingGamma(n0 + n + 2))) * (1 + 1e-12)
        let eSquared = eBound * eBound * (1 + 1e-12)
        // m₀ with ‖e‖² / m₀ ≤ 1e-3 slack (at least the smallest normal number).
        let room = max(1e-3 * slack, .leastNormalMagnitude)
        let m0 = max(eSquared / room, 1e-300)
        guard try provesMinimumEigenvalue(y, atLeast: m0) else { return nil }
        return value - valueError - eSquared / m0 * (1 + 1e-12)
    }

    /// Whether `M(y) ⪰ m₀ I`, proved through `D − m₀ ≻ 0` and `Σ(m₀) ⪰ 0` (see `rigorousBound`).
    ///
    /// `fl(Σ(m₀))`'s entries are sums over the neurons of `c_m W_mi W_mj` (`c_m = π_m² / (D_m − m₀)`,
    /// itself within `γ_4` relative), so `‖fl(Σ) − Σ‖₂ ≤ γ_{n+6} (1 + ¼ max_i Σ_m |c_m| |W_mi| ‖W_m‖₁)`
    /// (the largest absolute row sum of the error bound); τ is twice that plus the factorisation's own
    /// bound `γ_{n_0+1} tr(fl(Σ))`, and the factorisation of `fl(Σ) − τ I` must give `λ_min ≥ −ε`
    /// with `ε + (error) ≤ τ` (the shift's own rounding included): so `λ_min(Σ(m₀)) ≳ 2 τ` is needed,
    /// ~10⁻¹⁰ for n_0 = 784.
    ///
    /// - Complexity: one weighted Gram product and one Cholesky factorisation of order n_0.
    func provesMinimumEigenvalue(_ y: [Double], atLeast m0: Double) throws -> Bool {
        let n0 = lag.sizes[0], n = lag.sizes[1]
        guard var (sigma, weights, _) = try schurGram(y, shift: m0, lowering: 4 * Double.ulpOfOne) else { return false }
        let rowBound = lag.absoluteGramRowSums(weights)
        let formingError = roundingGamma(n + 6) * (1 + m0 + 0.25 * (rowBound.max() ?? 0)) * (1 + 1e-6)
        // The factorisation's own bound is −γ_{n_0+1} ‖R‖_F², ‖R‖_F² = tr(RᵀR) ≈ tr(fl(Σ) − τ I) ≤ tr(fl(Σ)):
        // τ covers it and the forming error twice.
        var trace = 0.0
        for i in 0..<n0 { trace += abs(sigma[i, i] + 1 - m0) }
        let tau = 2 * formingError + 1.01 * roundingGamma(n0 + 1) * trace * (1 + roundingGamma(n0))
        for i in 0..<n0 { sigma[i, i] += 1 - m0 - tau }
        // The diagonal's shift rounds once more: at most u (1 + m₀ + τ + |Σ_ii|) per entry.
        let shiftError = Double.ulpOfOne * (2 + m0 + tau + 0.25 * (rowBound.max() ?? 0))
        guard let lowest = try sigma.choleskyMinimumEigenvalueBound() else { return false }
        return lowest + tau - formingError - shiftError >= 0
    }
}
