import LinearAlgebra

extension LeastSquaresProblem {
    /// An upper bound on `tr(G)` for every feasible `G` of the relaxation whose objective is at
    /// most `objective`: with it a dual point `y ≥ 0` whose slack has `λ_min(S(y)) ≥ λ < 0` still
    /// bounds the optimum, `L* ≥ −y_0 + λ · tr(G*)` (`⟨S(y), G*⟩ ≤ L* + y_0` for feasible `G*`).
    ///
    /// Write `s_k² = tr(X_k)` for layer k's diagonal block (`X_0` the input's). The objective
    /// `tr(X_0) − 2⟨x, x̂⟩ + ‖x̂‖² ≤ f` with `‖x‖² ≤ tr(X_0)` gives the first line; each neuron's
    /// product constraint `Z_mm ≤ ⟨(W_m, b_m), G[(x, t), z_m]⟩ ≤ Z_mm^{1/2} ((W_m, b_m) G_{xt} (W_m, b_m)ᵀ)^{1/2}`
    /// (Cauchy–Schwarz in G's inner product) summed over m gives the second, and the ball the third:
    ///
    /// ```
    /// s_0 ≤ ‖x̂‖ + f^{1/2}
    /// s_{k+1}² ≤ ‖[W_k b_k]‖₂² (s_k² + 1)
    /// s_ℓ ≤ ‖ẑ‖ + ρ
    /// tr(G) ≤ 1 + Σ_k s_k²
    /// ```
    /// with `‖[W b]‖₂²` bounded by the smallest of `normBounds[k]` (`layerNormBounds()`, when
    /// given), `‖W‖_F² + ‖b‖²` and `‖[W b]‖₁ ‖[W b]‖_∞` (the largest column and row sums of absolute
    /// values: far below Frobenius for convolutions); each step is rounded up by a relative 10⁻¹².
    ///
    /// - Complexity: one pass over each weight matrix.
    public func traceBound(objective f: Double, normBounds: [Double]? = nil) -> Double {
        traceBound(objective: f, scales: layerScales(normBounds: normBounds))
    }

    /// `traceBound` with each layer's bound on `‖[W_k b_k]‖₂²` given (`layerScales`), for callers
    /// that evaluate it often.
    ///
    /// - Complexity: O(n_0 + n_ℓ).
    func traceBound(objective f: Double, scales: [Double]) -> Double {
        func norm2(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }
        let up = 1 + 1e-12
        var s2 = (norm2(center).squareRoot() + max(0, f).squareRoot()) * up
        s2 = s2 * s2 * up
        var total = 1 + s2
        for k in 0..<layerCount {
            s2 = scales[k] * (s2 + 1) * up
            if k == layerCount - 1 {
                let ball = (norm2(target).squareRoot() + radius) * up
                s2 = min(s2, ball * ball * up)
            }
            total = (total + s2) * up
        }
        return total
    }

    /// Per layer the smallest of the bounds on `‖[W_k b_k]‖₂²` that `traceBound` uses, rounded up.
    ///
    /// - Complexity: one pass over each weight matrix.
    func layerScales(normBounds: [Double]? = nil) -> [Double] {
        (0..<layerCount).map { k in
            let frobenius = weights[k].elements.reduce(0) { $0 + $1 * $1 } + biases[k].reduce(0) { $0 + $1 * $1 }
            return min(frobenius, Self.holderBound(weights[k], biases[k]), normBounds?[k] ?? .infinity) * (1 + 1e-12)
        }
    }

    /// `‖[W b]‖₁ ‖[W b]‖_∞ ≥ ‖[W b]‖₂²` (Hölder), rounded up.
    private static func holderBound(_ w: Matrix<Double>, _ b: [Double]) -> Double {
        var columns = [Double](repeating: 0, count: w.columns + 1), rows = 0.0
        for i in 0..<w.rows {
            var row = abs(b[i])
            for j in 0..<w.columns {
                let x = abs(w[i, j])
                row += x
                columns[j] += x
            }
            columns[w.columns] += abs(b[i])
            rows = max(rows, row)
        }
        let count = Double(max(w.rows, w.columns) + 2)
        return (columns.max() ?? 0) * rows * (1 + 4 * count * Double.ulpOfOne)
    }

    /// Rigorous upper bounds on `‖[W_k b_k]‖₂²`, one per layer: the largest eigenvalue of the
    /// smaller Gram matrix (`[W b][W b]ᵀ` or `[W b]ᵀ[W b]`) bounded by
    /// `Matrix.largestEigenvalueUpperBound`, plus the Gram product's rounding error
    /// `γ_{p+2} ‖[W b]‖_F²` (p the product's inner dimension).
    ///
    /// - Complexity: per layer one `gemm` forming the Gram matrix (`min(m, n+1)² · max(m, n+1)`
    ///   multiply-adds) and one or two Cholesky factorisations of it.
    public func layerNormBounds() throws -> [Double] {
        try weights.indices.map { k in
            let w = weights[k], m = w.rows, n = w.columns + 1
            var elements: [Double] = []
            elements.reserveCapacity(m * n)
            for i in 0..<m {
                elements.append(contentsOf: w.row(i))
                elements.append(biases[k][i])
            }
            let joined = try Matrix(rows: m, columns: n, elements: elements)
            let squares = elements.reduce(0) { $0 + $1 * $1 }
            let small = min(m, n), inner = max(m, n)
            var gram = Matrix<Double>(rows: small, columns: small)
            if m <= n {
                try gram.gemm(1, joined, joined, transposeB: true, beta: 0)
            } else {
                try gram.gemm(1, joined, transposeA: true, joined, beta: 0)
            }
            let u = Double.ulpOfOne / 2, p = Double(inner + 2)
            let gamma = p * u / (1 - p * u)
            return (try gram.largestEigenvalueUpperBound() + gamma * squares * (1 + 4 * p * u)) * (1 + 1e-12)
        }
    }
}
