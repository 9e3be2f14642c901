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
struct LayerwiseReduction {
    let lag: RankTwoLagrangian

    /// Number of variables `[u_0, w_0, …, u_{ℓ−1}, w_{ℓ−1}]`: `2 Σ_{k<ℓ} n_k`.
    var variableCount: Int { lag.variableOffsets[lag.problem.layerCount] }
    /// Number of multipliers (three per neuron of layers 1 … ℓ−1: the cap's `λ_u, λ_w` and ν).
    var multiplierCount: Int { 3 * (lag.sizes.dropLast().reduce(0, +) - lag.sizes[0]) }
    /// Where layer k's `[λ_u; λ_w; ν]` block (3 n_k numbers) starts, for k = 1 … ℓ−1.
    func multiplierOffset(_ k: Int) -> Int { 3 * (lag.sizes[1..<k].reduce(0, +)) }

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
        /// Per hidden layer 1 … ℓ−1 (index k − 1), the projections of `(u_k, w_k) + λ/σ`.
        var caps: [[ReLUCapProjection]]
        /// `max_m dist((u_k, w_k)_m, D'_m)` and `max(0, −u_k)` over the hidden layers.
        var capViolation: Double
        /// Per hidden layer, the updated multipliers `max(0, ν − σ u)` of `u ≥ 0`.
        var lowerMultipliers: [[Double]]
        /// The last layer's projections of `(ẑ_m, 0)` (the eliminated `u_ℓ, w_ℓ`).
        var projections: [ReLUCapProjection]
    }

    /// Evaluates at `v` with cap multipliers `lambda` and penalty `sigma`; `capViolation` is
    /// measured only when `measuresViolation` (after an inner solve, not on its iterations).
    ///
    /// - Complexity: one forward and one backward product with each `W_k` on two vectors (sparse
    ///   for convolutions) and O(Σ n_k) for the projections.
    func evaluate(_ v: [Double], multipliers lambda: [Double], sigma: Double, measuresViolation: Bool = false) throws -> Point {
        let p = lag.problem, sizes = lag.sizes, last = p.layerCount, n0 = sizes[0]
        let x = try (0..<last).map { k in
            try Matrix(rows: 2, columns: sizes[k], elements: Array(v[lag.variableOffsets[k]..<lag.variableOffsets[k + 1]]))
        }
        let wx = try (0..<last).map { try lag.product(x[$0], layer: $0) }
        var gradients = x.map { Matrix<Double>(rows: 2, columns: $0.columns) }
        var residualGradients = gradients
        var objective = 0.0
        for i in 0..<n0 {
            let d = x[0][0, i] - p.center[i], w = x[0][1, i]
            objective += d * d + w * w
            gradients[0][0, i] = 2 * d
            gradients[0][1, i] = 2 * w
        }
        var penalty = 0.0, capViolation = 0.0
        var caps: [[ReLUCapProjection]] = [], lowers: [[Double]] = []
        for k in 1..<max(1, last) {
            let n = sizes[k], offset = multiplierOffset(k)
            var lower = [Double](repeating: 0, count: n)
            var back = Matrix<Double>(rows: 2, columns: n)
            var layer: [ReLUCapProjection] = []
            layer.reserveCapacity(n)
            for m in 0..<n {
                let a = wx[k - 1][0, m] + p.biases[k - 1][m], c = wx[k - 1][1, m]
                let lu = lambda[offset + m], lw = lambda[offset + n + m]
                let zu = x[k][0, m], zw = x[k][1, m]
                let yu = zu + lu / sigma, yw = zw + lw / sigma
                let q = ReLUCapProjection(point: yu, yw, a: a, c: c, chordAtA: true)
                penalty += 0.5 * sigma * q.squaredDistance - (lu * lu + lw * lw) / (2 * sigma)
                let nu = lambda[offset + 2 * n + m], shifted = max(0, nu - sigma * zu)
                penalty += (shifted * shifted - nu * nu) / (2 * sigma)
                gradients[k][0, m] -= shifted
                lower[m] = shifted
                capViolation = max(capViolation, -zu)
                gradients[k][0, m] += sigma * (yu - q.u)
                gradients[k][1, m] += sigma * (yw - q.w)
                back[0, m] = 0.5 * sigma * q.derivativeA
                back[1, m] = 0.5 * sigma * q.derivativeC
                layer.append(q)
                if measuresViolation {
                    let own = lu != 0 || lw != 0 ? ReLUCapProjection(point: zu, zw, a: a, c: c, chordAtA: true) : q
                    capViolation = max(capViolation, own.squaredDistance.squareRoot())
                }
            }
            caps.append(layer)
            lowers.append(lower)
            try lag.accumulate(back, layer: k - 1, into: &gradients[k - 1])
        }
        let n = sizes[last]
        var projections: [ReLUCapProjection] = []
        projections.reserveCapacity(n)
        var squared = 0.0
        for m in 0..<n {
            let q = ReLUCapProjection(target: p.target[m], a: wx[last - 1][0, m] + p.biases[last - 1][m], c: wx[last - 1][1, m])
            squared += q.squaredDistance
            projections.append(q)
        }
        let residual = squared.squareRoot(), half = 0.5 / max(residual, 1e-300)
        var back = Matrix<Double>(rows: 2, columns: n)
        for m in 0..<n {
            back[0, m] = half * projections[m].derivativeA
            back[1, m] = half * projections[m].derivativeC
        }
        try lag.accumulate(back, layer: last - 1, into: &residualGradients[last - 1])
        return Point(
            objective: objective, penalty: penalty, gradient: gradients.flatMap(\.elements), residual: residual,
            residualGradient: residualGradients.flatMap(\.elements), caps: caps, capViolation: capViolation,
            lowerMultipliers: lowers, projections: projections)
    }

    /// The multipliers after an outer iteration: `λ_m ← σ ((u, w)_m + λ_m/σ − q_m)`, the
    /// normal-cone vector of each cap at its projection, and `ν_m ← max(0, ν_m − σ u_m)`.
    func updatedMultipliers(_ point: Point, sigma: Double, v: [Double], multipliers lambda: [Double]) -> [Double] {
        var out = lambda
        for k in 1..<max(1, lag.problem.layerCount) {
            let n = lag.sizes[k], offset = multiplierOffset(k), base = lag.variableOffsets[k]
            for m in 0..<n {
                let q = point.caps[k - 1][m]
                out[offset + m] = lambda[offset + m] + sigma * (v[base + m] - q.u)
                out[offset + n + m] = lambda[offset + n + m] + sigma * (v[base + n + m] - q.w)
                out[offset + 2 * n + m] = point.lowerMultipliers[k - 1][m]
            }
        }
        return out
    }

    /// BM2's full factor `[u_0, w_0, …, u_ℓ, w_ℓ]` (`RankTwoLagrangian` layout) and its SDP
    /// multipliers at `v`, from the point evaluated there with penalty `sigma` and the ball's
    /// multiplier `ballMultiplier` (for ψ ≤ ρ).
    ///
    /// A hidden cap's half-plane and disk multipliers are σ times its projection's (the half-plane
    /// is the affine constraint when `a > 0`, else the lower one); the last layer's are twice the
    /// squared ball's multiplier `μ / (2ψ)` times its projection's, as in `OneLayerReduction.lift`.
    func lift(_ v: [Double], _ point: Point, sigma: Double, ballMultiplier: Double) -> (flat: [Double], y: [Double]) {
        let last = lag.problem.layerCount, n = lag.sizes[last]
        var flat = Array(v[0..<variableCount]) + [Double](repeating: 0, count: 2 * n)
        var y = [Double](repeating: 0, count: lag.constraintCount)
        for k in 1..<max(1, last) {
            let nk = lag.sizes[k], base = lag.constraintOffsets[k - 1]
            for m in 0..<nk {
                let q = point.caps[k - 1][m]
                y[base + m] = point.lowerMultipliers[k - 1][m]
                y[base + nk + m] = sigma * q.halfPlane
                y[base + 2 * nk + m] = sigma * q.disk
            }
        }
        let ball = point.residual > 0 ? ballMultiplier / (2 * point.residual) : 0
        let base = lag.constraintOffsets[last - 1], offset = variableCount
        for m in 0..<n {
            let q = point.projections[m]
            flat[offset + m] = q.u
            flat[offset + n + m] = q.w
            y[base + (q.halfPlaneIsAffine ? n : 0) + m] = 2 * ball * q.halfPlane
            y[base + 2 * n + m] = 2 * ball * q.disk
        }
        y[y.count - 1] = ball
        return (flat, y)
    }

    /// The neurons (every layer) whose SDP multipliers `lift` chose among several: at the point
    /// `(ReLU(a), 0)` of a cap with `c ≈ 0` (`|c| ≤ 10⁻⁶ |a|`) where the half-plane active there
    /// (`u ≥ a` when `a > 0`, else `u ≥ 0`) has a positive multiplier; slope `|a|`.
    func freeMultipliers(_ point: Point, y: [Double]) -> [RankTwoLagrangian.FreeMultiplier] {
        let last = lag.problem.layerCount
        var free: [RankTwoLagrangian.FreeMultiplier] = []
        let layers = point.caps + [point.projections]
        for k in 1...last {
            let n = lag.sizes[k], base = lag.constraintOffsets[k - 1]
            for (m, q) in layers[k - 1].enumerated() where q.a != 0 && abs(q.c) <= 1e-6 * abs(q.a) {
                let half = base + (q.a > 0 ? n : 0) + m
                if y[half] > 0 { free.append(.init(halfPlane: half, product: base + 2 * n + m, slope: abs(q.a))) }
            }
        }
        return free
    }
}
