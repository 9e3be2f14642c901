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
/// In the centred variables x = m + r ⊙ z (P = T P̂ Tᵀ, T = [1 0; m diag r]) it reads
/// `const' + ⟨Ŝ, P̂⟩` with
///
/// ```
/// const' = const + mᵀ(g + Q m),   Ŝ = [0  ĥᵀ; ĥ  diag(r) Q diag(r)],   ĥ = r ⊙ (½ g + Q m)
/// ```
/// and every feasible P̂ has P̂_00 = 1 and 0 ≤ P̂_ii ≤ 1, so for μ = λ_max(Ŝ − diag κ), of any sign,
///
/// ```
/// SDP value ≤ const' + κ_0 + μ + Σ_{i ≥ 1} max(κ_i + μ, 0)        (Ŝ ⪯ diag(κ + μ))
/// ```
/// This holds for every multiplier with the right signs: it is the bound the certifier reports,
/// with μ from a dense eigen-decomposition plus a rounding margin.
struct SDPDual {
    let problem: SDPProblem

    /// The centred data of the current multipliers: `const'`, the unscaled head `½ g + Q m`, and
    /// magnitudes for rounding allowances.
    struct Centred {
        var constant: Double
        var head: [Double]
        var constantMagnitude: Double
        var headMagnitude: [Double]
    }

    /// `const'` and `½ g + Q m`.
    ///
    /// - Complexity: three passes through the weights.
    func centred(_ m: SDPMultipliers) throws -> Centred {
        let p = problem
        let ((constant, g, magnitude), gMagnitude) = try linearPartWithErrors(m)
        let qm = try quadratic(m, p.center)
        let qmMagnitude = try quadraticMagnitude(m, p.center)
        var shifted = constant, shiftedMagnitude = magnitude
        var head = [Double](repeating: 0, count: p.size)
        var headMagnitude = head
        for i in 0..<p.size {
            shifted += p.center[i] * (g[i] + qm[i])
            shiftedMagnitude += abs(p.center[i]) * (gMagnitude[i] + qmMagnitude[i])
            head[i] = 0.5 * g[i] + qm[i]
            headMagnitude[i] = 0.5 * gMagnitude[i] + qmMagnitude[i]
        }
        return Centred(constant: shifted, head: head, constantMagnitude: shiftedMagnitude, headMagnitude: headMagnitude)
    }

    /// The constant and the linear coefficient g of the (uncentred) Lagrangian, and the sum of
    /// the magnitudes of the constant's terms.
    func linearPart(_ m: SDPMultipliers) throws -> (constant: Double, g: [Double], magnitude: Double) {
        try linearPartWithErrors(m).value
    }

    /// `linearPart` and, per entry of g, the sum of the magnitudes of its terms.
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
                let backMagnitude = try p.absoluteWeights[k - 1].apply(r.map { abs(m.b[$0]) }, transposed: true)
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
        try quadratic(e: m.e, d: m.d, z, weights: problem.weights)
    }

    /// `|Q| |z|` entrywise (the magnitude of the terms of `Q z`).
    func quadraticMagnitude(_ m: SDPMultipliers, _ z: [Double]) throws -> [Double] {
        let e = m.e.map(abs)
        var out = try quadratic(e: e, d: m.d.map { -abs($0) }, z.map(abs), weights: problem.absoluteWeights, sign: 1)
        for i in out.indices { out[i] = abs(out[i]) }
        return out
    }

    private func quadratic(e: [Double], d: [Double], _ z: [Double], weights: [Matrix<Double>], sign: Double = -1) throws -> [Double] {
        let p = problem
        var out = [Double](repeating: 0, count: p.size)
        for i in 0..<p.size { out[i] = (e[i] - d[i]) * z[i] }
        for k in 1..<max(p.layerCount, 1) {
            let r = p.block(k), rp = p.block(k - 1)
            let w = weights[k - 1]
            // out_{k−1} −= ½ W_kᵀ (e_k ⊙ z_k);  out_k −= ½ e_k ⊙ (W_k z_{k−1})
            let up = try w.apply(r.map { e[$0] * z[$0] }, transposed: true)
            for (t, i) in rp.enumerated() { out[i] += sign * 0.5 * up[t] }
            let down = try w.apply(Array(z[rp]))
            for (t, i) in r.enumerated() { out[i] += sign * 0.5 * e[i] * down[t] }
        }
        return out
    }

    /// `(Ŝ − diag κ) y` for y over [constant; z].
    func apply(_ m: SDPMultipliers, head: [Double], _ y: [Double]) throws -> [Double] {
        let p = problem, n = p.size
        let z = (0..<n).map { p.scale[$0] * y[$0 + 1] }
        let qz = try quadratic(m, z)
        var out = [Double](repeating: 0, count: n + 1)
        var first = 0.0
        for i in 0..<n { first += head[i] * z[i] }
        out[0] = first - m.kappa[0] * y[0]
        for i in 0..<n { out[i + 1] = p.scale[i] * (head[i] * y[0] + qz[i]) - m.kappa[i + 1] * y[i + 1] }
        return out
    }

    /// The dense matrix `Ŝ − diag κ` ((N+1) × (N+1)).
    ///
    /// - Complexity: O(N²) entries plus one pass through the weights.
    func denseMatrix(_ m: SDPMultipliers, head: [Double]) -> Matrix<Double> {
        let p = problem, n = p.size
        var a = Matrix<Double>(rows: n + 1, columns: n + 1)
        a[0, 0] = -m.kappa[0]
        for i in 0..<n {
            let h = head[i] * p.scale[i]
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

    /// The fixed couplings of `Ŝ`: `U_k = diag(r_k) W_k diag(r_{k−1})` between consecutive
    /// layers (rows of `Ŝ` are offset by one for the constant).
    ///
    /// - Complexity: one pass through the weights (stored with their transposes).
    func couplings() -> LayeredSymmetricMatrix.Couplings {
        let p = problem
        let layers = (0..<p.layerCount).map { k in (p.block(k).lowerBound + 1)..<(p.block(k).upperBound + 1) }
        let forward = (1..<max(p.layerCount, 1)).map { k -> Matrix<Double> in
            var u = p.weights[k - 1]
            for (t, i) in p.block(k).enumerated() {
                for (c, j) in p.block(k - 1).enumerated() { u[t, c] *= p.scale[i] * p.scale[j] }
            }
            return u
        }
        return LayeredSymmetricMatrix.Couplings(layers: layers, forward: forward)
    }

    /// `Ŝ − diag κ` in layered form: the same entries as `denseMatrix`, with
    /// `σ = −½ e` scaling the couplings.
    ///
    /// - Complexity: O(N).
    func layeredMatrix(_ m: SDPMultipliers, head: [Double], couplings: LayeredSymmetricMatrix.Couplings) -> LayeredSymmetricMatrix {
        let p = problem, n = p.size
        var s = LayeredSymmetricMatrix(couplings: couplings)
        s.head[0] = -m.kappa[0]
        for i in 0..<n {
            s.head[i + 1] = head[i] * p.scale[i]
            s.diagonal[i + 1] = (m.e[i] - m.d[i]) * p.scale[i] * p.scale[i] - m.kappa[i + 1]
            s.rowScale[i + 1] = -0.5 * m.e[i]
        }
        return s
    }

    /// The bound `const' + κ_0 + μ + Σ max(κ_i + μ, 0)` for a given μ.
    func bound(constant: Double, kappa: [Double], mu: Double) -> Double {
        var total = constant + kappa[0] + mu
        for i in 1..<kappa.count { total += max(kappa[i] + mu, 0) }
        return total
    }

    /// A sound upper bound on the SDP value (and so on the worst-case margin): a rigorous upper
    /// bound μ on λ_max(Ŝ − diag κ), plus a margin for the rounding of forming the matrix
    /// (Weyl: |Δλ| ≤ ‖ΔA‖_F), and rounding allowances for `const'` and the final sum.
    ///
    /// μ is `Matrix.largestEigenvalueUpperBound`: a Lanczos estimate certified by a Cholesky
    /// factorisation of `δI − (Ŝ − diag κ)` just above it, or LAPACK's dense eigenvalue plus its
    /// backward-error margin when that fails.
    ///
    /// - Complexity: one or two dense Cholesky factorisations of size N + 1 (n³/3 each), and one
    ///   `syevr` (largest eigenvalue only) when they fail.
    func soundBound(_ m: SDPMultipliers) throws -> Double {
        let c = try centred(m)
        let a = denseMatrix(m, head: c.head)
        let frobenius = (a.elements.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let u = Double.ulpOfOne / 2
        // The head's entries are long sums: their rounding error is at most γ · (sum of
        // magnitudes); it enters the first row and column (times r), so ‖ΔA‖_F ≤ √2 ‖γ r ⊙ headMagnitude‖.
        let longest = Double(2 * (problem.weights.map { max($0.rows, $0.columns) }.max() ?? 1) + 16)
        var headError = 0.0
        for i in 0..<problem.size {
            let entry = longest * u * problem.scale[i] * c.headMagnitude[i]
            headError += 2 * entry * entry
        }
        // Forming the other entries: a few roundings each.
        let forming = 8 * u * frobenius + 2 * headError.squareRoot()
        let mu = try a.largestEigenvalueUpperBound() + forming
        let value = bound(constant: c.constant, kappa: m.kappa, mu: mu)
        var magnitude = abs(c.constant) + abs(mu)
        for k in m.kappa { magnitude += abs(k) + abs(mu) }
        return value + roundingAllowance(terms: 4 * (m.kappa.count + Int(longest)), magnitude: magnitude + c.constantMagnitude)
    }
}
