import LinearAlgebra
import Networks

/// The order in which SDP certifiers solve a point's targets, and fail-fast: targets hardest
/// first (largest clean score), and with `failFast`, once one ends uncertified (bound ≥ 0) the
/// point cannot be certified any more, so the rest report their interval bound (sound, looser)
/// with status `not-attempted`. Without `failFast` the targets are independent and are solved
/// `threads` at a time. Shared by `SDPCertifier` and `CSDPCertifier`.
struct TargetSchedule {
    /// Per target: the sound bound, the relative gap to the best primal value known, and how its
    /// solve ended (`not-attempted` for those skipped).
    var bounds: [Int: Double] = [:], gaps: [Int: Double] = [:], statuses: [Int: String] = [:]
    /// The clean point's scores.
    let scores: [Double]

    /// Runs `solve(j)` — the sound bound, a primal value below it, and a status — on every target
    /// `j ≠ label` in that order (with `threads` > 1 and no `failFast`, concurrently).
    ///
    /// - Complexity: one `solve` per target attempted, plus one interval pass with `failFast`.
    init(
        network: ReLUNetwork<Double>, center: [Double], label: Int, intervals: IntervalBounds<Double>, failFast: Bool,
        threads: Int = 1, solve: @Sendable (Int) throws -> (bound: Double, primal: Double, status: String)
    ) throws {
        let scores = try network.scores(center)
        self.scores = scores
        let targets = (0..<network.classCount).filter { $0 != label }.sorted { scores[$0] > scores[$1] }
        if !failFast, threads > 1 {
            let results = try parallelResults(targets.count, threads: threads) { try solve(targets[$0]) }
            for (j, (bound, primal, status)) in zip(targets, results) {
                bounds[j] = bound
                gaps[j] = (bound - primal) / max(1, abs(bound))
                statuses[j] = status
            }
            return
        }
        let interval = failFast ? intervals.marginUpperBounds(network: network, label: label) : []
        var failed = false
        for j in targets {
            if failed {
                bounds[j] = interval[j]
                gaps[j] = (interval[j] - (scores[j] - scores[label])) / max(1, abs(interval[j]))
                statuses[j] = "not-attempted"
                continue
            }
            let (bound, primal, status) = try solve(j)
            bounds[j] = bound
            gaps[j] = (bound - primal) / max(1, abs(bound))
            statuses[j] = status
            if failFast, bound >= 0 { failed = true }
        }
    }
}
