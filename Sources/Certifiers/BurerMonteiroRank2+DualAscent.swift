import Foundation
import LinearAlgebra

extension BurerMonteiroRank2 {
    /// What the closed-form one-layer dual (`OneLayerDual`) says of a BM point: the best dual
    /// value reached by ascent, the feasible upper bound it is compared with, and the gaps.
    struct DualAscentVerdict {
        var ascent: OneLayerDual.Ascent
        /// `LeastSquaresProblem.feasibleUpperBound` at the point (nil: none known).
        var upper: Double?
        /// `(upper − d) / max(1, upper)` with the ascent's best d.
        var gap: Double
        /// The same with `OneLayerDual.rigorousBound` in place of d (nil: not computed or not proved).
        var rigorous: Double?
        var certified: Bool
    }

    /// The dual ascent's verdict on a one-layer point of objective `objective` and ball residual
    /// `residual` (ψ, not yet minus ρ): `OneLayerDual.maximize` from the multipliers `y` until
    /// `deadline` or `dualAscentIterations`, stopping as soon as `OneLayerDual.rigorousBound`
    /// certifies a relative gap of at most `gapTolerance` to the point's feasible upper bound
    /// (checked every 50 evaluations when d already is within the tolerance). nil for more than one
    /// layer or when the ascent finds no point with `M ≻ 0`.
    ///
    /// - Complexity: up to `dualAscentIterations` L-BFGS iterations of `OneLayerDual.evaluate`
    ///   (one Cholesky factorisation of order n_0 each), one more per rigorous check.
    func dualAscentVerdict(
        _ lag: RankTwoLagrangian, from y: [Double], objective: Double, residual: Double, deadline: Date?
    ) throws -> DualAscentVerdict? {
        guard lag.problem.layerCount == 1, y.count == lag.constraintCount, dualAscentIterations > 0 else { return nil }
        let started = Date(), dual = OneLayerDual(lag: lag)
        let upper = try lag.problem.feasibleUpperBound(objective: objective, residual: residual)
        var rigorous: Double?
        /// The rigorous gap at `e` when its estimate is within tolerance (nil otherwise). Where
        /// `M ⪰ m₀ I` cannot be proved (M nearly singular: a nearly loose optimum), the same with
        /// the product multipliers pulled into the domain, `π ← (1 − t) π`, t = 10⁻⁶ … 10⁻², while
        /// d stays within tolerance.
        func check(_ e: OneLayerDual.Evaluation) throws -> Double? {
            guard let upper else { return nil }
            let n = lag.sizes[1]
            for t in [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2] {
                var y = e.y
                for m in 0..<n { y[2 * n + m] *= 1 - t }
                guard let pulled = t == 0 ? e : try dual.evaluate(y) else { continue }
                let room = gapTolerance * max(1, upper) - (upper - pulled.value)
                guard room > 0 else { return nil }
                if let bound = try dual.rigorousBound(pulled.y, x: pulled.x, z: pulled.z, slack: room) {
                    if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
                        print(String(format: "dual ascent: rigorous bound %.10e at π × (1 − %.0e)", bound, t))
                    }
                    return (upper - bound) / max(1, upper)
                }
            }
            return nil
        }
        guard let ascent = try dual.maximize(
            from: y, iterations: dualAscentIterations, memory: dualAscentMemory, deadline: deadline,
            stop: { e in
                rigorous = try check(e)
                return (rigorous ?? .infinity) <= gapTolerance
            })
        else { return nil }
        let e = ascent.evaluation
        if rigorous == nil || rigorous! > gapTolerance { rigorous = try check(e) }
        let gap = ((upper ?? objective) - e.value) / max(1, upper ?? objective)
        let certified = (rigorous ?? .infinity) <= gapTolerance
        if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
            print(String(format: "BM2-1 dual ascent: d %.10e (BM %.10e, feasible bound %.10e), %d evaluations, gap %.2e, rigorous %.2e, %@ (%.2f s)",
                         e.value, objective, upper ?? .nan, ascent.evaluations, gap, rigorous ?? .nan,
                         certified ? "certified" : "not certified", Date().timeIntervalSince(started)))
        }
        return DualAscentVerdict(ascent: ascent, upper: upper, gap: gap, rigorous: rigorous, certified: certified)
    }
}
