import LinearAlgebra

/// BM2's program over ℓ ≥ 2 layers with the last layer's pair `(u_ℓ, w_ℓ)` minimised out (as in
/// `OneLayerReduction`) and each hidden neuron's product and affine constraints kept as one *set*
/// constraint `(u_k, w_k)_m ∈ D'(a_m, c_m)` (the disk `u² + w² ≤ a u + c w` cut by `u ≥ a`,
/// `ReLUCapProjection` with `chordAtA`; `a = W u_{k−1} + b`, `c = W w_{k−1}`) of a set augmented
/// Lagrangian, and `u_k ≥ 0` as ordinary PHR terms with multipliers ν:
///
/// ```
/// min ‖u_0 − x̂‖² + ‖w_0‖² + Σ_{k<ℓ, m} [ (σ/2) dist²((u_k, w_k)_m + λ_m/σ, D'(a_m, c_m)) − ‖λ_m‖²/(2σ)
///                                        + (max(0, ν_m − σ u_{k,m})² − ν_m²)/(2σ) ]
///     s.t. ψ(u_{ℓ−1}, w_{ℓ−1}) = (Σ_m dist²((ẑ_m, 0), D(a_m, c_m)))^{1/2} ≤ ρ
/// ```
/// The multiplier `λ_m ∈ R²` is the cap's normal-cone vector, unique where the scalar
/// constraints' multipliers are not (at `u = ReLU(a)`, `w = 0` two of them are active with parallel
/// gradients, which the scalar augmented Lagrangian cannot settle); the scalar multipliers of the
/// SDP certificate are `σ` times the projection's (`lift`). `dist²` to `D'` is C¹ in the point and,
/// by the envelope theorem, in `(a, c)` away from `c = 0`; keeping `u ≥ 0` apart avoids the kink of
/// `max(0, a)` at `a = 0` that a cap cut at `u ≥ ReLU(a)` would put into the function.
///
/// With `rank` r > 2 the factor has r columns: `w_k` becomes `r − 1` rows, `c = W w_{k−1}` a vector
/// of R^{r−1}, the cap `{p ∈ R^r : ‖p‖² ≤ ⟨p, (a, c)⟩, p_1 ≥ a}` a ball cut by a half-space, and
/// `λ_m ∈ R^r` (Burer–Monteiro's rank increase, for SDP solutions BM2's rank cannot reach and for
/// the spurious rank-2 points where some caps collapse to a point, `c_m = 0`, and no multiplier
/// exists). The projection onto the ball cap is planar (`ReLUCapProjection.init(point:offset:a:cNorm:)`).
struct LayerwiseReduction {
    let lag: RankTwoLagrangian
    /// Factor columns r (2: BM2).
    var rank = 2

    /// Neurons of the layers before k.
    private func neurons(before k: Int) -> Int { lag.sizes[0..<k].reduce(0, +) }
    /// Number of variables `[u_0, w_0, …, u_{ℓ−1}, w_{ℓ−1}]`: `r Σ_{k<ℓ} n_k`.
    var variableCount: Int { rank * neurons(before: lag.problem.layerCount) }
    /// Where layer k's `r × n_k` block (row 0 `u_k`, rows 1 … r − 1 `w_k`) starts.
    func variableOffset(_ k: Int) -> Int { rank * neurons(before: k) }
    /// Number of multipliers (r + 1 per neuron of layers 1 … ℓ−1: the cap's `λ ∈ R^r` and ν).
    var multiplierCount: Int { (rank + 1) * (neurons(before: lag.problem.layerCount) - lag.sizes[0]) }
    /// Where layer k's `[λ_u; λ_w …; ν]` block ((r + 1) n_k numbers) starts, for k = 1 … ℓ−1.
    func multiplierOffset(_ k: Int) -> Int { (rank + 1) * (neurons(before: k) - lag.sizes[0]) }

    /// The reduced functions at one point.
    struct Point {
        /// `‖u_0 − x̂‖² + ‖w_0‖²`.
        var objective: Double
        /// The caps' augmented terms `Σ (σ/2) φ − ‖λ‖²/(2σ)`.
        var penalty: Double
        /// Gradient of `objective + penalty`.
        var gradient: [Double]
        /// ψ and its gradient.
        var residual: Double
        var residualGradient: [Double]
        /// Per hidden layer 1 … ℓ−1 (index k − 1), the projections of `(u_k, w_k) + λ/σ` (for
        /// r > 2 the planar ones: `c` is `‖c‖` there, `w` a coordinate of the plane).
        var caps: [[ReLUCapProjection]]
        /// Per hidden layer, the projections themselves as an `r × n_k` matrix.
        var capPoints: [Matrix<Double>]
        /// `max_m dist((u_k, w_k)_m, D'_m)` and `max(0, −u_k)` over the hidden layers.
        var capViolation: Double
        /// Per hidden layer, the updated multipliers `max(0, ν − σ u)` of `u ≥ 0`.
        var lowerMultipliers: [[Double]]
        /// The last layer's projections of `(ẑ_m, 0)` (the eliminated `u_ℓ, w_ℓ`), and their `w`
        /// parts as an `(r − 1) × n_ℓ` matrix (along `c_m / ‖c_m‖` for r > 2).
        var projections: [ReLUCapProjection]
        var lastW: Matrix<Double>
    }

    /// The factor at `v` as one `r × n_k` matrix per layer k < ℓ.
    func split(_ v: [Double]) throws -> [Matrix<Double>] {
        try (0..<lag.problem.layerCount).map { k in
            try Matrix(rows: rank, columns: lag.sizes[k], elements: Array(v[variableOffset(k)..<variableOffset(k + 1)]))
        }
    }

    /// Evaluates at `v` with cap multipliers `lambda` and penalty `sigma`; `capViolation` is
    /// measured only when `measuresViolation` (after an inner solve, not on its iterations).
    ///
    /// - Complexity: one forward and one backward product with each `W_k` on r vectors (sparse
    ///   for convolutions) and O(r Σ n_k) for the projections.
    func evaluate(_ v: [Double], multipliers lambda: [Double], sigma: Double, measuresViolation: Bool = false) throws -> Point {
        let p = lag.problem, sizes = lag.sizes, last = p.layerCount, n0 = sizes[0], r = rank
        let x = try split(v)
        let wx = try (0..<last).map { try lag.product(x[$0], layer: $0) }
        var gradients = x.map { Matrix<Double>(rows: r, columns: $0.columns) }
        var residualGradients = gradients
        var objective = 0.0
        for i in 0..<n0 {
            let d = x[0][0, i] - p.center[i]
            objective += d * d
            gradients[0][0, i] = 2 * d
            for j in 1..<r {
                let w = x[0][j, i]
                objective += w * w
                gradients[0][j, i] = 2 * w
            }
        }
        var penalty = 0.0, capViolation = 0.0
        var caps: [[ReLUCapProjection]] = [], capPoints: [Matrix<Double>] = [], lowers: [[Double]] = []
        for k in 1..<max(1, last) {
            let n = sizes[k], offset = multiplierOffset(k)
            var lower = [Double](repeating: 0, count: n)
            var back = Matrix<Double>(rows: r, columns: n)
            var points = Matrix<Double>(rows: r, columns: n)
            var layer: [ReLUCapProjection] = []
            layer.reserveCapacity(n)
            for m in 0..<n {
                let a = wx[k - 1][0, m] + p.biases[k - 1][m]
                let zu = x[k][0, m], lu = lambda[offset + m], yu = zu + lu / sigma
                var squaredMultiplier = lu * lu
                let q: ReLUCapProjection
                if r == 2 {
                    let c = wx[k - 1][1, m], lw = lambda[offset + n + m], yw = x[k][1, m] + lw / sigma
                    squaredMultiplier += lw * lw
                    q = ReLUCapProjection(point: yu, yw, a: a, c: c, chordAtA: true)
                    points[1, m] = q.w
                    gradients[k][1, m] += sigma * (yw - q.w)
                    back[1, m] = 0.5 * sigma * q.derivativeC
                } else {
                    // The plane through the ball's centre spanned by e₁ and y_w − c/2.
                    for j in 1..<r {
                        let l = lambda[offset + j * n + m]
                        squaredMultiplier += l * l
                    }
                    let shift: Double
                    (q, shift) = ReLUCapProjection.inPlane(
                        yu: yu, count: r - 1, a: a, yw: { x[k][$0 + 1, m] + lambda[offset + ($0 + 1) * n + m] / sigma },
                        c: { wx[k - 1][$0 + 1, m] })
                    for j in 1..<r {
                        let c = wx[k - 1][j, m], y = x[k][j, m] + lambda[offset + j * n + m] / sigma
                        let qw = 0.5 * c + shift * (y - 0.5 * c)
                        points[j, m] = qw
                        gradients[k][j, m] += sigma * (y - qw)
                        back[j, m] = -sigma * q.disk * qw
                    }
                }
                points[0, m] = q.u
                penalty += 0.5 * sigma * q.squaredDistance - squaredMultiplier / (2 * sigma)
                let nu = lambda[offset + r * n + m], shifted = max(0, nu - sigma * zu)
                penalty += (shifted * shifted - nu * nu) / (2 * sigma)
                gradients[k][0, m] += sigma * (yu - q.u) - shifted
                back[0, m] = 0.5 * sigma * q.derivativeA
                lower[m] = shifted
                capViolation = max(capViolation, -zu)
                layer.append(q)
                if measuresViolation {
                    capViolation = max(capViolation, ownDistance(x[k], m, wx[k - 1], a: a, lambda: lambda, offset: offset, q))
                }
            }
            caps.append(layer)
            capPoints.append(points)
            lowers.append(lower)
            try lag.accumulate(back, layer: k - 1, into: &gradients[k - 1])
        }
        let ball = lag.eliminatedBall(wx[last - 1])
        try lag.accumulate(ball.back, layer: last - 1, into: &residualGradients[last - 1])
        return Point(
            objective: objective, penalty: penalty, gradient: gradients.flatMap(\.elements), residual: ball.residual,
            residualGradient: residualGradients.flatMap(\.elements), caps: caps, capPoints: capPoints,
            capViolation: capViolation, lowerMultipliers: lowers, projections: ball.projections, lastW: ball.w)
    }

    /// `dist((u_k, w_k)_m, D'_m)` of the point itself (not shifted by `λ/σ`); `q` is the shifted
    /// point's projection, the same when the multipliers are 0.
    private func ownDistance(
        _ x: Matrix<Double>, _ m: Int, _ wx: Matrix<Double>, a: Double, lambda: [Double], offset: Int, _ q: ReLUCapProjection
    ) -> Double {
        let n = x.columns
        guard (0..<rank).contains(where: { lambda[offset + $0 * n + m] != 0 }) else { return q.squaredDistance.squareRoot() }
        if rank == 2 {
            return ReLUCapProjection(point: x[0, m], x[1, m], a: a, c: wx[1, m], chordAtA: true).squaredDistance.squareRoot()
        }
        let (own, _) = ReLUCapProjection.inPlane(yu: x[0, m], count: rank - 1, a: a, yw: { x[$0 + 1, m] }, c: { wx[$0 + 1, m] })
        return own.squaredDistance.squareRoot()
    }

    /// The multipliers after an outer iteration: `λ_m ← σ ((u, w)_m + λ_m/σ − q_m)`, the
    /// normal-cone vector of each cap at its projection, and `ν_m ← max(0, ν_m − σ u_m)`.
    func updatedMultipliers(_ point: Point, sigma: Double, v: [Double], multipliers lambda: [Double]) -> [Double] {
        var out = lambda
        for k in 1..<max(1, lag.problem.layerCount) {
            let n = lag.sizes[k], offset = multiplierOffset(k), base = variableOffset(k), q = point.capPoints[k - 1]
            for m in 0..<n {
                for j in 0..<rank {
                    out[offset + j * n + m] = lambda[offset + j * n + m] + sigma * (v[base + j * n + m] - q[j, m])
                }
                out[offset + rank * n + m] = point.lowerMultipliers[k - 1][m]
            }
        }
        return out
    }

    /// The cap multipliers for a factor of `rank` columns (this reduction's rank or one more): the
    /// new column's multipliers start at 0.
    func multipliers(_ lambda: [Double], widenedTo rank: Int) -> [Double] {
        guard rank > self.rank else { return lambda }
        var out: [Double] = []
        out.reserveCapacity(lambda.count + (rank - self.rank) * (neurons(before: lag.problem.layerCount) - lag.sizes[0]))
        for k in 1..<max(1, lag.problem.layerCount) {
            let n = lag.sizes[k], o = multiplierOffset(k)
            out += lambda[o..<o + self.rank * n]
            out += [Double](repeating: 0, count: (rank - self.rank) * n)
            out += lambda[o + self.rank * n..<o + (self.rank + 1) * n]
        }
        return out
    }
}
