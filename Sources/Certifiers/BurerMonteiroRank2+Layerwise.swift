import Foundation
import LinearAlgebra

extension BurerMonteiroRank2 {
    /// BM2 over ℓ ≥ 2 layers through `LayerwiseReduction`: L-BFGS over `[u_0, w_0, …, u_{ℓ−1},
    /// w_{ℓ−1}]` on the augmented Lagrangian of the ball `ψ ≤ ρ` (scalar multiplier μ) and of each
    /// hidden neuron's cap (multiplier λ_m ∈ R^r), one penalty σ for both; `factorRank` columns at
    /// the start, and escapes add columns up to `maxFactorRank` (the outer loop is
    /// `escapingOuterLoop`).
    ///
    /// ```
    /// λ_m ← σ ((u, w)_m + λ_m/σ − q_m),   μ ← max(0, μ + σ (ψ − ρ))
    /// ```
    /// First order: the gradient of the Lagrangian at the updated multipliers, the ball's
    /// violation, and per cap `‖(u, w)_m − q_m‖` (= ‖Δλ_m‖/σ, zero iff feasible and complementary);
    /// then the full program's checks at the lifted point (`fullChecks`), the second-order check
    /// of `S(y)` and the escapes along its negative direction, as in `solve`.
    ///
    /// - Complexity: per L-BFGS iteration usually one evaluation: two products with each `W_k`
    ///   on r vectors (sparse for convolutions) and O(r Σ n_k) for the projections.
    func solveLayerwise(_ problem: LeastSquaresProblem, start: [Double], began: Date, deadline: Date?) throws -> LeastSquaresSolution {
        let lag = RankTwoLagrangian(problem)
        var reduction = LayerwiseReduction(lag: lag)
        reduction.rank = max(2, factorRank)
        let sizes = lag.sizes, last = problem.layerCount, rho = problem.radius
        var rng = SplitMix64(seed: seed)
        // Start: u = the forward pass, w_0 small and random, w_{k+1} = ½ W_k w_k (inside the caps).
        var v = [Double](repeating: 0, count: reduction.variableCount)
        let forwardPass = [start] + (try problem.hiddenOutputs(start))
        for k in 0..<last {
            for i in 0..<sizes[k] { v[reduction.variableOffset(k) + i] = forwardPass[k][i] }
        }
        for j in 1..<reduction.rank {
            var spread = (0..<sizes[0]).map { _ in initialSpread * rng.normal() }
            for k in 0..<last {
                if k > 0 { spread = try problem.weights[k - 1].apply(spread).map { 0.5 * $0 } }
                let o = reduction.variableOffset(k) + j * sizes[k]
                for i in 0..<sizes[k] { v[o + i] = spread[i] }
            }
        }
        var lambda = [Double](repeating: 0, count: reduction.multiplierCount)
        var mu = 0.0
        var point = try reduction.evaluate(v, multipliers: lambda, sigma: 1)
        let startGap = max(0, point.residual - rho)
        var penalty = Penalty(sigma: penaltyStart ?? min(max(10 * max(1, point.objective) / max(1, 0.5 * startGap * startGap), 1e-6), 1e6), of: self)
        var outer = 0, innerIterations = 0, escapes = 0
        var reduced = (gradient: Double.infinity, violation: Double.infinity, complementarity: Double.infinity)
        var certificate: SlackEstimate = .none
        var expired = false
        // The point of the last multiplier update (λ, μ are the updated ones): what `lift` needs.
        // (With the reduction it belongs to: a rank increase changes the current one.)
        typealias State = (reduction: LayerwiseReduction, v: [Double], point: LayerwiseReduction.Point, sigma: Double, mu: Double)
        var updated: State = (reduction, v, point, penalty.sigma, 0)
        var firstOrder: (state: State, reduced: (Double, Double, Double))?
        // Its certificate, saved before the escape from it.
        var keptVerdict: KeptCertificate?
        // Whether the last certificate bounds the duality gap by `gapTolerance` at a feasible point.
        var certified = false, gap: Double?
        // The trace bound's per-layer norms, with the spectral bounds, computed at the first certificate.
        var scales: [Double]?
        var dualY: [Double] = [], rigorous: Double?
        let budget = try solveBudget(lag, deadline: deadline)

        /// The dual certificate at the last updated point and the gap it bounds; when `move`, the
        /// point is not certified and an escape is due, takes it and returns true.
        func certify(_ move: Bool) throws -> Bool {
            let (flat, y) = try updated.reduction.lift(updated.v, updated.point, sigma: updated.sigma, ballMultiplier: updated.mu)
            // At a rank-1 point some neurons' multipliers are not unique: choose them to raise λ_min(S).
            let tolerance = secondOrderTolerance * max(1, updated.point.objective)
            (dualY, certificate) = try budgetedCertificate(
                lag, y: y, at: flat, free: lanczosSteps > 0 ? updated.reduction.freeMultipliers(updated.point, y: y) : [],
                tolerance: tolerance, seed: rng.next(), budget: budget, expired: expired)
            if scales == nil { scales = problem.layerScales(normBounds: try problem.layerNormBounds()) }
            (gap, rigorous, certified) = try gapVerdict(
                lag, y: dualY, certificate: certificate, objective: updated.point.objective,
                feasible: reduced.violation <= feasibilityTolerance, scales: scales ?? [], budget: budget)
            if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
                print(String(format: "BM2-L second order: λ_min(S) %.3e, dual bound %.10e, gap %.2e, rank %d (budget: estimate %.2f s, rigorous %.2f s)",
                             certificate.minEigenvalue ?? .nan, -certificate.y0, gap ?? .nan, updated.reduction.rank,
                             budget.estimateSeconds, budget.rigorousSeconds))
            }
            guard move, !certified, escapeDue(
                certificate.minEigenvalue, objective: updated.point.objective, escapes: escapes, outer: outer,
                expired: expired || !budget.allows(estimates: 1))
            else { return false }
            keptVerdict = (dualY, certificate, gap, rigorous)
            escapes += 1
            let (moved, rank) = escaped(v, rank: reduction.rank, sizes: Array(sizes[0..<last]), along: certificate.vector)
            lambda = reduction.multipliers(lambda, widenedTo: rank)
            (reduction.rank, v) = (rank, moved)
            penalty.restart()
            return true
        }

        func iterate() throws -> LeastSquaresSolution.Status? {
            outer += 1
            let sigma = penalty.sigma
            let report = try innerSolve(&v, tolerance: penalty.innerTolerance, deadline: budget.innerDeadline) { x in
                let e = try reduction.evaluate(x, multipliers: lambda, sigma: sigma)
                let h = e.residual - rho, m = max(0, mu + sigma * h)
                var gradient = e.gradient
                if m > 0 { for i in gradient.indices { gradient[i] += m * e.residualGradient[i] } }
                return (e.objective + e.penalty + (m * m - mu * mu) / (2 * sigma), gradient)
            }
            if let report { innerIterations += report.iterations } else { expired = true }
            point = try reduction.evaluate(v, multipliers: lambda, sigma: sigma, measuresViolation: true)
            let h = point.residual - rho
            let newMu = max(0, mu + sigma * h)
            var gradient = 0.0
            for i in v.indices { gradient = max(gradient, abs(point.gradient[i] + newMu * point.residualGradient[i])) }
            let newLambda = reduction.updatedMultipliers(point, sigma: sigma, v: v, multipliers: lambda)
            var capStep = 0.0
            for i in lambda.indices { capStep = max(capStep, abs(newLambda[i] - lambda[i]) / sigma) }
            let measure = max(abs(max(h, -mu / sigma)), capStep)
            (lambda, mu) = (newLambda, newMu)
            updated = (reduction, v, point, sigma, mu)
            reduced = (gradient, max(0, h, point.capViolation), max(min(mu, abs(h)), capStep))
            traceLayerwise(outer, sigma, point, newMu, reduced, v, reduction, report)
            if passes(reduced) { return .optimal }
            // At a feasible point the duality gap may already certify optimality.
            if lanczosSteps > 0, reduced.violation <= feasibilityTolerance, budget.allows(estimates: 1),
                (try? certify(false)) != nil, certified
            {
                return .optimal
            }
            return penalty.conclude(measure: measure, violation: reduced.violation, of: self)
        }
        let status = try escapingOuterLoop(
            iterate: iterate, proceeds: { outer < maxOuterIterations && !expired }, certify: certify,
            settle: {
                guard (try? certify(false)) != nil else {
                    certificate = .none
                    return false
                }
                return certified
            },
            keep: { firstOrder = (updated, reduced) },
            restore: {
                guard let kept = firstOrder, let verdict = keptVerdict else { return false }
                updated = kept.state
                (dualY, certificate, gap, rigorous) = verdict
                reduced = (gradient: kept.reduced.0, violation: kept.reduced.1, complementarity: kept.reduced.2)
                return true
            })

        let (flat, y) = try updated.reduction.lift(updated.v, updated.point, sigma: updated.sigma, ballMultiplier: updated.mu)
        let x = try lag.split(flat)
        var solution = LeastSquaresSolution(
            status: status, objective: updated.point.objective, x: Array(x[0].row(0)),
            z: (1...last).map { Array(x[$0].row(0)) }, rankRatio: try updated.reduction.rankRatio(updated.v, updated.point),
            iterations: outer, seconds: Date().timeIntervalSince(began))
        solution.stationarity = try reductionStationarity(
            lag, flat: flat, y: y, rank: updated.reduction.rank, reduced: reduced, certificate: certificate,
            penalty: updated.sigma, innerIterations: innerIterations)
        solution.stationarity?.dualGap = gap
        solution.stationarity?.rigorousDualGap = rigorous
        return solution
    }

    /// The outer iterations of `solveLayerwise` on standard output when `BM2_TRACE` is set: the
    /// checks, the last inner solve, the Lagrangian's gradient per block, and per layer how many
    /// neurons sit near `a = 0`, at a degenerate corner (`c ≈ 0`, half-plane active) or on the chord.
    private func traceLayerwise(
        _ outer: Int, _ sigma: Double, _ point: LayerwiseReduction.Point, _ mu: Double,
        _ check: (gradient: Double, violation: Double, complementarity: Double), _ v: [Double],
        _ reduction: LayerwiseReduction, _ report: LBFGS.Report?
    ) {
        guard ProcessInfo.processInfo.environment["BM2_TRACE"] != nil else { return }
        let lag = reduction.lag, n0 = lag.sizes[0]
        let w = v[n0..<reduction.rank * n0].reduce(0) { max($0, abs($1)) }
        print(String(format: "BM2-L outer %d r %d σ %.0e f %.10e ψ %.10e ∇ %.1e viol %.1e comp %.1e |w_0| %.1e",
                     outer, reduction.rank, sigma, point.objective, point.residual, check.gradient, check.violation, check.complementarity, w),
              report.map { "inner \($0.iterations) it \($0.evaluations) ev |g| \(String(format: "%.1e", $0.gradientNorm))" } ?? "inner expired")
        var blocks: [String] = []
        for k in 0..<lag.problem.layerCount {
            let o = reduction.variableOffset(k), n = lag.sizes[k]
            for (name, range) in [("u", o..<o + n), ("w", o + n..<o + reduction.rank * n)] {
                let g = range.reduce(0) { max($0, abs(point.gradient[$1] + mu * point.residualGradient[$1])) }
                blocks.append(String(format: "%@%d %.1e", name, k, g))
            }
        }
        let counts = (point.caps + [point.projections]).map { layer in
            let kinks = layer.filter { abs($0.a) < 1e-3 }.count
            let corners = layer.filter { abs($0.c) < 1e-3 * max(abs($0.a), 1e-3) && $0.halfPlane > 0 }.count
            return "a≈0 \(kinks) c≈0 \(corners) chord \(layer.filter { $0.halfPlane > 0 }.count)"
        }
        print("  gradient", blocks.joined(separator: ", "), "|", counts.joined(separator: " | "))
    }
}
