import LinearAlgebra

/// The quadratic forms of problem (B)'s SDP relaxation, applied matrix-free, for BM2
/// (`BurerMonteiroRank2`). Write a column of the factor as `g = (t, x_0, x_1, …, x_ℓ)` (t = 1 and
/// x = u for the first column, t = 0 and x = w for the second) and each constraint as a quadratic
/// form `q_i(g) = gᵀA_i g ≤ 0` (constants ride on t²), per neuron m of layer k + 1:
///
/// ```
/// objective  q_C = ‖x_0 − t x̂‖²
/// lower      q_1 = −t z_m                                       (z = x_{k+1})
/// affine     q_2 = t (W_k x_k)_m + t² b_m − t z_m
/// product    q_3 = z_m² − (W_k x_k)_m z_m − t b_m z_m
/// ball       q_4 = ‖x_ℓ − t ẑ‖² − t² ρ²
/// ```
/// With multipliers y ≥ 0 and y_0 free the dual slack is `S(y) = C + Σ y_i A_i + y_0 E_00` and
/// `S g = ½ ∇_g (q_C + Σ y_i q_i + y_0 t²)`: one pass through the weights forward (`W_k x_k`) and
/// one backward (`W_kᵀ(·)`), for any number of columns at once (rows of a `p × n_k` matrix).
struct RankTwoLagrangian {
    let problem: LeastSquaresProblem
    /// `n_0 … n_ℓ`.
    let sizes: [Int]
    /// Start of layer k + 1's constraints in the flat constraint vector: `[lower, affine, product]`
    /// blocks of `n_{k+1}` each; the ball constraint is the last entry.
    let constraintOffsets: [Int]
    /// Start of layer k's `[u_k; w_k]` block (2 n_k numbers) in the flat variable vector.
    let variableOffsets: [Int]
    /// `W_k` in sparse row form when at most `sparseDensity` of it is nonzero (convolutions), else nil.
    let sparseWeights: [SparseRowMatrix?]
    /// Weights with at most this fraction of nonzeros are multiplied in sparse form.
    static let sparseDensity = 0.3

    init(_ problem: LeastSquaresProblem) {
        self.problem = problem
        sizes = problem.sizes
        var c = [0], v = [0]
        for k in 0..<problem.layerCount { c.append(c[k] + 3 * sizes[k + 1]) }
        for k in sizes.indices { v.append(v[k] + 2 * sizes[k]) }
        constraintOffsets = c
        variableOffsets = v
        sparseWeights = problem.weights.map { w in
            let sparse = SparseRowMatrix(w)
            return sparse.density <= Self.sparseDensity ? sparse : nil
        }
    }

    /// Start of layer k's block `x_k` in a vector `(t, x_0, …, x_ℓ)` of the lifted space.
    var vectorOffsets: [Int] {
        var o = [1]
        for n in sizes { o.append(o[o.count - 1] + n) }
        return o
    }

    /// Number of inequality constraints (3 per hidden neuron, plus the ball).
    var constraintCount: Int { constraintOffsets[constraintOffsets.count - 1] + 1 }
    /// Number of factor variables (`2 Σ n_k`).
    var variableCount: Int { variableOffsets[variableOffsets.count - 1] }

    /// The flat vector `[u_0, w_0, u_1, w_1, …]` as one `2 × n_k` matrix per layer.
    func split(_ flat: [Double]) throws -> [Matrix<Double>] {
        try sizes.indices.map { k in
            try Matrix(rows: 2, columns: sizes[k], elements: Array(flat[variableOffsets[k]..<variableOffsets[k + 1]]))
        }
    }

    /// `x_k W_kᵀ` for k < ℓ: rows are `W_k` applied to each column (one pass through the weights).
    func forward(_ x: [Matrix<Double>]) throws -> [Matrix<Double>] {
        try problem.weights.indices.map { try product(x[$0], layer: $0) }
    }

    /// `x W_kᵀ` (`W_k` applied to each row of `x`), sparse when `W_k` is.
    func product(_ x: Matrix<Double>, layer k: Int) throws -> Matrix<Double> {
        if let sparse = sparseWeights[k] { return try sparse.timesTransposed(x) }
        var out = Matrix<Double>(rows: x.rows, columns: sizes[k + 1])
        try out.gemm(1, x, problem.weights[k], transposeB: true, beta: 0)
        return out
    }

    /// The constraint functions at the factor `[u; w]` (rows 0 and 1 of each layer), given its
    /// forward products: `g_1 = −u`, `g_2 = W u + b − u`, `g_3 = u² + w² − (W u + b) ⊙ u − (W w) ⊙ w`
    /// per layer, and last the ball residual `‖(u_ℓ − ẑ, w_ℓ)‖` (not yet minus ρ).
    func constraints(_ x: [Matrix<Double>], _ wx: [Matrix<Double>]) -> [Double] {
        var g = [Double](repeating: 0, count: constraintCount)
        for k in 0..<problem.layerCount {
            let n = sizes[k + 1], base = constraintOffsets[k], bias = problem.biases[k]
            for m in 0..<n {
                let u = x[k + 1][0, m], w = x[k + 1][1, m]
                let a = wx[k][0, m] + bias[m], c = wx[k][1, m]
                g[base + m] = -u
                g[base + n + m] = a - u
                g[base + 2 * n + m] = u * u + w * w - a * u - c * w
            }
        }
        let last = problem.layerCount
        var r2 = 0.0
        for i in 0..<sizes[last] {
            let d = x[last][0, i] - problem.target[i], w = x[last][1, i]
            r2 += d * d + w * w
        }
        g[constraintCount - 1] = r2.squareRoot()
        return g
    }

    /// `S(y) g` for each column (`t[c]`, row c of every `x[k]`), given the forward products
    /// `wx = forward(x)`; `y` is laid out like `constraints` (the last entry multiplies q_4).
    ///
    /// - Complexity: one backward pass through the weights (a `gemm` with `t.count` rows per layer).
    func slackProduct(
        _ y: [Double], constant y0: Double, t: [Double], x: [Matrix<Double>], wx: [Matrix<Double>]
    ) throws -> (t: [Double], x: [Matrix<Double>]) {
        let p = t.count, center = problem.center, target = problem.target
        var out = x.map { Matrix<Double>(rows: p, columns: $0.columns) }
        var tOut = t.map { y0 * $0 }
        for c in 0..<p {
            for i in 0..<sizes[0] {
                let d = x[0][c, i] - t[c] * center[i]
                out[0][c, i] = d
                tOut[c] -= center[i] * d
            }
        }
        for k in 0..<problem.layerCount {
            let n = sizes[k + 1], base = constraintOffsets[k], bias = problem.biases[k]
            var back = Matrix<Double>(rows: p, columns: n)
            for c in 0..<p {
                let tc = t[c]
                var tSum = 0.0
                for m in 0..<n {
                    let l1 = y[base + m], l2 = y[base + n + m], l3 = y[base + 2 * n + m]
                    let z = x[k + 1][c, m], v = wx[k][c, m], b = bias[m]
                    out[k + 1][c, m] += -0.5 * tc * (l1 + l2 + l3 * b) + l3 * (z - 0.5 * v)
                    back[c, m] = 0.5 * (tc * l2 - l3 * z)
                    tSum += -0.5 * (l1 + l2 + l3 * b) * z + l2 * (0.5 * v + tc * b)
                }
                tOut[c] += tSum
            }
            try accumulate(back, layer: k, into: &out[k])
        }
        let last = problem.layerCount, mu = y[y.count - 1], rho2 = problem.radius * problem.radius
        for c in 0..<p {
            for i in 0..<sizes[last] {
                let d = x[last][c, i] - t[c] * target[i]
                out[last][c, i] += mu * d
                tOut[c] -= mu * target[i] * d
            }
            tOut[c] -= mu * rho2 * t[c]
        }
        return (tOut, out)
    }

    /// `out += back W_k` (`W_kᵀ` applied to each row of `back`), sparse when `W_k` is.
    func accumulate(_ back: Matrix<Double>, layer k: Int, into out: inout Matrix<Double>) throws {
        if let sparse = sparseWeights[k] {
            try sparse.accumulateProduct(back, into: &out)
        } else {
            try out.gemm(1, back, problem.weights[k], beta: 1)
        }
    }

    /// `S(y) v` for one vector `v = (t, x_0, …, x_ℓ)` of length `1 + Σ n_k`.
    ///
    /// - Complexity: two passes through the weights (one `gemv` each way per layer).
    func slackProduct(_ y: [Double], constant y0: Double, vector v: [Double]) throws -> [Double] {
        var x: [Matrix<Double>] = [], start = 1
        for n in sizes {
            x.append(try Matrix(rows: 1, columns: n, elements: Array(v[start..<start + n])))
            start += n
        }
        let (t, out) = try slackProduct(y, constant: y0, t: [v[0]], x: x, wx: try forward(x))
        return t + out.flatMap(\.elements)
    }

    /// The dual certificate at the factor `flat` and SDP multipliers `y`: `y_0` making the constant
    /// row of `S(y)[1; u]` vanish, and an estimate (`nil` when `steps` is 0) of `λ_min(S(y))` with
    /// its vector in the lifted space: the smaller of a `steps`-step Lanczos estimate and the
    /// Rayleigh quotients at the factor's columns `(1, u)` and `(0, w)`.
    ///
    /// The columns guard against a Lanczos run that has not converged: with `G = V Vᵀ`,
    /// `⟨S(y), G⟩` is the primal objective minus the dual bound `−y_0` (up to the constraints'
    /// complementarity), so a dual bound above the objective means some column has `vᵀ S v < 0`,
    /// which the quotient then reports.
    ///
    /// - Complexity: two passes through the weights per Lanczos step, plus two for the columns.
    func dualCertificate(_ y: [Double], at flat: [Double], steps: Int, seed: UInt64, denseUpTo: Int = 0) throws
        -> SlackEstimate
    {
        let factor = try split(flat)
        let rows = try factor.map { try Matrix(rows: 1, columns: $0.columns, elements: Array($0.row(0))) }
        let y0 = -(try slackProduct(y, constant: 0, t: [1], x: rows, wx: try forward(rows)).t[0])
        guard steps > 0 else { return SlackEstimate(y0: y0, minEigenvalue: nil, vector: []) }
        let dimension = 1 + sizes.reduce(0, +)
        if dimension <= denseUpTo {
            // Small enough for LAPACK: the smallest eigenpair of the dense slack, no estimate.
            let e = try denseSlack(y, constant: y0).symmetricEigen(.smallest, vectors: true)
            guard let vectors = e.vectors else { throw CertifierError.solverFailed("syevr returned no eigenvector") }
            return SlackEstimate(y0: y0, minEigenvalue: e.values[0], vector: (0..<dimension).map { vectors[$0, 0] })
        }
        var rng = SplitMix64(seed: seed), failure: Error? = nil
        let top = try lanczosLargest(dimension: dimension, steps: steps, start: (0..<dimension).map { _ in rng.normal() }) { v in
            do { return try slackProduct(y, constant: y0, vector: v).map { -$0 } } catch {
                failure = error
                return [Double](repeating: 0, count: v.count)
            }
        }
        if let failure { throw failure }
        var best = (value: -top.value, vector: top.vector)
        for (t, row) in [(1.0, 0), (0.0, 1)] {
            let column = [t] + factor.flatMap { Array($0.row(row)) }
            let norm2 = column.reduce(0) { $0 + $1 * $1 }
            guard norm2 > 0 else { continue }
            let product = try slackProduct(y, constant: y0, vector: column)
            let quotient = zip(column, product).reduce(0) { $0 + $1.0 * $1.1 } / norm2
            if quotient < best.value {
                let norm = norm2.squareRoot()
                best = (quotient, column.map { $0 / norm })
            }
        }
        return SlackEstimate(y0: y0, minEigenvalue: best.value, vector: best.vector)
    }
}
