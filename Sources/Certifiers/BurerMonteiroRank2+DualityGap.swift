import LinearAlgebra

extension BurerMonteiroRank2 {
    /// The relative duality gap that a dual certificate bounds at a primal point of objective
    /// `objective`: with `λ` the estimate of `λ_min(S(y))` and `T` the trace bound
    /// (`LeastSquaresProblem.traceBound`, with the layers' `normBounds` when given),
    ///
    /// ```
    /// gap = (objective − (−y_0 + min(0, λ) · T)) / max(1, objective)
    /// ```
    /// so that, were λ exact, the relaxation's optimum lies within `gap · max(1, objective)` below
    /// a feasible point's objective. `nil` without an estimate.
    ///
    /// - Complexity: one pass over each weight matrix (the trace bound).
    static func certifiedGap(
        _ problem: LeastSquaresProblem, objective: Double, certificate: (y0: Double, minEigenvalue: Double?, vector: [Double]),
        normBounds: [Double]?
    ) -> Double? {
        guard let lowest = certificate.minEigenvalue, lowest.isFinite, certificate.y0.isFinite else { return nil }
        let lower = -certificate.y0 + min(0, lowest) * problem.traceBound(objective: objective, normBounds: normBounds)
        return (objective - lower) / max(1, objective)
    }

    /// `certifiedGap` with the rigorous lower bound on `λ_min(S(y))` of the dense slack
    /// (`RankTwoLagrangian.slackMinimumEigenvalueBound`) instead of the estimate; nil when the
    /// lifted dimension exceeds `rigorousCheckDimension`.
    ///
    /// - Complexity: `denseSlack` and one or two Cholesky factorisations of the lifted dimension.
    func rigorousGap(
        _ lag: RankTwoLagrangian, y: [Double], certificate: (y0: Double, minEigenvalue: Double?, vector: [Double]),
        objective: Double, normBounds: [Double]?
    ) throws -> Double? {
        guard !y.isEmpty, 1 + lag.sizes.reduce(0, +) <= rigorousCheckDimension else { return nil }
        let lowest = try lag.slackMinimumEigenvalueBound(y, constant: certificate.y0)
        return Self.certifiedGap(lag.problem, objective: objective, certificate: (certificate.y0, lowest, []), normBounds: normBounds)
    }
}
