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
        // What the stop checks saw: (evaluations, d, time) at each, and the best point last checked.
        var history: [(evaluations: Int, value: Double, time: Date)] = []
        var checked: Double?
        guard let ascent = try dual.maximize(
            from: y, iterations: dualAscentIterations, memory: dualAscentMemory, deadline: deadline,
            stop: { e, evaluations in
                rigorous = try check(e)
                checked = e.value
                if (rigorous ?? .infinity) <= gapTolerance { return true }
                history.append((evaluations, e.value, Date()))
                return hopeless(history, upper: upper, deadline: deadline)
            })
        else { return nil }
        let e = ascent.evaluation
        if checked != e.value { rigorous = try check(e) }
        let gap = ((upper ?? objective) - e.value) / max(1, upper ?? objective)
        let certified = (rigorous ?? .infinity) <= gapTolerance
        if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil {
            print(String(format: "BM2-1 dual ascent: d %.10e (BM %.10e, feasible bound %.10e), %d evaluations, gap %.2e, rigorous %.2e, %@ (%.2f s)",
                         e.value, objective, upper ?? .nan, ascent.evaluations, gap, rigorous ?? .nan,
                         certified ? "certified" : "not certified", Date().timeIntervalSince(started)))
        }
        return DualAscentVerdict(ascent: ascent, upper: upper, gap: gap, rigorous: rigorous, certified: certified)
    }

    /// Whether the ascent cannot reach a gap of `gapTolerance` to `upper` in what is left of its
    /// time, judged by its progress over the last `dualAscentWindow` evaluations: with `r` the gain
    /// of d per evaluation there and `E` the evaluations the deadline leaves at the window's pace,
    ///
    /// ```
    /// hopeless  ⇔  2 r E < upper − tol · max(1, upper) − d
    /// ```
    /// The ascent slows down as it goes (L-BFGS on a dual whose optimum sits where M turns
    /// singular), so the linear extrapolation, doubled, is optimistic: it stops only ascents that
    /// could not have certified. Never without a deadline (the iteration cap ends those) or before
    /// the window has passed.
    ///
    /// - Complexity: O(checks).
    func hopeless(_ history: [(evaluations: Int, value: Double, time: Date)], upper: Double?, deadline: Date?) -> Bool {
        guard let upper, let deadline, let last = history.last,
            let first = history.last(where: { last.evaluations - $0.evaluations >= dualAscentWindow })
        else { return false }
        let needed = upper - gapTolerance * max(1, upper) - last.value
        guard needed > 0 else { return false }
        let done = Double(last.evaluations - first.evaluations)
        let rate = (last.value - first.value) / done
        let pace = last.time.timeIntervalSince(first.time) / done
        guard pace > 0 else { return false }
        let left = max(0, deadline.timeIntervalSince(last.time)) / pace
        return 2 * rate * left < needed
    }
}
