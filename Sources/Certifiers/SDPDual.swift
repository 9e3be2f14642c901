import LinearAlgebra

/// The Lagrangian dual of SDP-cert and its eigenvalue bound (formulations.md, "Sound value").
///
/// With the multipliers of `SDPMultipliers`, the Lagrangian is `const + gᵀx + ⟨Q, X⟩` where
///
/// ```
/// const = c0 − Σ_k b_kᵀ bias_k − Σ_k d_kᵀ (l_k ⊙ u_k)
/// g_k   = [k = L] c + a_k + b_k − W_{k+1}ᵀ b_{k+1} − e_k ⊙ bias_k + d_k ⊙ (l_k + u_k)
/// Q     = diag(e − d) + Σ_k sym-block(k−1, k) of −½ W_kᵀ diag(e_k)
/// ```
/// In the scaled variables (S̃ = D S D with S = [0 ½gᵀ; ½g Q], D = diag(1, r)) every feasible
/// P̃ has P̃_00 = 1 and 0 ≤ P̃_ii ≤ 1, so for μ = λ_max(S̃ − diag κ), of any sign,
///
/// ```
/// SDP value ≤ const + κ_0 + μ + Σ_{i ≥ 1} max(κ_i + μ, 0)
/// ```
/// (S̃ ⪯ diag(κ + μ)). This holds for every multiplier with the right signs: it is the bound the
/// certifier reports, with μ from a dense eigen-decomposition plus a rounding margin.
struct SDPDual {
    let problem: SDPProblem

    /// The constant and the linear coefficient g of the Lagrangian, and the sum of the magnitudes
    /// of the constant's terms (for its rounding allowance).
    func linearPart(_ m: SDPMultipliers) throws -> (constant: Double, g: [Double], magnitude: Double) {
        try linearPartWithErrors(m).value
    }

    /// `linearPart` and, per entry of g, the sum of the magnitudes of its terms (to bound its
    /// rounding error).
    func linearPartWithErrors(_ m: SDPMultipliers) throws -> (value: (constant: Double, g: [Double], magnitude: Double), gMagnitude: [Double]) {
        let p = problem
        var g = [Double](repeating: 0, count: p.size)
        var gMagnitude = [Double](repeating: 0, count: p.size)
        var constant = p.c0
        var magnitude = abs(p.c0)
        let last = p.layerCount - 1
        for (i, ci) in p.c.enumerated() {
            g[p.offsets[last] + i] += ci
            gMagnitude[p.offsets[last] + i] += abs(ci)
        }
        for k in 0..<p.layerCount {
            let r = p.block(k)
            for i in r {
                g[i] += m.a[i] + m.b[i] + m.d[i] * (p.lower[i] + p.upper[i])
                gMagnitude[i] += abs(m.a[i]) + abs(m.b[i]) + abs(m.d[i] * (p.lower[i] + p.upper[i]))
                constant -= m.d[i] * p.lower[i] * p.upper[i]
                magnitude += abs(m.d[i] * p.lower[i] * p.upper[i])
            }
            if k >= 1 {
                let bias = p.biases[k - 1]
                for (t, i) in r.enumerated() {
                    g[i] -= m.e[i] * bias[t]
                    gMagnitude[i] += abs(m.e[i] * bias[t])
                    constant -= m.b[i] * bias[t]
                    magnitude += abs(m.b[i] * bias[t])
                }
                let back = try p.weights[k - 1].apply(Array(m.b[r]), transposed: true)
                var absW = p.weights[k - 1]
                for e in absW.elements.indices { absW.elements[e] = abs(absW.elements[e]) }
                let backMagnitude = try absW.apply(r.map { abs(m.b[$0]) }, transposed: true)
                for (t, i) in p.block(k - 1).enumerated() {
                    g[i] -= back[t]
                    gMagnitude[i] += backMagnitude[t]
                }
            }
        }
        return ((constant, g, magnitude), gMagnitude)
    }

    /// `Q z` for the quadratic part Q.
    ///
    /// - Complexity: two passes through the weights.
    func quadratic(_ m: SDPMultipliers, _ z: [Double]) throws -> [Double] {
        let p = problem
        var out = [Double](repeating: 0, count: p.size)
        for i in 0..<p.size { out[i] = (m.e[i] - m.d[i]) * z[i] }
        for k in 1..<max(p.layerCount, 1) {
            let r = p.block(k), rp = p.block(k - 1)
            let w = p.weights[k - 1]
            // out_{k−1} −= ½ W_kᵀ (e_k ⊙ z_k);  out_k −= ½ e_k ⊙ (W_k z_{k−1})
            let ez = r.map { m.e[$0] * z[$0] }
            let up = try w.apply(ez, transposed: true)
            for (t, i) in rp.enumerated() { out[i] -= 0.5 * up[t] }
            let down = try w.apply(Array(z[rp]))
            for (t, i) in r.enumerated() { out[i] -= 0.5 * m.e[i] * down[t] }
        }
        return out
    }

    /// `(S̃ − diag κ) y` for y over [constant; x].
    func apply(_ m: SDPMultipliers, g: [Double], _ y: [Double]) throws -> [Double] {
        let p = problem, n = p.size
        let z = (0..<n).map { p.scale[$0] * y[$0 + 1] }
        let qz = try quadratic(m, z)
        var out = [Double](repeating: 0, count: n + 1)
        var head = 0.0
        for i in 0..<n { head += 0.5 * g[i] * z[i] }
        out[0] = head - m.kappa[0] * y[0]
        for i in 0..<n { out[i + 1] = p.scale[i] * (0.5 * g[i] * y[0] + qz[i]) - m.kappa[i + 1] * y[i + 1] }
        return out
    }

    /// The dense matrix `S̃ − diag κ` ((N+1) × (N+1)).
    ///
    /// - Complexity: O(N²) entries plus one pass through the weights.
    func denseMatrix(_ m: SDPMultipliers, g: [Double]) -> Matrix<Double> {
        let p = problem, n = p.size
        var a = Matrix<Double>(rows: n + 1, columns: n + 1)
        a[0, 0] = -m.kappa[0]
        for i in 0..<n {
            let h = 0.5 * g[i] * p.scale[i]
            a[0, i + 1] = h
            a[i + 1, 0] = h
            a[i + 1, i + 1] = (m.e[i] - m.d[i]) * p.scale[i] * p.scale[i] - m.kappa[i + 1]
        }
        for k in 1..<max(p.layerCount, 1) {
            let w = p.weights[k - 1]
            for (t, i) in p.block(k).enumerated() {
                for (s, j) in p.block(k - 1).enumerated() {
                    let v = -0.5 * m.e[i] * w[t, s] * p.scale[i] * p.scale[j]
                    a[i + 1, j + 1] = v
                    a[j + 1, i + 1] = v
                }
            }
        }
        return a
    }

    /// The bound `const + κ_0 + μ + Σ max(κ_i + μ, 0)` for a given μ.
    func bound(constant: Double, kappa: [Double], mu: Double) -> Double {
        var total = constant + kappa[0] + mu
        for i in 1..<kappa.count { total += max(kappa[i] + mu, 0) }
        return total
    }

    /// A sound upper bound on the SDP value (and so on the worst-case margin): μ from LAPACK's
    /// dense eigen-decomposition plus a margin for the rounding of forming and decomposing the
    /// matrix (Weyl: |Δλ| ≤ ‖ΔA‖_F), and a rounding allowance for the final sum.
    ///
    /// - Complexity: one dense `syevr` of size N + 1 (largest eigenvalue only).
    func soundBound(_ m: SDPMultipliers) throws -> Double {
        let ((constant, g, constantMagnitude), gMagnitude) = try linearPartWithErrors(m)
        let a = denseMatrix(m, g: g)
        let top = try a.symmetricEigen(.largest, vectors: false).values[0]
        let frobenius = (a.elements.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let n = Double(a.rows)
        let u = Double.ulpOfOne / 2
        // g's entries are long sums: their rounding error is at most γ · (sum of magnitudes); it
        // enters the first row and column (times ½ r), so ‖ΔA‖_F ≤ √2 · ‖γ · ½ r ⊙ gMagnitude‖.
        let longest = Double(2 * (problem.weights.map(\.rows).max() ?? 1) + 8)
        var gError = 0.0
        for i in 0..<problem.size {
            let entry = longest * u * 0.5 * problem.scale[i] * gMagnitude[i]
            gError += 2 * entry * entry
        }
        // Forming the other entries: a few roundings each; LAPACK syevr: backward error O(n u ‖A‖).
        let margin = (16 * n + 64) * u * frobenius + 2 * gError.squareRoot()
        let mu = top + margin
        let value = bound(constant: constant, kappa: m.kappa, mu: mu)
        var magnitude = abs(constant) + abs(mu)
        for k in m.kappa { magnitude += abs(k) + abs(mu) }
        // `constant` is itself a long sum: allow for it and for the final sum.
        return value + roundingAllowance(terms: 4 * (m.kappa.count + problem.size), magnitude: magnitude + constantMagnitude)
    }
}
