import Foundation
import LinearAlgebra

extension BurerMonteiroRank2 {
    /// BM2 over one layer through `OneLayerReduction`: the augmented Lagrangian of the single ball
    /// constraint `ψ(u_0, w_0) ≤ ρ` minimised by L-BFGS over `(u_0, w_0)` alone.
    ///
    /// The full BM2 program's 3 n_1 ReLU constraints have, at a rank-1 point, pairs of active
    /// constraints with parallel gradients (u_1 = ReLU(a) written as two inequalities) whose
    /// multipliers the full augmented Lagrangian cannot settle; here they are computed in closed
    /// form by each neuron's projection, the smallest product multiplier where several fit (the
    /// choice that makes the dual slack's `w` block largest, hence the one to certify with).
    /// The first-order checks are those of the full program at the lifted point (`lift`), with ψ's
    /// multiplier; the second-order check and the escapes along `S(y)`'s negative direction are
    /// those of `solve` (the escape moves `w_0`; `w_1` follows by projection).
    ///
    /// - Parameters:
    ///   - start: `u_0`'s start (x̂ or the caller's point).
    ///   - began: when the solve began (for `seconds`); `deadline`: when to stop (`nil`: never).
    /// - Complexity: per L-BFGS iteration usually one evaluation: two products with `W_0` on two
    ///   vectors (sparse for convolutions) and O(n_1) for the projections.
    func solveOneLayer(_ problem: LeastSquaresProblem, start: [Double], began: Date, deadline: Date?) throws -> LeastSquaresSolution {
        let lag = RankTwoLagrangian(problem)
        let reduction = OneLayerReduction(lag: lag)
        let n0 = lag.sizes[0], rho = problem.radius
        var rng = SplitMix64(seed: seed)
        var rank = max(2, factorRank)
        var v = start + (0..<(rank - 1) * n0).map { _ in initialSpread * rng.normal() }
        var point = try reduction.evaluate(v)
        var mu = 0.0
        let startGap = max(0, point.residual - rho)
        var penalty = Penalty(sigma: penaltyStart ?? min(max(10 * max(1, point.objective) / max(1, 0.5 * startGap * startGap), 1e-6), 1e6), of: self)
        var outer = 0, innerIterations = 0, escapes = 0
        var reduced = (gradient: Double.infinity, violation: Double.infinity, complementarity: Double.infinity)
        var certificate: SlackEstimate = .none
        var expired = false, stalled = false
        // Whether the last certificate bounds the duality gap by `gapTolerance` at a feasible point.
        var certified = false, gap: Double?, rigorous: Double?, dualY: [Double] = []
        // The trace bound's per-layer norms (one layer: the ball bounds the hidden block, so the
        // cheap bounds do; computed once).
        let scales = problem.layerScales()
        // With the dual ascent on, BM2's own iterations end early enough to leave it its share.
        let ownDeadline = dualAscentIterations > 0
            ? deadline.map { began.addingTimeInterval((1 - dualAscentShare) * $0.timeIntervalSince(began)) } : deadline
        let budget = try solveBudget(lag, deadline: ownDeadline)
        // The last first-order point: kept when escapes from it find no other one.
        var firstOrder: (v: [Double], mu: Double, point: OneLayerReduction.Point, reduced: (Double, Double, Double), sigma: Double)?
        // Its certificate, saved before the escape from it.
        var keptVerdict: KeptCertificate?
        // The rank-1 certificate once it holds (then it is the answer), and the attempts made.
        var rankOne: RankOneVerdict?, rankOneAttempts = 0, rankOnePattern: [Bool] = []
        /// Tries the rank-1 certificate from the current `u_0` when the factor looks rank 1 (λ₁/λ₂ of
        /// G above `rankOneThreshold`), at most `maxRankOneAttempts` times, while the budget allows
        /// and only from an activation pattern other than the last polished point's (the polished point
        /// depends on the pattern alone).
        func attemptRankOne() throws -> Bool {
            // (An attempt costs about two λ_min estimates: 1–1.6 s on the one-layer CNN, of which
            // the polish is the Gram product and an eigendecomposition of order 784.)
            guard rankOne == nil, rankOneAttempts < maxRankOneAttempts, budget.allows(estimates: 4),
                try reduction.rankRatio(v, point) > rankOneThreshold
            else { return rankOne != nil }
            let pattern = try problem.hiddenOutputs(Array(v[0..<n0]))[0].map { $0 > 0 }
            guard pattern != rankOnePattern else { return false }
            (rankOneAttempts, rankOnePattern) = (rankOneAttempts + 1, pattern)
            let started = Date()
            let verdict = try? rankOneVerdict(lag, from: Array(v[0..<n0]), scales: scales, budget: budget, seed: rng.next())
            if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
                print((verdict?.traceLine("BM2-1 rank-1 certificate", reference: point.objective) ?? "BM2-1 rank-1 certificate: no KKT point")
                      + String(format: " (%.2f s)", Date().timeIntervalSince(started)))
            }
            if let verdict { rankOnePattern = verdict.point.preactivation.map { $0 > 0 } }
            if let verdict, verdict.certified { rankOne = verdict }
            return rankOne != nil
        }
        /// The dual certificate at the current point and the gap it bounds; when `move`, the point
        /// is not certified, λ_min(S) is below tolerance and escapes are left, moves `w_0`'s last
        /// column along its vector (or adds a column, up to `maxFactorRank`) and returns true.
        func escape(_ move: Bool = true) throws -> Bool {
            guard rankOne == nil else { return false }
            let (flat, y) = reduction.lift(v, point, ballMultiplier: mu)
            let tolerance = secondOrderTolerance * max(1, point.objective)
            let free = lanczosSteps > 0 ? lag.freeMultipliers(caps: [point.projections], y: y) : []
            (dualY, certificate) = try budgetedCertificate(
                lag, y: y, at: flat, free: free, tolerance: tolerance, seed: rng.next(), budget: budget, expired: expired)
            (gap, rigorous, certified) = try gapVerdict(
                lag, y: dualY, certificate: certificate, objective: point.objective,
                feasible: max(0, point.residual - rho) <= feasibilityTolerance, scales: scales, budget: budget)
            if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
                print(String(format: "BM2-1 second order: λ_min(S) %.3e, dual bound %.10e, gap %.2e, rank %d, %d free multipliers (budget: estimate %.2f s, rigorous %.2f s)",
                             certificate.minEigenvalue ?? .nan, -certificate.y0, gap ?? .nan, rank, free.count,
                             budget.estimateSeconds, budget.rigorousSeconds))
            }
            guard move, !certified,
                escapeDue(certificate.minEigenvalue, objective: point.objective, escapes: escapes, outer: outer,
                          expired: expired || !budget.allows(estimates: 1))
            else { return false }
            keptVerdict = (dualY, certificate, gap, rigorous)
            escapes += 1
            (v, rank) = escaped(v, rank: rank, sizes: [n0], along: certificate.vector)
            penalty.restart()
            return true
        }
        func iterate() throws -> LeastSquaresSolution.Status? {
            outer += 1
            let model = preconditionerThreshold.isFinite
                ? try reduction.preconditioner(
                    v, try reduction.evaluate(v), mu: mu, sigma: penalty.sigma, radius: rho, threshold: preconditionerThreshold)
                : nil
            let report = try innerSolve(
                &v, tolerance: penalty.innerTolerance, deadline: budget.innerDeadline, preconditioner: model.map { $0.solve }
            ) { x in
                let e = try reduction.evaluate(x)
                let h = e.residual - rho, m = max(0, mu + penalty.sigma * h)
                let value = e.objective + (m * m - mu * mu) / (2 * penalty.sigma)
                var gradient = e.objectiveGradient
                if m > 0 { for i in gradient.indices { gradient[i] += m * e.residualGradient[i] } }
                return (value, gradient)
            }
            if let report {
                innerIterations += report.iterations
                stalled = report.gradientNorm > penalty.innerTolerance
            } else {
                expired = true
            }
            point = try reduction.evaluate(v)
            let h = point.residual - rho
            let measure = abs(max(h, -mu / penalty.sigma))
            mu = max(0, mu + penalty.sigma * h)
            var gradient = 0.0
            for i in v.indices { gradient = max(gradient, abs(point.objectiveGradient[i] + mu * point.residualGradient[i])) }
            reduced = (gradient, max(0, h), min(mu, abs(h)))
            traceOneLayer(outer, penalty.sigma, mu, point, reduced, v, report)
            if reduced.violation <= stallEscapeViolation, try attemptRankOne() { return .optimal }
            if passes(reduced) { return .optimal }
            // At a feasible point the duality gap may already certify optimality; an inner solve
            // that stalls near feasibility (a ReLU kink that w, collapsed, no longer smooths) tries
            // the second-order escape without waiting for first order. (A failed certificate, e.g.
            // multipliers overflowing at a degenerate point, skips both.)
            let stallEscape = stalled && reduced.violation <= stallEscapeViolation
            if lanczosSteps > 0, stallEscape || reduced.violation <= feasibilityTolerance, budget.allows(estimates: 1),
                let moved = try? escape(stallEscape)
            {
                if certified { return .optimal }
                if moved { return nil }
            }
            return penalty.conclude(measure: measure, violation: reduced.violation, of: self)
        }
        var status = try escapingOuterLoop(
            iterate: iterate, proceeds: { outer < maxOuterIterations && !expired }, certify: escape,
            settle: {
                if (try? attemptRankOne()) == true { return true }
                guard (try? escape(false)) != nil else {
                    certificate = .none
                    return false
                }
                return certified
            },
            keep: { firstOrder = (v, mu, point, reduced, penalty.sigma) },
            restore: {
                guard let kept = firstOrder, let verdict = keptVerdict else { return false }
                (v, mu, point, penalty.sigma) = (kept.v, kept.mu, kept.point, kept.sigma)
                (dualY, certificate, gap, rigorous) = verdict
                rank = v.count / n0
                reduced = (gradient: kept.reduced.0, violation: kept.reduced.1, complementarity: kept.reduced.2)
                return true
            })

        if let rankOne {
            return try rankOneSolution(lag, rankOne, iterations: outer, innerIterations: innerIterations, penalty: penalty.sigma, began: began)
        }
        let (flat, y) = reduction.lift(v, point, ballMultiplier: mu)
        // Not certified: the closed-form dual's ascent from the certificate's multipliers (a
        // rigorous bound of its own, no first-order point needed).
        let ascent = certified ? nil : try dualAscentVerdict(
            lag, from: dualY.isEmpty ? y : dualY, objective: point.objective, residual: point.residual, deadline: deadline)
        if let ascent, ascent.certified { (status, gap, rigorous) = (.optimal, ascent.gap, ascent.rigorous) }
        var solution = LeastSquaresSolution(
            status: status, objective: point.objective, x: Array(v[0..<n0]), z: [point.projections.map(\.u)],
            rankRatio: try reduction.rankRatio(v, point), iterations: outer, seconds: Date().timeIntervalSince(began))
        solution.stationarity = try reductionStationarity(
            lag, flat: flat, y: y, rank: v.count / n0, reduced: reduced, certificate: certificate, penalty: penalty.sigma,
            innerIterations: innerIterations)
        solution.stationarity?.dualGap = gap
        solution.stationarity?.rigorousDualGap = rigorous
        if let ascent {
            solution.stationarity?.dualAscentEvaluations = ascent.ascent.evaluations
            solution.stationarity?.dualAscentGap = ascent.gap
            if ascent.certified { solution.stationarity?.dualBound = ascent.ascent.evaluation.value }
        }
        return solution
    }

    /// The stationarity report of a reduction's answer: the full program's first-order checks at the
    /// lifted point `flat` with multipliers `y` (rank 2 only: for r > 2 the lifted factor keeps two
    /// columns, and the reduced checks stand alone), each combined with the reduced one by `max`,
    /// and the second-order certificate.
    func reductionStationarity(
        _ lag: RankTwoLagrangian, flat: [Double], y: [Double], rank: Int,
        reduced: (gradient: Double, violation: Double, complementarity: Double),
        certificate: SlackEstimate, penalty: Double, innerIterations: Int
    ) throws -> LeastSquaresSolution.Stationarity {
        let full = rank == 2 ? try fullChecks(lag, flat: flat, y: y) : (gradient: 0, violation: 0, complementarity: 0)
        return LeastSquaresSolution.Stationarity(
            gradient: max(full.gradient, reduced.gradient), violation: max(full.violation, reduced.violation),
            complementarity: max(full.complementarity, reduced.complementarity),
            dualMinEigenvalue: certificate.minEigenvalue, dualBound: -certificate.y0, penalty: penalty,
            innerIterations: innerIterations)
    }

    /// The unscaled first-order checks of BM2's full program at `flat` with SDP multipliers `y`:
    /// `‖∇_{u,w} L‖_∞` (L = objective + Σ y_i q_i, the ball squared), the largest violation and
    /// the largest `min(y_i, |g_i|)`.
    func fullChecks(_ lag: RankTwoLagrangian, flat: [Double], y: [Double]) throws
        -> (gradient: Double, violation: Double, complementarity: Double)
    {
        let x = try lag.split(flat), wx = try lag.forward(x)
        var g = lag.constraints(x, wx)
        g[g.count - 1] -= lag.problem.radius
        let (_, out) = try lag.slackProduct(y, constant: 0, t: [1, 0], x: x, wx: wx)
        let gradient = out.reduce(0) { m, block in block.elements.reduce(m) { max($0, 2 * abs($1)) } }
        let violation = g.reduce(0) { max($0, $1) }
        let complementarity = zip(y, g).reduce(0) { max($0, min($1.0, abs($1.1))) }
        return (gradient, violation, complementarity)
    }

    /// The outer iterations of `solveOneLayer` on standard output when `BM2_TRACE` is set.
    private func traceOneLayer(
        _ outer: Int, _ sigma: Double, _ mu: Double, _ point: OneLayerReduction.Point,
        _ check: (gradient: Double, violation: Double, complementarity: Double), _ v: [Double], _ report: LBFGS.Report?
    ) {
        guard ProcessInfo.processInfo.environment["BM2_TRACE"] != nil else { return }
        let w = v[(v.count / 2)...].reduce(0) { max($0, abs($1)) }  // (rank 2; the later columns else)
        print(String(format: "BM2-1 outer %d σ %.0e μ %.6e f %.10e ψ %.10e ∇ %.1e viol %.1e comp %.1e |w_0| %.1e",
                     outer, sigma, mu, point.objective, point.residual, check.gradient, check.violation,
                     check.complementarity, w),
              report.map { "inner \($0.iterations) it \($0.evaluations) ev |g| \(String(format: "%.1e", $0.gradientNorm))" } ?? "inner expired")
    }
}
