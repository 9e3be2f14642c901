import LinearAlgebra

extension RankTwoLagrangian {
    /// The dual slack `S(y) = C + Σ y_i A_i + y_0 E_00` as a dense symmetric matrix of the lifted
    /// space `(t, x_0, …, x_ℓ)`, column by column through `slackProduct` (blocks of `block`
    /// identity columns at once), symmetrised as `(S + Sᵀ)/2`.
    ///
    /// - Complexity: `⌈N / block⌉` slack products on `block` columns (two passes through the
    ///   weights each), `N = 1 + Σ n_k`; N² numbers.
    func denseSlack(_ y: [Double], constant y0: Double, block: Int = 256) throws -> Matrix<Double> {
        let offsets = vectorOffsets, dimension = 1 + sizes.reduce(0, +)
        var s = Matrix<Double>(rows: dimension, columns: dimension)
        var start = 0
        while start < dimension {
            let count = min(block, dimension - start)
            var t = [Double](repeating: 0, count: count)
            var x = sizes.map { Matrix<Double>(rows: count, columns: $0) }
            for c in 0..<count {
                let j = start + c
                if j == 0 { t[c] = 1; continue }
                let k = offsets.lastIndex(where: { $0 <= j })!
                x[k][c, j - offsets[k]] = 1
            }
            let (tOut, out) = try slackProduct(y, constant: y0, t: t, x: x, wx: try forward(x))
            for c in 0..<count {
                let j = start + c
                s[0, j] = tOut[c]
                for k in sizes.indices {
                    for i in 0..<sizes[k] { s[offsets[k] + i, j] = out[k][c, i] }
                }
            }
            start += count
        }
        for i in 0..<dimension {
            for j in (i + 1)..<dimension {
                let mean = 0.5 * (s[i, j] + s[j, i])
                s[i, j] = mean
                s[j, i] = mean
            }
        }
        return s
    }

    /// A rigorous lower bound on `λ_min(S(y))`: `−λ_upper(−fl(S))` for the dense slack as formed
    /// (`Matrix.largestEigenvalueUpperBound`: a shifted Cholesky factorisation, or LAPACK with its
    /// backward error), less `slackFormingErrorBound` for the rounding made while forming it.
    ///
    /// - Complexity: `denseSlack`, then one or two Cholesky factorisations of an N × N matrix
    ///   (N³/3 each), or one `syevr`.
    func slackMinimumEigenvalueBound(_ y: [Double], constant y0: Double) throws -> Double {
        try slackBound(y, constant: y0) { try $0.largestEigenvalueUpperBound() } ?? -.infinity
    }

    /// `slackMinimumEigenvalueBound` from the first of `targets` (lower bounds the caller would
    /// be content with) that the shifted slack certifies (`largestEigenvalueUpperBound(among:)`);
    /// nil when none holds. The forming errors are subtracted after, so the bound returned lies
    /// a little below the target that held.
    ///
    /// - Complexity: `denseSlack`, then at most `targets.count` Cholesky factorisations (N³/3 each).
    func slackMinimumEigenvalueBound(_ y: [Double], constant y0: Double, certifying targets: [Double]) throws -> Double? {
        try slackBound(y, constant: y0) { try $0.largestEigenvalueUpperBound(among: targets.map { -$0 }) }
    }

    /// `−upper(−fl(S)) − slackFormingErrorBound`, nil when `upper` gives none.
    private func slackBound(_ y: [Double], constant y0: Double, _ upper: (Matrix<Double>) throws -> Double?) throws -> Double? {
        var s = try denseSlack(y, constant: y0)
        for i in s.elements.indices { s.elements[i] = -s.elements[i] }
        guard let top = try upper(s) else { return nil }
        return -top - slackFormingErrorBound(y, constant: y0)
    }

    /// An upper bound on `‖fl(S) − S(y)‖₂` for the slack as `denseSlack` forms it.
    ///
    /// Each entry of S is a short sum, `|fl(S)_ij − S_ij| ≤ γ_K A_ij` with `A_ij` the sum of its
    /// terms' absolute values and `γ_K = K u / (1 − K u)`: K ≤ 16 for the entries off the first row
    /// (one product `½ y W_mj`, a multiplier, a bias term), K ≤ max n_k + 16 for the first row's
    /// `½ Σ_m y_m W_mj`, K ≤ 2N + 16 for `S_00`. Split `E = fl(S) − S` into its first row and
    /// column (`[e_00 eᵀ; e 0]`, norm ≤ |e_00| + ‖e‖₂) and the rest (norm ≤ its largest row sum):
    ///
    /// ```
    /// ‖E‖₂ ≤ γ_{2N+16} A_00 + γ_{max n+16} ‖A_{0,1:}‖₂ + γ_16 max_i Σ_{j≥1} A_ij
    /// ```
    /// with, per neuron m of layer k (multipliers l1, l2, l3, bias b, row W_m) and the ball's μ:
    /// `A_00 = |y_0| + ‖x̂‖² + Σ |l2 b| + |μ| (‖ẑ‖² + ρ²)`, `A_{0,x_j} = |x̂_j|` (input) or
    /// `½ Σ_m |l2_m W_mj|`, `A_{0,z_m} = ½ (|l1| + |l2| + |l3 b|) (+ |μ ẑ_m|)`, `A_{z_m z_m} = |l3|
    /// (+ |μ|)`, `A_{z_m x_j} = ½ |l3 W_mj|`, `A_{x_i x_i} = 1` (input).
    ///
    /// - Complexity: one pass over the weights.
    func slackFormingErrorBound(_ y: [Double], constant y0: Double) -> Double {
        let offsets = vectorOffsets, dimension = 1 + sizes.reduce(0, +), last = problem.layerCount
        let mu = abs(y[y.count - 1]), rho2 = problem.radius * problem.radius
        var firstRow = [Double](repeating: 0, count: dimension)  // A_{0,j}, j ≥ 1
        var rest = [Double](repeating: 0, count: dimension)  // Σ_{j≥1} A_ij, i ≥ 1
        var a00 = abs(y0)
        for (j, c) in problem.center.enumerated() {
            a00 += c * c
            firstRow[offsets[0] + j] += abs(c)
            rest[offsets[0] + j] += 1
        }
        for k in 0..<last {
            let n = sizes[k + 1], inputs = sizes[k], base = constraintOffsets[k], bias = problem.biases[k]
            let w = problem.weights[k]
            for m in 0..<n {
                let l1 = abs(y[base + m]), l2 = abs(y[base + n + m]), l3 = abs(y[base + 2 * n + m]), b = abs(bias[m])
                a00 += l2 * b
                let z = offsets[k + 1] + m
                firstRow[z] += 0.5 * (l1 + l2 + l3 * b)
                rest[z] += l3
                var rowSum = 0.0
                for j in 0..<inputs {
                    let weight = abs(w[m, j])
                    if weight == 0 { continue }
                    rowSum += weight
                    firstRow[offsets[k] + j] += 0.5 * l2 * weight
                    rest[offsets[k] + j] += 0.5 * l3 * weight
                }
                rest[z] += 0.5 * l3 * rowSum
            }
        }
        a00 += mu * (problem.target.reduce(0) { $0 + $1 * $1 } + rho2)
        for (i, target) in problem.target.enumerated() {
            firstRow[offsets[last] + i] += mu * abs(target)
            rest[offsets[last] + i] += mu
        }
        let firstNorm = firstRow.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let bound = roundingGamma(2 * dimension + 16) * a00 + roundingGamma((sizes.max() ?? 0) + 16) * firstNorm
            + roundingGamma(16) * (rest.max() ?? 0)
        return bound * (1 + 1e-6)  // the bound's own rounding
    }
}
