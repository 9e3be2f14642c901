extension BurerMonteiroRank2 {
    /// The augmented Lagrangian's penalty σ and its stopping rule, shared by BM2's outer loops.
    ///
    /// ```
    /// σ ← min(σ · penaltyGrowth, penaltyMax)   unless the violation measure fell by requiredDecrease
    /// ```
    /// At `penaltyMax`, a violation above `infeasibilityThreshold` that no longer falls for three
    /// updates means infeasible (locally); five updates there without success mean stalled.
    struct Penalty {
        enum Verdict { case proceed, stalled, infeasible }

        var sigma: Double
        private var previousMeasure = Double.infinity, previousViolation = Double.infinity, stagnant = 0

        init(sigma: Double) { self.sigma = sigma }

        /// After a multiplier update with this violation measure (`|max(g, −λ/σ)|`) and violation.
        mutating func advance(measure: Double, violation: Double, of settings: BurerMonteiroRank2) -> Verdict {
            if sigma >= settings.penaltyMax {
                stagnant += 1
                if violation > settings.infeasibilityThreshold, violation > 0.9 * previousViolation, stagnant >= 3 {
                    return .infeasible
                }
                if stagnant >= 5 { return .stalled }
            }
            if measure > settings.requiredDecrease * previousMeasure {
                sigma = min(sigma * settings.penaltyGrowth, settings.penaltyMax)
            }
            previousMeasure = measure
            previousViolation = violation
            return .proceed
        }

        /// Forgets the history (after an escape moved the point).
        mutating func restart() {
            previousMeasure = .infinity
            stagnant = 0
        }
    }
}
