import Foundation
import LinearAlgebra

/// Problem (B)'s SDP relaxation (formulations.md; the same program `solveLeastSquaresRelaxation`
/// hands to CSDP) solved by the rank-2 Burer–Monteiro method "BM2" of paper 2 (§8, Appendix F):
/// a local method that never forms a matrix quadratic in the widths, only products with `W_k` and
/// `W_kᵀ`, so that it reaches CNN-sized networks.
public struct BurerMonteiroRank2: Sendable {
    /// Initial penalty σ₀ of the (scaled) augmented Lagrangian; `nil`: ALGENCAN's rule
    /// `σ₀ = 10 max(1, |f|) / max(1, ½ Σ max(0, g_i)²)` at the start, clamped to [10⁻⁶, 10⁶].
    public var penaltyStart: Double?
    /// Factor by which σ grows when the violation did not shrink by `requiredDecrease`.
    public var penaltyGrowth = 10.0
    /// σ stops growing here; five outer iterations at this σ end the solve (a violation above
    /// `infeasibilityThreshold` that stagnates there is reported as infeasible).
    public var penaltyMax = 1e8
    /// The violation must shrink by this factor per outer iteration, or σ grows.
    public var requiredDecrease = 0.25
    /// Scaled constraint violation and complementarity accepted as zero.
    public var feasibilityTolerance = 1e-8
    /// `‖∇_{u,w} L‖_∞` of the scaled Lagrangian accepted as zero (also the final inner tolerance).
    public var optimalityTolerance = 1e-7
    /// A violation above this that survives `penaltyMax` is reported as `.infeasible`.
    public var infeasibilityThreshold = 1e-4
    /// Outer (multiplier-update) iterations at most.
    public var maxOuterIterations = 60
    /// L-BFGS iterations at most per inner solve.
    public var maxInnerIterations = 3000
    /// L-BFGS memory.
    public var memory = 10
    /// Wall-clock seconds at most (`nil`: no limit); on expiry the last iterate is `.inaccurate`.
    public var timeLimit: Double?
    /// Seed of the random second column `w` and of the Lanczos start.
    public var seed: UInt64 = 1
    /// Standard deviation of the random start of `w` (it must not be 0: `w = 0` is invariant).
    public var initialSpread = 1e-3
    /// Lanczos steps for `λ_min(S(y))` (0 skips the second-order check and the escapes).
    public var lanczosSteps = 80
    /// `λ_min(S(y)) ≥ −secondOrderTolerance · max(1, objective)` counts as `S(y) ⪰ 0`.
    public var secondOrderTolerance = 1e-6
    /// A point whose ball violation is at most `feasibilityTolerance` is also `.optimal` when its
    /// dual certificate bounds the relative duality gap by this (`certifiedGap`; rigorously where
    /// `rigorousCheckDimension` allows): an SDP optimality certificate that does not need the
    /// factor to be a first-order point of BM2's program.
    public var gapTolerance = 1e-5
    /// The reductions' second-order check takes λ_min(S(y)) and its vector from a dense
    /// eigen-decomposition of the slack (`RankTwoLagrangian.denseSlack`, LAPACK `syevr`) instead of
    /// the Lanczos estimate when the lifted dimension `1 + Σ n_k` is at most this. (On the one-layer
    /// CNN, N = 3 489, 80 Lanczos steps reported +8e-9 where λ_min is −5.3e-4.)
    public var denseSecondOrderDimension = 0
    /// Where the estimate's gap certifies a point and the lifted dimension `1 + Σ n_k` is at most
    /// this, the gap with a rigorous λ_min bound of the dense slack (`gapVerdict`, a Cholesky
    /// factorisation; a few seconds for the one-layer CNN's 3 489) must certify it too; it is
    /// reported as `stationarity.rigorousDualGap`.
    public var rigorousCheckDimension = 6000
    /// Restarts along S(y)'s negative eigenvector at most (from a first-order point, or for one
    /// layer also from a stalled inner solve).
    public var maxEscapes = 3
    /// One layer: an inner solve that stalls with the ball violated by at most this tries the
    /// second-order escape at once (see `solveOneLayer`).
    public var stallEscapeViolation = 1e-3
    /// The number of factor columns to start with (2 is BM2; more lets the factor reach SDP
    /// solutions of higher rank, for which rank 2 cannot pass the second-order check). Used by the
    /// one-layer and the layerwise reductions; the full augmented Lagrangian is rank 2 only.
    public var factorRank = 2
    /// Escapes add a factor column, up to this many, instead of moving the last one
    /// (Burer–Monteiro's rank increase; 2 keeps BM2's rank). Reductions only, as `factorRank`.
    public var maxFactorRank = 2
    /// One layer: minimise `(u_1, w_1)` out (`OneLayerReduction`, `solveOneLayer`) instead of
    /// running the augmented Lagrangian on all 3 n_1 + 1 constraints.
    public var reducesOneLayer = true
    /// One layer: L-BFGS starts from the Gauss–Newton model of the inner problem's Hessian
    /// (`OneLayerReduction.Preconditioner`) instead of a multiple of the identity at inner solves
    /// where the ball's multiplier over ψ is at least this (∞: never).
    public var preconditionerThreshold = 1.0
    /// Two or more layers: minimise the last layer out and keep each hidden neuron's cap as one set
    /// constraint (`LayerwiseReduction`, `solveLayerwise`) instead of running the augmented
    /// Lagrangian on its three scalar constraints.
    public var reducesLayers = true
    /// The reductions: supergradient steps at most on the non-unique multipliers of a rank-1 point
    /// before its second-order check (`RankTwoLagrangian.repairedCertificate`); none once
    /// `timeLimit` has passed (the final report's certificate is then the lifted multipliers').
    public var multiplierRepairIterations = 30
    /// One layer: attempts at most of the rank-1 certificate (`RankOneCertificate`: the KKT point
    /// of the nonconvex problem with BM2's activation pattern, and the multipliers that certify it
    /// in closed form) at a factor whose λ₁/λ₂ exceeds `rankOneThreshold`; 0 turns it off. The
    /// threshold is where `w` has numerically vanished: BM2's exactly tight dense-3 points have
    /// λ₁/λ₂ ≥ 9e14, the one-layer CNN's nearly tight ones 1e5–8e7, where every attempt failed and
    /// cost 1–1.6 s of the 60 s (Figure 5a's CNN row with threshold 10³: 1 solve rigorously
    /// certified instead of 4, `results/rank1-cnn6/`).
    public var maxRankOneAttempts = 2
    public var rankOneThreshold = 1e10
    /// One layer: L-BFGS iterations at most of the closed-form dual's ascent (`OneLayerDual`,
    /// `dualAscentVerdict`) from BM2's multipliers where they do not certify the final point
    /// (0: none). The ascent needs no first-order point of BM2's program: its bound holds at every
    /// `y ≥ 0` with `M ≻ 0`, and it certifies BM2's stalled solves (the one-layer CNN at small ρ).
    /// (On Figure 5a's one-layer CNN row every certificate came within 1 350 evaluations, ~16 s;
    /// the ascents that ran 2 000–5 800 certified nothing.)
    public var dualAscentIterations = 2_000
    /// The dual ascent's L-BFGS memory.
    public var dualAscentMemory = 50
    /// The evaluations over which the dual ascent's progress is measured to end it early where it
    /// cannot certify in the budget left (`hopeless`).
    public var dualAscentWindow = 500
    /// One layer with a time limit and the dual ascent on: the share of the limit kept for the
    /// ascent (BM2's own iterations end at `(1 − share) · timeLimit`; the ascent runs from BM2's
    /// end to the limit, or until it certifies).
    public var dualAscentShare = 0.4

    public init() {}

    /// Runs BM2 on problem (B)'s relaxation.
    ///
    /// With `G = [1 0; u w][1 0; u w]ᵀ`, `u = (u_0, …, u_ℓ)`, `w = (w_0, …, w_ℓ)`, `u_k, w_k ∈ R^{n_k}`:
    /// ```
    /// min ‖u_0 − x̂‖² + ‖w_0‖²
    /// s.t. u_{k+1} ≥ 0,  u_{k+1} ≥ W_k u_k + b_k                                    (k = 0 … ℓ−1)
    ///      u²_{k+1} + w²_{k+1} ≤ (W_k u_k + b_k) ⊙ u_{k+1} + (W_k w_k) ⊙ w_{k+1}    (elementwise)
    ///      ‖(u_ℓ − ẑ, w_ℓ)‖ ≤ ρ                        (the ball in norm form: no ρ² scaling trouble)
    /// ```
    /// by the PHR augmented Lagrangian (multipliers ≥ 0 through `max(0, λ + σ g)`) with L-BFGS
    /// inner solves, on a problem scaled as ALGENCAN does (objective and each constraint divided
    /// by the ∞-norm of its gradient at the start when that exceeds 1).
    ///
    /// The start is `u` = the forward pass of `start` (default `x̂`), `w_0` = `initialSpread` × a
    /// seeded normal vector and `w_{k+1} = ½ W_k w_k`: every ReLU constraint holds there (the
    /// product one as `w² ≤ (W w) ⊙ w`), only the ball may not. When a first-order point has
    /// `λ_min(S(y)) < 0`, `w` moves along the Lanczos vector (at most `maxEscapes` times) and the
    /// augmented Lagrangian resumes: a rank-1 point with `w ≈ 0` cannot leave it otherwise.
    ///
    /// Checks, reported in `stationarity`: first order (the Lagrangian's gradient, the largest
    /// violation and complementarity, in the scaled problem) and second order through the SDP
    /// dual: with `y` the final multipliers and `y_0` fixed by stationarity of the constant row,
    /// `S(y) = C + Σ y_i A_i + y_0 E_00` annihilates `[1 0; u w]`, so `S(y) ⪰ 0` (estimated by
    /// Lanczos) with the first-order checks means `G` is globally optimal, and `−y_0` is then a
    /// lower bound on the relaxation's value. When `f(x̂)` already lies in the ball (Corollary 2.3)
    /// the answer `x = x̂`, `w = 0`, objective 0 is returned at once (y = 0, S = C ⪰ 0); the
    /// augmented Lagrangian would only creep towards it, `w`'s penalty being quartic there.
    /// `.optimal` needs the first-order checks, or (the reductions) a feasible point whose dual
    /// certificate bounds the relative duality gap by `gapTolerance` (`certifiedGap`, reported as
    /// `stationarity.dualGap`);
    /// `.infeasible` comes from `ẑ`'s distance to the nonnegative orthant exceeding ρ (a proof), or
    /// from a violation stagnating above `infeasibilityThreshold` at `penaltyMax` (a local verdict).
    /// The rank test is `λ₁/λ₂` of the 2×2 Gram matrix `[1 0; u w]ᵀ[1 0; u w]` (G's nonzero spectrum).
    ///
    /// - Parameter start: an input whose forward pass starts `u` (default `x̂`).
    /// - Throws: `CertifierError.unsupported` when `start` has the wrong length.
    /// - Complexity: per inner (L-BFGS) iteration usually one evaluation, i.e. two passes with the
    ///   weights (one `gemm` with `W_k` and one with `W_kᵀ` per layer, each on two vectors), plus
    ///   O(Σ n_k · memory); the second-order check adds two passes per Lanczos step.
    public func solve(_ problem: LeastSquaresProblem, start: [Double]? = nil) throws -> LeastSquaresSolution {
        let began = Date()
        let deadline = timeLimit.map { began.addingTimeInterval($0) }
        let lag = RankTwoLagrangian(problem)
        let sizes = lag.sizes, last = problem.layerCount
        guard start == nil || start!.count == sizes[0] else {
            throw CertifierError.unsupported("BM2: the start has \(start!.count) entries, the input \(sizes[0])")
        }
        // ẑ farther than ρ from the nonnegative orthant: z_ℓ ≥ 0 and tr Z_ℓ ≥ ‖z_ℓ‖² leave no point.
        let orthantGap = problem.target.reduce(0) { $0 + min($1, 0) * min($1, 0) }.squareRoot()
        if orthantGap > problem.radius {
            let z = try problem.hiddenOutputs(problem.center)
            return LeastSquaresSolution(
                status: .infeasible, objective: .infinity, x: problem.center, z: z, rankRatio: .nan,
                seconds: Date().timeIntervalSince(began))
        }

        // Corollary 2.3: f(x̂) inside the ball makes x̂ (w = 0, y = 0, S = C ⪰ 0) globally optimal.
        if start == nil, distance(try problem.hiddenOutputs(problem.center).last!, problem.target) <= problem.radius {
            var solution = LeastSquaresSolution(
                status: .optimal, objective: 0, x: problem.center, z: try problem.hiddenOutputs(problem.center),
                rankRatio: .infinity, seconds: Date().timeIntervalSince(began))
            solution.stationarity = LeastSquaresSolution.Stationarity(
                gradient: 0, violation: 0, complementarity: 0, dualMinEigenvalue: 0, dualBound: 0, penalty: 0,
                innerIterations: 0)
            return solution
        }

        if reducesOneLayer, last == 1 {
            return try solveOneLayer(problem, start: start ?? problem.center, began: began, deadline: deadline)
        }
        if reducesLayers, last >= 2 {
            return try solveLayerwise(problem, start: start ?? problem.center, began: began, deadline: deadline)
        }

        // Start: u = forward pass, w small and random.
        var rng = SplitMix64(seed: seed)
        var flat = [Double](repeating: 0, count: lag.variableCount)
        let u0 = start ?? problem.center
        let forwardPass = [u0] + (try problem.hiddenOutputs(u0))
        var spread = (0..<sizes[0]).map { _ in initialSpread * rng.normal() }
        for k in sizes.indices {
            if k > 0 { spread = try problem.weights[k - 1].apply(spread).map { 0.5 * $0 } }
            for i in 0..<sizes[k] {
                flat[lag.variableOffsets[k] + i] = forwardPass[k][i]
                flat[lag.variableOffsets[k] + sizes[k] + i] = spread[i]
            }
        }
        let scaling = try Scaling(lag, at: flat)
        let constraints = lag.constraintCount

        // The scaled augmented Lagrangian and its gradient.
        func evaluate(_ v: [Double], _ lambda: [Double], _ sigma: Double) throws
            -> (value: Double, gradient: [Double], scaled: [Double], objective: Double)
        {
            let x = try lag.split(v), wx = try lag.forward(x)
            var g = lag.constraints(x, wx)
            let r = g[constraints - 1]
            g[constraints - 1] = r - problem.radius
            var f = 0.0
            for i in 0..<sizes[0] {
                let d = x[0][0, i] - problem.center[i], w = x[0][1, i]
                f += d * d + w * w
            }
            var value = scaling.objective * f
            var y = [Double](repeating: 0, count: constraints)
            for i in 0..<constraints {
                g[i] *= scaling.constraints[i]
                let m = max(0, lambda[i] + sigma * g[i])
                value += (m * m - lambda[i] * lambda[i]) / (2 * sigma)
                y[i] = m * scaling.constraints[i] / scaling.objective
            }
            y[constraints - 1] /= 2 * max(r, 1e-12 * problem.radius)  // ∇r = ∇(r²)/(2r)
            let (_, out) = try lag.slackProduct(y, constant: 0, t: [1, 0], x: x, wx: wx)
            let gradient = out.flatMap(\.elements).map { 2 * scaling.objective * $0 }
            return (value, gradient, g, f)
        }

        var lambda = [Double](repeating: 0, count: constraints)
        var current = try evaluate(flat, lambda, 1)
        let startViolation = current.scaled.reduce(0) { $0 + max($1, 0) * max($1, 0) }
        var penalty = Penalty(sigma: penaltyStart ?? min(max(10 * max(1, abs(scaling.objective * current.objective)) / max(1, 0.5 * startViolation), 1e-6), 1e6), of: self)
        var outer = 0, innerIterations = 0, escapes = 0
        var status = LeastSquaresSolution.Status.inaccurate
        var check = (gradient: Double.infinity, violation: Double.infinity, complementarity: Double.infinity)
        var certificate: SlackEstimate = .none
        var expired = false
        while true {
            while outer < maxOuterIterations, !expired {
                outer += 1
                let report = try innerSolve(&flat, tolerance: penalty.innerTolerance, deadline: deadline) { v in
                    let e = try evaluate(v, lambda, penalty.sigma)
                    return (e.value, e.gradient)
                }
                if let report { innerIterations += report.iterations } else { expired = true }
                current = try evaluate(flat, lambda, penalty.sigma)
                var measure = 0.0
                for i in 0..<constraints {
                    let g = current.scaled[i]
                    measure = max(measure, abs(max(g, -lambda[i] / penalty.sigma)))
                    lambda[i] = max(0, lambda[i] + penalty.sigma * g)
                }
                check = (
                    current.gradient.reduce(0) { max($0, abs($1)) },
                    current.scaled.reduce(0) { max($0, $1) },
                    zip(lambda, current.scaled).reduce(0) { max($0, min($1.0, abs($1.1))) })
                trace(outer, penalty.sigma, current.objective, check, lag, flat, current.gradient)
                if passes(check) {
                    status = .optimal
                    break
                }
                if let verdict = penalty.conclude(measure: measure, violation: check.violation, of: self) {
                    status = verdict
                    break
                }
            }
            guard status != .infeasible else { break }
            // Second order: the dual slack of the unscaled program at the SDP multipliers.
            var y = (0..<constraints).map { lambda[$0] * scaling.constraints[$0] / scaling.objective }
            let residual = current.scaled[constraints - 1] / scaling.constraints[constraints - 1] + problem.radius
            y[constraints - 1] /= 2 * max(residual, 1e-12 * problem.radius)
            certificate = try lag.dualCertificate(y, at: flat, steps: lanczosSteps, seed: rng.next())
            // Escape (Burer–Monteiro): w ← w + α v along S's negative direction lowers the Lagrangian.
            guard status == .optimal, escapeDue(certificate.minEigenvalue, objective: current.objective, escapes: escapes, outer: outer, expired: expired)
            else { break }
            escapes += 1
            status = .inaccurate
            flat = escaped(flat, rank: 2, sizes: sizes, along: certificate.vector, maxRank: 2).v
            penalty.restart()
        }

        let x = try lag.split(flat)
        let u = x.flatMap { Array($0.row(0)) }, w = x.flatMap { Array($0.row(1)) }
        var solution = LeastSquaresSolution(
            status: status, objective: current.objective, x: Array(x[0].row(0)),
            z: (1...last).map { Array(x[$0].row(0)) }, rankRatio: Self.gramRankRatio(u: u, w: w),
            iterations: outer, seconds: Date().timeIntervalSince(began))
        solution.stationarity = LeastSquaresSolution.Stationarity(
            gradient: check.gradient, violation: check.violation, complementarity: check.complementarity,
            dualMinEigenvalue: certificate.minEigenvalue, dualBound: -certificate.y0, penalty: penalty.sigma, innerIterations: innerIterations)
        return solution
    }

    /// The outer iterations one by one on standard output when `BM2_TRACE` is set.
    private func trace(
        _ outer: Int, _ sigma: Double, _ objective: Double,
        _ check: (gradient: Double, violation: Double, complementarity: Double),
        _ lag: RankTwoLagrangian, _ flat: [Double], _ gradient: [Double]
    ) {
        guard ProcessInfo.processInfo.environment["BM2_TRACE"] != nil else { return }
        let parts = lag.sizes.indices.map { k in
            let o = lag.variableOffsets[k], n = lag.sizes[k]
            let w = flat[o + n..<o + 2 * n].reduce(0) { max($0, abs($1)) }
            return String(format: "|w_%d| %.1e", k, w)
        }
        print(String(format: "BM2 outer %d σ %.0e f %.8e ∇ %.1e viol %.1e comp %.1e", outer, sigma, objective,
                     check.gradient, check.violation, check.complementarity), parts.joined(separator: " "))
    }

    /// `λ₁/λ₂` of G = F Fᵀ for the factor `F = [1 0 …; u w w' …]` given its columns `u, w, w', …`
    /// (without the constant row): the eigenvalues of the r × r Gram matrix `FᵀF`
    /// (`gramRankRatio` in closed form for r = 2; `.nan` when it is not finite).
    ///
    /// - Complexity: one r × r eigendecomposition (none for r = 2).
    static func factorRankRatio(columns: [[Double]]) throws -> Double {
        let r = columns.count
        var gram = Matrix<Double>(rows: r, columns: r)
        for i in 0..<r {
            for j in i..<r {
                let d = zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == 0 && j == 0 ? 1 : 0)
                gram[i, j] = d
                gram[j, i] = d
            }
        }
        guard gram.isFinite else { return .nan }
        if r == 2 { return gramRankRatio(u: columns[0], w: columns[1]) }
        return LeastSquaresSolution.rankRatio(ascending: try gram.symmetricEigen(vectors: false).values)
    }

    /// `λ₁/λ₂` of `[1 0; u w]ᵀ[1 0; u w] = [1 + ‖u‖², uᵀw; uᵀw, ‖w‖²]` (`.infinity` when λ₂ = 0).
    ///
    /// λ₂ = det/λ₁ with `det = ‖w‖² + (‖u‖²‖w‖² − (uᵀw)²)`, the bracket clamped at 0 (Cauchy–Schwarz).
    static func gramRankRatio(u: [Double], w: [Double]) -> Double {
        let uu = u.reduce(0) { $0 + $1 * $1 }, ww = w.reduce(0) { $0 + $1 * $1 }
        let uw = zip(u, w).reduce(0) { $0 + $1.0 * $1.1 }
        let a = 1 + uu, trace = a + ww
        let l1 = 0.5 * (trace + ((a - ww) * (a - ww) + 4 * uw * uw).squareRoot())
        let l2 = (ww + max(0, uu * ww - uw * uw)) / l1
        return l2 > 0 ? l1 / l2 : .infinity
    }
}

/// ALGENCAN's scaling of BM2's program: the objective and each constraint divided by
/// `max(1, ‖∇‖_∞)` of its gradient at the start.
private struct Scaling {
    var objective: Double
    var constraints: [Double]

    init(_ lag: RankTwoLagrangian, at flat: [Double]) throws {
        let p = lag.problem, x = try lag.split(flat), wx = try lag.forward(x)
        var gradient = 0.0
        for i in 0..<lag.sizes[0] {
            gradient = max(gradient, 2 * abs(x[0][0, i] - p.center[i]), 2 * abs(x[0][1, i]))
        }
        objective = 1 / max(1, gradient)
        constraints = [Double](repeating: 1, count: lag.constraintCount)
        for k in 0..<p.layerCount {
            let n = lag.sizes[k + 1], base = lag.constraintOffsets[k], weight = p.weights[k]
            for m in 0..<n {
                let rowMax = weight.row(m).reduce(0) { max($0, abs($1)) }
                let u = x[k + 1][0, m], w = x[k + 1][1, m]
                let a = wx[k][0, m] + p.biases[k][m], c = wx[k][1, m]
                constraints[base + n + m] = 1 / max(1, rowMax)
                let product = max(abs(2 * u - a), abs(2 * w - c), rowMax * max(abs(u), abs(w)))
                constraints[base + 2 * n + m] = 1 / max(1, product)
            }
        }
    }
}
