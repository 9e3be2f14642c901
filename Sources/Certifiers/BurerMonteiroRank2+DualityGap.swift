import LinearAlgebra

extension BurerMonteiroRank2 {
    /// The relative duality gap that a dual certificate bounds at a primal point of objective
    /// `objective`: with `λ` the estimate of `λ_min(S(y))` and `T` the trace bound
    /// (`LeastSquaresProblem.traceBound` with the layers' `scales`),
    ///
    /// ```
    /// gap = (objective − (−y_0 + min(0, λ) · T)) / max(1, objective)
    /// ```
    /// so that, were λ exact, the relaxation's optimum lies within `gap · max(1, objective)` below
    /// a feasible point's objective. `nil` without an estimate.
    ///
    /// - Complexity: O(n_0 + n_ℓ) (the trace bound).
    static func certifiedGap(
        _ problem: LeastSquaresProblem, objective: Double, certificate: (y0: Double, minEigenvalue: Double?, vector: [Double]),
        scales: [Double]
    ) -> Double? {
        guard let lowest = certificate.minEigenvalue, lowest.isFinite, certificate.y0.isFinite else { return nil }
        let lower = -certificate.y0 + min(0, lowest) * problem.traceBound(objective: objective, scales: scales)
        return (objective - lower) / max(1, objective)
    }

    /// What a certificate says of a point (the reductions' shared check): the estimate's gap
    /// (`certifiedGap`), and whether it certifies the point — feasible and the gap at most
    /// `gapTolerance`, decided by the rigorous gap of the dense slack where the lifted dimension
    /// is at most `rigorousCheckDimension` (the estimate can miss small negative eigenvalues),
    /// which is then returned too.
    ///
    /// - Complexity: O(n_0 + n_ℓ); when the estimate passes and the slack fits, `denseSlack` and
    ///   one or two Cholesky factorisations of the lifted dimension.
    func gapVerdict(
        _ lag: RankTwoLagrangian, y: [Double], certificate: (y0: Double, minEigenvalue: Double?, vector: [Double]),
        objective: Double, feasible: Bool, scales: [Double]
    ) throws -> (gap: Double?, rigorous: Double?, certified: Bool) {
        let gap = Self.certifiedGap(lag.problem, objective: objective, certificate: certificate, scales: scales)
        guard feasible, let gap, gap <= gapTolerance else { return (gap, nil, false) }
        guard !y.isEmpty, 1 + lag.sizes.reduce(0, +) <= rigorousCheckDimension else { return (gap, nil, true) }
        let lowest = try lag.slackMinimumEigenvalueBound(y, constant: certificate.y0)
        let rigorous = Self.certifiedGap(lag.problem, objective: objective, certificate: (certificate.y0, lowest, []), scales: scales)
        return (gap, rigorous, (rigorous ?? .infinity) <= gapTolerance)
    }
}
