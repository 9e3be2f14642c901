import Foundation
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
        _ problem: LeastSquaresProblem, objective: Double, certificate: SlackEstimate,
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
    /// which is then returned too (nil when it does not certify the point). A `budget` times the
    /// rigorous check. The rigorous bound is only asked whether the λ_min that would certify the
    /// point with 99 % or 10 % of the gap's room left holds (one Cholesky factorisation each): a
    /// tight bound needs a shift just above λ_max(−S), which 30 Lanczos steps miss where the
    /// slack's smallest eigenvalues cluster (at SDP optima), and LAPACK's fallback costs about ten
    /// factorisations (measured on the one-layer CNN: 8–9 s against 0.6 s). The rigorous gap
    /// reported is the one at the first target that holds, not the tightest.
    ///
    /// - Complexity: O(n_0 + n_ℓ); when the estimate passes and the slack fits, `denseSlack` and
    ///   one or two Cholesky factorisations of the lifted dimension.
    func gapVerdict(
        _ lag: RankTwoLagrangian, y: [Double], certificate: SlackEstimate,
        objective: Double, feasible: Bool, scales: [Double], budget: SolveBudget? = nil
    ) throws -> (gap: Double?, rigorous: Double?, certified: Bool) {
        let gap = Self.certifiedGap(lag.problem, objective: objective, certificate: certificate, scales: scales)
        guard feasible, let gap, gap <= gapTolerance else { return (gap, nil, false) }
        guard !y.isEmpty, 1 + lag.sizes.reduce(0, +) <= rigorousCheckDimension else { return (gap, nil, true) }
        // The λ_min a certificate needs: −min(0, λ) T ≤ tol · max(1, f) − (f + y_0). The rigorous
        // bound is asked whether 1 % or 90 % of that room holds (one Cholesky factorisation each;
        // the other 10 % covers the forming errors).
        let room = gapTolerance * max(1, objective) - (objective + certificate.y0)
        let trace = lag.problem.traceBound(objective: objective, scales: scales)
        guard room > 0, trace > 0, trace.isFinite else { return (gap, nil, false) }
        let check = {
            try lag.slackMinimumEigenvalueBound(y, constant: certificate.y0, certifying: [-0.01 * room / trace, -0.9 * room / trace])
        }
        let held = try budget.map({ try $0.rigorous(check) }) ?? check()
        if ProcessInfo.processInfo.environment["BM2_TRACE_EXACT"] != nil {
            // Diagnostics: what the check needed against the slack's actual smallest eigenvalue.
            let exact = try lag.denseSlack(y, constant: certificate.y0).symmetricEigen(.smallest, vectors: false).values.first
            print(String(format: "rigorous check: room %.3e, trace bound %.3e, targets %.3e / %.3e, forming error %.3e, λ_min(fl(S)) %.3e, estimate %.3e: %@",
                         room, trace, -0.01 * room / trace, -0.9 * room / trace, lag.slackFormingErrorBound(y, constant: certificate.y0),
                         exact ?? .nan, certificate.minEigenvalue ?? .nan, held == nil ? "refused" : "held"))
        }
        guard let lowest = held else { return (gap, nil, false) }
        let rigorous = Self.certifiedGap(lag.problem, objective: objective, certificate: SlackEstimate(y0: certificate.y0, minEigenvalue: lowest, vector: []), scales: scales)
        return (gap, rigorous, (rigorous ?? .infinity) <= gapTolerance)
    }
}
