import Foundation
import LinearAlgebra

/// The accurate polishing phase of `SDPCertifier`: the augmented Lagrangian method on the
/// primal SDP in a low-rank factor (Burer & Monteiro 2003), whose multiplier updates converge
/// to a minimiser of the dual function d(θ) where the subgradient methods stall at its kinks.
///
/// With L(P̂, θ) = const'(θ) + ⟨Ŝ(θ), P̂⟩ = f(P̂) + θᵀc(P̂) (linear in θ: c(P̂) is the subgradient
/// of `SDPDual.subgradient`, the residuals of the ReLU constraints: c_a, c_b ≥ 0 and c_e = 0 at
/// a feasible P̂), each outer step maximises over P̂ = V Vᵀ
///
/// ```
/// Φ_σ(P̂; θ) = f(P̂) − (1/2σ) Σ_{a,b} [ (θ_i − σ c_i)₊² − θ_i² ] + Σ_e [ θ_i c_i − (σ/2) c_i² ]
/// ```
/// (rows of V on the unit sphere with one private slack coordinate each, so P̂_ii ≤ 1, and row 0
/// without one, so P̂_00 = 1), then sets θ ← ((θ − σc)₊ on a, b; θ − σc on e). Since
/// ∂Φ/∂P̂ = Ŝ(θ̃) with θ̃ those updated multipliers, a gradient is one layered product Ŝ(θ̃) V.
/// σ grows when the residual falls by less than a factor 4.
///
/// The result is only a candidate θ: the bound is `SDPDual.soundBound` with κ from the mixing
/// method at θ, so the method's accuracy affects tightness, never soundness.
struct SDPDualAugmentedLagrangian {
    let problem: SDPProblem
    /// Outer (multiplier) updates at most.
    var outerIterations = 30
    /// L-BFGS iterations per outer step.
    var innerIterations = 300
    /// The first penalty σ (for constraints scaled to unit gradient, `constraintWeights`).
    var penalty = 1.0
    /// σ's growth when the residual did not fall by a factor 4, up to `maxPenalty`.
    var growth = 4.0
    /// Beyond this σ the inner problems become too ill-conditioned for L-BFGS (measured on the
    /// fixtures: 1e3–1e4 reach 1e-6 of the optimum, unbounded growth stalls at 1e-3).
    var maxPenalty = 1e4
    /// Mixing sweeps for the κ of each sound bound.
    var sweeps = 300
    var deadline: Date?

    /// What a run found: the best sound bound and its multipliers, the last primal value f(P̂)
    /// and the residual of the constraints there.
    struct Result {
        var bound: Double
        var multipliers: SDPMultipliers
        var primal: Double
        var residual: Double
        var outerIterations: Int
    }

    /// Polishes from `start` (its d are ignored) and the mixing factor `factor` of its inner problem
    /// (solved anew when nil or of another size).
    ///
    /// - Complexity: per outer step `innerIterations` L-BFGS steps, each a layered product and
    ///   `rank` passes through the weights; then one mixing solve and one sound bound (a dense
    ///   Cholesky factorisation of size N + 1).
    func solve(from start: SDPMultipliers, factor startFactor: Matrix<Double>?, rank: Int = 8) throws -> Result {
        let p = problem, n = p.size
        let dual = SDPDual(problem: p)
        let couplings = dual.couplings()
        let inputs = p.alive[0].count
        var theta = start
        for i in theta.d.indices { theta.d[i] = 0 }
        theta.project(inputCount: inputs)

        var mixing = ElliptopeMaximization()
        mixing.rank = min(rank, n + 1)
        mixing.sweeps = sweeps
        mixing.tolerance = 1e-10
        var best = Double.infinity, bestMultipliers = theta
        var factor = startFactor
        /// The sound bound at θ (κ from the mixing method, warm started); returns d's estimate.
        func check(_ m: SDPMultipliers) throws -> Double {
            var candidate = m
            for i in candidate.kappa.indices { candidate.kappa[i] = 0 }
            let centred = try dual.centred(candidate)
            let solved = try mixing.solve(dual.layeredMatrix(candidate, head: centred.head, couplings: couplings), start: factor)
            factor = solved.v
            candidate.kappa = solved.kappa
            let bound = try dual.soundBound(candidate)
            if bound < best {
                best = bound
                bestMultipliers = candidate
            }
            return centred.constant + solved.value
        }
        _ = try check(theta)
        guard let v0 = factor else { return Result(bound: best, multipliers: bestMultipliers, primal: -.infinity, residual: .infinity, outerIterations: 0) }

        // Y: the factor's k columns plus one slack column; row 0 has no slack.
        let k = v0.columns, width = k + 1, rows = n + 1
        var y = [Double](repeating: 0, count: rows * width)
        for i in 0..<rows {
            var norm = 0.0
            for c in 0..<k {
                y[i * width + c] = v0[i, c]
                norm += v0[i, c] * v0[i, c]
            }
            if i > 0 { y[i * width + k] = max(1 - norm, 0).squareRoot() + 1e-3 }
        }

        func isConstrained(_ t: Int) -> Bool { t % n >= inputs }
        var sigma = penalty
        // σ_t = σ · weight_t with weight_t = 1 / ‖∇_P̂ c_t‖²_F: every constraint scaled to unit gradient.
        let weight = constraintWeights()
        /// The factor V of Y (rows normalised, slack dropped) and the row norms.
        func factorOf(_ y: [Double]) -> (v: Matrix<Double>, norms: [Double]) {
            var v = Matrix<Double>(rows: rows, columns: k)
            var norms = [Double](repeating: 1, count: rows)
            for i in 0..<rows {
                var norm = 0.0
                for c in 0..<(i == 0 ? k : width) { norm += y[i * width + c] * y[i * width + c] }
                norm = max(norm.squareRoot(), 1e-300)
                norms[i] = norm
                for c in 0..<k { v[i, c] = y[i * width + c] / norm }
            }
            return (v, norms)
        }
        /// The updated multipliers θ̃ for residuals c.
        func updated(_ c: [Double]) -> SDPMultipliers {
            var m = SDPMultipliers(size: n)
            for i in inputs..<n {
                m.a[i] = max(theta.a[i] - sigma * weight[i] * c[i], 0)
                m.b[i] = max(theta.b[i] - sigma * weight[n + i] * c[n + i], 0)
                m.e[i] = theta.e[i] - sigma * weight[2 * n + i] * c[2 * n + i]
            }
            return m
        }
        /// −Φ and its gradient over Y, with what the outer step needs: the primal value f(P̂), the
        /// residuals c(P̂) (0 where there is no constraint) and the factor V.
        func objective(_ y: [Double]) throws -> (value: Double, gradient: [Double], primal: Double, c: [Double], v: Matrix<Double>) {
            let (v, norms) = factorOf(y)
            var c = try dual.subgradient(factor: v)
            for t in c.indices where !isConstrained(t) { c[t] = 0 }
            let tilde = updated(c)
            let centred = try dual.centred(tilde)
            let s = dual.layeredMatrix(tilde, head: centred.head, couplings: couplings)
            let g = try s.multiplied(by: v)
            var lagrangian = centred.constant
            for t in v.elements.indices { lagrangian += v.elements[t] * g.elements[t] }
            var penaltyTerms = 0.0, tildeDotC = 0.0
            for i in inputs..<n {
                for (old, new, ci, w) in [(theta.a[i], tilde.a[i], c[i], weight[i]), (theta.b[i], tilde.b[i], c[n + i], weight[n + i])] {
                    tildeDotC += new * ci
                    penaltyTerms -= (new * new - old * old) / (2 * sigma * w)
                }
                let ce = c[2 * n + i]
                tildeDotC += tilde.e[i] * ce
                penaltyTerms += theta.e[i] * ce - 0.5 * sigma * weight[2 * n + i] * ce * ce
            }
            let primal = lagrangian - tildeDotC
            var gradient = [Double](repeating: 0, count: y.count)
            for i in 0..<rows {
                // ∂Φ/∂v_i = 2 (Ŝ V)_i, projected on the sphere's tangent and divided by |y_i|.
                var radial = 0.0
                for c in 0..<k { radial += 2 * g[i, c] * v[i, c] }
                let scale = 1 / norms[i]
                for c in 0..<k { gradient[i * width + c] = -(2 * g[i, c] - radial * v[i, c]) * scale }
                if i > 0 { gradient[i * width + k] = radial * (y[i * width + k] * scale) * scale }
            }
            return (-(primal + penaltyTerms), gradient, primal, c, v)
        }

        /// The size of the constraint violation (scaled, complementarity-aware) for residuals c.
        func residualOf(_ c: [Double]) -> Double {
            var total = 0.0
            for i in inputs..<n {
                let ra = min(c[i], theta.a[i] / (sigma * weight[i])), rb = min(c[n + i], theta.b[i] / (sigma * weight[n + i]))
                let re = c[2 * n + i]
                total += ra * ra * weight[i] + rb * rb * weight[n + i] + re * re * weight[2 * n + i]
            }
            return total.squareRoot()
        }
        var residual = residualOf(try objective(y).c), primal = -Double.infinity, outer = 0
        let lbfgs = LBFGS(memory: 10, maxIterations: innerIterations, gradientTolerance: 1e-10)
        while outer < outerIterations {
            if let deadline, Date() >= deadline { break }
            outer += 1
            var timedOut = false
            _ = try lbfgs.minimize(&y) { y in
                if let deadline, Date() >= deadline { timedOut = true }
                let e = try objective(y)
                return timedOut ? (0, [Double](repeating: 0, count: y.count)) : (e.value, e.gradient)
            }
            let end = try objective(y)
            primal = end.primal
            let newResidual = residualOf(end.c)
            theta = updated(end.c)
            // Rows renormalised (L-BFGS lets their norms drift; the function does not see them).
            for i in 0..<rows {
                let norm = (0..<(i == 0 ? k : width)).reduce(0.0) { $0 + y[i * width + $1] * y[i * width + $1] }.squareRoot()
                if norm > 0 { for c in 0..<width { y[i * width + c] /= norm } }
            }
            factor = end.v
            _ = try check(theta)
            if newResidual > 0.25 * residual, sigma < maxPenalty { sigma *= growth }
            residual = newResidual
            if residual < 1e-12 { break }
        }
        return Result(bound: best, multipliers: bestMultipliers, primal: primal, residual: residual, outerIterations: outer)
    }

    /// `1 / ‖∇_P̂ c_t‖²_F` for every constraint t over (a, b, e) (1 where there is none): with
    /// x = m + r ⊙ z, c_a = x_i, c_b = x_i − w_iᵀx′ − b_i and c_e = X_ii − w_iᵀX′_i − b_i x_i.
    ///
    /// - Complexity: one pass through the weights.
    func constraintWeights() -> [Double] {
        let p = problem, n = p.size
        var weight = [Double](repeating: 1, count: 3 * n)
        for k in 1..<max(p.layerCount, 1) {
            let w = p.weights[k - 1], bias = p.biases[k - 1], previous = p.block(k - 1)
            for (t, i) in p.block(k).enumerated() {
                let (m, r) = (p.center[i], p.scale[i])
                var incoming = 0.0, crossQuadratic = 0.0, crossLinear = 0.0, wm = 0.0
                for (s, j) in previous.enumerated() {
                    let wij = w[t, s]
                    incoming += wij * wij * p.scale[j] * p.scale[j]
                    crossQuadratic += wij * wij * r * r * p.scale[j] * p.scale[j] / 2
                    crossLinear += (wij * m * p.scale[j]) * (wij * m * p.scale[j])
                    wm += wij * p.center[j]
                }
                let own = r * (2 * m - wm - bias[t])
                let squares = [
                    r * r / 2,
                    (r * r + incoming) / 2,
                    r * r * r * r + crossQuadratic + (own * own + crossLinear) / 2,
                ]
                for (block, square) in squares.enumerated() where square > 0 { weight[block * n + i] = 1 / square }
            }
        }
        return weight
    }
}
