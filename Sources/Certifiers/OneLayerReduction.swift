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

    /// Evaluates at `v = [u_0, w_0]` (length 2 n_0).
    ///
    /// - Complexity: one forward and one backward product with `W_0` on two vectors.
    func evaluate(_ v: [Double]) throws -> Point {
        let p = lag.problem, n0 = lag.sizes[0], n1 = lag.sizes[1]
        let x = try Matrix(rows: 2, columns: n0, elements: v)
        let wx = try lag.forward([x])[0]
        var projections: [ReLUCapProjection] = []
        projections.reserveCapacity(n1)
        var squared = 0.0
        for m in 0..<n1 {
            let q = ReLUCapProjection(target: p.target[m], a: wx[0, m] + p.biases[0][m], c: wx[1, m])
            squared += q.squaredDistance
            projections.append(q)
        }
        let residual = squared.squareRoot()
        var back = Matrix<Double>(rows: 2, columns: n1)
        let half = 0.5 / max(residual, 1e-300)
        for m in 0..<n1 {
            back[0, m] = half * projections[m].derivativeA
            back[1, m] = half * projections[m].derivativeC
        }
        var gradient = Matrix<Double>(rows: 2, columns: n0)
        try lag.accumulate(back, layer: 0, into: &gradient)
        var objective = 0.0, objectiveGradient = [Double](repeating: 0, count: 2 * n0)
        for i in 0..<n0 {
            let d = v[i] - p.center[i], w = v[n0 + i]
            objective += d * d + w * w
            objectiveGradient[i] = 2 * d
            objectiveGradient[n0 + i] = 2 * w
        }
        return Point(
            objective: objective, objectiveGradient: objectiveGradient, residual: residual,
            residualGradient: gradient.elements, projections: projections)
    }

    /// BM2's full factor `[u_0, w_0, u_1, w_1]` (`RankTwoLagrangian` layout) and its SDP
    /// multipliers at a reduced point with ball multiplier `ballMultiplier` (for ψ ≤ ρ).
    ///
    /// The ball in squared form gets `μ / (2ψ)`; each neuron's disk and half-plane multipliers are
    /// the projection's times twice that (the half-plane is the affine constraint when `a > 0`,
    /// else the lower one).
    func lift(_ v: [Double], _ point: Point, ballMultiplier: Double) -> (flat: [Double], y: [Double]) {
        let n1 = lag.sizes[1], base = lag.constraintOffsets[0]
        var flat = v + [Double](repeating: 0, count: 2 * n1)
        var y = [Double](repeating: 0, count: lag.constraintCount)
        let ball = ballMultiplier / (2 * max(point.residual, 1e-300))
        for m in 0..<n1 {
            let q = point.projections[m]
            flat[v.count + m] = q.u
            flat[v.count + n1 + m] = q.w
            y[base + (q.halfPlaneIsAffine ? n1 : 0) + m] = 2 * ball * q.halfPlane
            y[base + 2 * n1 + m] = 2 * ball * q.disk
        }
        y[y.count - 1] = ball
        return (flat, y)
    }
}
