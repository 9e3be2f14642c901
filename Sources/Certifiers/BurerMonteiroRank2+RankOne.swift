import Foundation
import LinearAlgebra

extension BurerMonteiroRank2 {
    /// What `RankOneCertificate` says at one BM2 point: the polished rank-1 point, its multipliers,
    /// the certificate and the duality gap it bounds (as `gapVerdict` decides it).
    struct RankOneVerdict {
        var point: RankOneCertificate.Point
        var y: [Double]
        var certificate: SlackEstimate
        var gap: Double?
        var rigorous: Double?
        var certified: Bool

        /// One line for `BM2_TRACE`: the verdict, the polished objective (beside `reference`, the
        /// caller's, when given), λ_min(S) and the gaps.
        func traceLine(_ label: String, reference: Double? = nil) -> String {
            String(format: "%@: %@, f %.10e%@, λ_min(S) %.3e, gap %.2e, rigorous %.2e", label,
                   certified ? "certified" : "not certified", point.objective,
                   reference.map { String(format: " (BM2 %.10e)", $0) } ?? "",
                   certificate.minEigenvalue ?? .nan, gap ?? .nan, rigorous ?? .nan)
        }
    }

    /// The rank-1 certificate of a one-layer problem from BM2's `u_0` (`RankOneCertificate`): nil
    /// when no rank-1 KKT point is reached from it, else the verdict (certified only when the
    /// rigorous gap is at most `gapTolerance` at a feasible rank-1 point).
    ///
    /// - Complexity: `RankOneCertificate.polished` (Gram products and one eigendecomposition of
    ///   order n_0 per pattern round), one λ_min estimate and, when it passes, `gapVerdict`'s
    ///   rigorous check.
    func rankOneVerdict(
        _ lag: RankTwoLagrangian, from x: [Double], scales: [Double], budget: SolveBudget?, seed: UInt64
    ) throws -> RankOneVerdict? {
        let rankOne = RankOneCertificate(problem: lag.problem)
        guard let point = try rankOne.polished(from: x), let y = rankOne.multipliers(at: point) else { return nil }
        let flat = rankOne.factor(point)
        let estimate = { try lag.dualCertificate(y, at: flat, steps: max(1, self.lanczosSteps), seed: seed, denseUpTo: self.denseSecondOrderDimension) }
        let certificate = try budget.map { try $0.estimates(runs: { _ in 1 }, estimate) } ?? estimate()
        let (gap, rigorous, certified) = try gapVerdict(
            lag, y: y, certificate: certificate, objective: point.objective,
            feasible: point.violation <= feasibilityTolerance, scales: scales, budget: budget)
        return RankOneVerdict(point: point, y: y, certificate: certificate, gap: gap, rigorous: rigorous, certified: certified)
    }
}

extension BurerMonteiroRank2 {
    /// The answer a certified rank-1 verdict gives: the rank-1 point (λ₁/λ₂ = ∞), `.optimal`, the
    /// full program's first-order checks at it with the certificate's multipliers.
    func rankOneSolution(
        _ lag: RankTwoLagrangian, _ verdict: RankOneVerdict, iterations: Int, innerIterations: Int, penalty: Double, began: Date
    ) throws -> LeastSquaresSolution {
        let point = verdict.point
        var solution = LeastSquaresSolution(
            status: .optimal, objective: point.objective, x: point.x, z: [point.z], rankRatio: .infinity,
            iterations: iterations, seconds: Date().timeIntervalSince(began))
        solution.stationarity = try reductionStationarity(
            lag, flat: RankOneCertificate(problem: lag.problem).factor(point), y: verdict.y, rank: 2,
            reduced: (0, max(0, point.violation), 0), certificate: verdict.certificate, penalty: penalty,
            innerIterations: innerIterations)
        solution.stationarity?.dualGap = verdict.gap
        solution.stationarity?.rigorousDualGap = verdict.rigorous
        return solution
    }
}

/// What the rank-1 certificate says of a one-layer relaxation at a point near its solution.
public struct RankOneCheck: Sendable {
    /// Whether the rank-1 KKT point reached from the point is certified optimal for the relaxation
    /// (rigorous relative duality gap ≤ 1e-5 at a feasible rank-1 point).
    public var certified: Bool
    /// `‖x − x̂‖²` at the rank-1 point.
    public var objective: Double
    /// The estimated and (when the estimate passed) the rigorous relative gap.
    public var gap: Double?
    public var rigorousGap: Double?
}

/// The rank-1 certificate (`RankOneCertificate`) of a one-layer problem (B) from the point `x`
/// (e.g. an interior-point solution's x): an independent, rigorous check of a "tight" verdict;
/// nil for more than one layer or when no rank-1 KKT point is reached from `x`.
///
/// - Complexity: `RankOneCertificate.polished`, one λ_min estimate and at most two Cholesky
///   factorisations of the lifted dimension.
public func checkRankOne(_ problem: LeastSquaresProblem, from x: [Double]) throws -> RankOneCheck? {
    guard problem.layerCount == 1 else { return nil }
    let bm2 = BurerMonteiroRank2()
    guard let verdict = try bm2.rankOneVerdict(RankTwoLagrangian(problem), from: x, scales: problem.layerScales(), budget: nil, seed: bm2.seed)
    else { return nil }
    if ProcessInfo.processInfo.environment["BM2_TRACE"] != nil { print(verdict.traceLine("rank-1 check")) }
    return RankOneCheck(certified: verdict.certified, objective: verdict.point.objective, gap: verdict.gap, rigorousGap: verdict.rigorous)
}
