import LinearAlgebra

/// BM2's program over one layer with the output pair `(u_1, w_1)` minimised out: per neuron its
/// feasible set is a disk cap (`ReLUCapProjection`) that moves with `a = W u_0 + b`, `c = W w_0`,
/// and the ball holds iff the distance from `(ẑ, 0)` to the product of the caps is at most ρ:
///
/// ```
/// min ‖u_0 − x̂‖² + ‖w_0‖²   s.t.   ψ(u_0, w_0) = (Σ_m dist²((ẑ_m, 0), D(a_m, c_m)))^{1/2} ≤ ρ
/// ```
/// the same program as BM2's (the objective does not involve `u_1, w_1`), with 2 n_0 variables and
/// one constraint instead of 2 (n_0 + n_1) variables and 3 n_1 + 1 constraints, none degenerate.
struct OneLayerReduction {
    let lag: RankTwoLagrangian

    /// The reduced functions at one point `v = [u_0, w_0]`.
    struct Point {
        /// `‖u_0 − x̂‖² + ‖w_0‖²` and its gradient.
        var objective: Double
        var objectiveGradient: [Double]
        /// ψ and its gradient (the envelope: the caps' multipliers pushed back through `Wᵀ`).
        var residual: Double
        var residualGradient: [Double]
        /// Each neuron's projection (the eliminated `u_1, w_1` and their multipliers).
        var projections: [ReLUCapProjection]
    }

    /// Evaluates at `v = [u_0, w_0]` (length 2 n_0), or with more columns `[u_0, w_0, w_0', …]`
    /// (rank r: r n_0 numbers; a neuron's cap depends on `c = ‖(W w_0, W w_0', …)_m‖` only, the
    /// program being invariant under rotations of the columns after the first).
    ///
    /// - Complexity: one forward and one backward product with `W_0` on r vectors.
    func evaluate(_ v: [Double]) throws -> Point {
        let p = lag.problem, n0 = lag.sizes[0], rows = v.count / n0
        let x = try Matrix(rows: rows, columns: n0, elements: v)
        let wx = try lag.forward([x])[0]
        let ball = lag.eliminatedBall(wx)
        var gradient = Matrix<Double>(rows: rows, columns: n0)
        try lag.accumulate(ball.back, layer: 0, into: &gradient)
        var objective = 0.0, objectiveGradient = [Double](repeating: 0, count: v.count)
        for i in 0..<n0 {
            let d = v[i] - p.center[i]
            objective += d * d
            objectiveGradient[i] = 2 * d
        }
        for i in n0..<v.count {
            objective += v[i] * v[i]
            objectiveGradient[i] = 2 * v[i]
        }
        return Point(
            objective: objective, objectiveGradient: objectiveGradient, residual: ball.residual,
            residualGradient: gradient.elements, projections: ball.projections)
    }

    /// BM2's full factor `[u_0, w_0, u_1, w_1]` (`RankTwoLagrangian` layout) and its SDP
    /// multipliers at a reduced point with ball multiplier `ballMultiplier` (for ψ ≤ ρ).
    ///
    /// The ball in squared form gets `μ / (2ψ)`; each neuron's disk and half-plane multipliers are
    /// the projection's times twice that (the half-plane is the affine constraint when `a > 0`,
    /// else the lower one).
    ///
    /// For rank r > 2 the factor keeps `u` and the first `w` column only (enough for `S(y)`, whose
    /// constant row needs `u` alone; not for the full first-order checks).
    func lift(_ v: [Double], _ point: Point, ballMultiplier: Double) -> (flat: [Double], y: [Double]) {
        let n1 = lag.sizes[1], base = lag.constraintOffsets[0]
        var flat = Array(v[0..<2 * lag.sizes[0]]) + [Double](repeating: 0, count: 2 * n1)
        var y = [Double](repeating: 0, count: lag.constraintCount)
        let ball = point.residual > 0 ? ballMultiplier / (2 * point.residual) : 0
        for m in 0..<n1 {
            let q = point.projections[m]
            flat[2 * lag.sizes[0] + m] = q.u
            flat[2 * lag.sizes[0] + n1 + m] = q.w
            y[base + (q.halfPlaneIsAffine ? n1 : 0) + m] = 2 * ball * q.halfPlane
            y[base + 2 * n1 + m] = 2 * ball * q.disk
        }
        y[y.count - 1] = ball
        return (flat, y)
    }

    /// `λ₁/λ₂` of G = F Fᵀ for the factor `F = [1 0 …; u w w' …]` (all layers; `w_1`'s columns
    /// from the projections, `q_w` split along `(W w_0, W w_0', …)_m / c`): the eigenvalues of the
    /// r × r Gram matrix `FᵀF`.
    func rankRatio(_ v: [Double], _ point: Point) throws -> Double {
        let n0 = lag.sizes[0], n1 = lag.sizes[1], rows = v.count / n0
        let wx = try lag.forward([try Matrix(rows: rows, columns: n0, elements: v)])[0]
        var columns = (0..<rows).map { j in Array(v[j * n0..<(j + 1) * n0]) + [Double](repeating: 0, count: n1) }
        for m in 0..<n1 {
            let q = point.projections[m]
            columns[0][n0 + m] = q.u
            var c2 = 0.0
            for j in 1..<rows { c2 += wx[j, m] * wx[j, m] }
            let c = c2.squareRoot()
            for j in 1..<rows { columns[j][n0 + m] = rows == 2 ? q.w : (c > 0 ? q.w * wx[j, m] / c : 0) }
        }
        return try BurerMonteiroRank2.factorRankRatio(columns: columns)
    }
}
