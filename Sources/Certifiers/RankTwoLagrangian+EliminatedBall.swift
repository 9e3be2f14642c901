import LinearAlgebra

extension RankTwoLagrangian {
    /// The ball constraint of problem (B) with the last layer's factor rows minimised out, shared by
    /// `OneLayerReduction` and `LayerwiseReduction`.
    struct EliminatedBall {
        /// Each last-layer neuron's projection of `(ẑ_m, 0)` onto its cap `D(a_m, ‖c_m‖)`.
        var projections: [ReLUCapProjection]
        /// `ψ = (Σ_m dist²((ẑ_m, 0), D(a_m, c_m)))^{1/2}`.
        var residual: Double
        /// `∂ψ/∂(a, c)` per neuron (row 0 for `a`, rows 1 … r − 1 for `c`), to push back through `W_{ℓ−1}`.
        var back: Matrix<Double>
        /// The projections' `w` parts, `(r − 1) × n_ℓ` (along `c_m / ‖c_m‖` for r > 2).
        var w: Matrix<Double>
    }

    /// ψ and its derivatives from the last layer's products `before = [W u + ·; W w; W w'; …]` (r
    /// rows, without the bias) of the factor of layer ℓ − 1:
    ///
    /// ```
    /// ψ² = Σ_m dist²((ẑ_m, 0), D(a_m, ‖c_m‖)),   a = (W u)_m + b_m,   c_m = ((W w)_m, (W w')_m, …)
    /// ```
    /// A neuron's cap depends on `‖c_m‖` only (the program is invariant under rotations of the
    /// columns after the first); for r = 2 the signed `c_m` is used.
    ///
    /// - Complexity: O(r n_ℓ).
    func eliminatedBall(_ before: Matrix<Double>) -> EliminatedBall {
        let last = problem.layerCount, n = sizes[last], r = before.rows
        var projections: [ReLUCapProjection] = []
        projections.reserveCapacity(n)
        var w = Matrix<Double>(rows: r - 1, columns: n), norms = [Double](repeating: 0, count: n)
        var squared = 0.0
        for m in 0..<n {
            var c = before[1, m]
            if r > 2 {
                var c2 = 0.0
                for j in 1..<r { c2 += before[j, m] * before[j, m] }
                c = c2.squareRoot()
            }
            norms[m] = c
            let q = ReLUCapProjection(target: problem.target[m], a: before[0, m] + problem.biases[last - 1][m], c: c)
            squared += q.squaredDistance
            projections.append(q)
            for j in 1..<r { w[j - 1, m] = r == 2 ? q.w : (c > 0 ? q.w * before[j, m] / c : 0) }
        }
        let residual = squared.squareRoot(), half = 0.5 / max(residual, 1e-300)
        var back = Matrix<Double>(rows: r, columns: n)
        for m in 0..<n {
            back[0, m] = half * projections[m].derivativeA
            if r == 2 {
                back[1, m] = half * projections[m].derivativeC
            } else if norms[m] > 0 {
                let scale = half * projections[m].derivativeC / norms[m]
                for j in 1..<r { back[j, m] = scale * before[j, m] }
            }
        }
        return EliminatedBall(projections: projections, residual: residual, back: back, w: w)
    }

    /// The Gauss–Newton weights of ψ² per last-layer neuron and factor row, from the same products
    /// `before` as `eliminatedBall`: row 0 `‖∂q_m/∂a_m‖²`, row j ≥ 1 `‖∂q_m/∂c_m‖²` times the
    /// column's share `(W w_j)_m² / c_m²` of `c_m` (q_m the projection of `(ẑ_m, 0)`), so that
    /// `Σ_j W_{ℓ−1}ᵀ diag(row_j) W_{ℓ−1}` is the block diagonal of `JᵀJ` with `ψ² = ‖q − (ẑ, 0)‖²`.
    /// The derivatives are central differences of the projection (exact away from the caps'
    /// kinks, an average across them).
    ///
    /// - Complexity: 4 projections per neuron, O(r n_ℓ).
    func eliminatedBallCurvature(_ before: Matrix<Double>) -> [[Double]] {
        let last = problem.layerCount, n = sizes[last], r = before.rows
        var weights = [[Double]](repeating: [Double](repeating: 0, count: n), count: r)
        for m in 0..<n {
            let a = before[0, m] + problem.biases[last - 1][m]
            var c2 = 0.0
            for j in 1..<r { c2 += before[j, m] * before[j, m] }
            let c = r == 2 ? before[1, m] : c2.squareRoot()
            let step = 1e-6 * max(1e-3, abs(a), abs(c))
            func project(_ a: Double, _ c: Double) -> (u: Double, w: Double) {
                let q = ReLUCapProjection(target: problem.target[m], a: a, c: c)
                return (q.u, q.w)
            }
            let (ap, am) = (project(a + step, c), project(a - step, c))
            let (cp, cm) = (project(a, c + step), project(a, c - step))
            let du = (ap.u - am.u) / (2 * step), dw = (ap.w - am.w) / (2 * step)
            let eu = (cp.u - cm.u) / (2 * step), ew = (cp.w - cm.w) / (2 * step)
            weights[0][m] = du * du + dw * dw
            for j in 1..<r {
                weights[j][m] = (eu * eu + ew * ew) * (r == 2 ? 1 : (c2 > 0 ? before[j, m] * before[j, m] / c2 : 0))
            }
        }
        return weights
    }
}
