import Foundation
import LinearAlgebra

/// The time budget of one BM2 solve: its deadline, less a reserve for the final certificate.
///
/// A reduction's solve ends with one dual certificate: one λ_min estimate (a Lanczos run, or a
/// dense eigensolve) without multiplier repair, and, where the estimate's gap passes and the
/// lifted dimension allows it, the rigorous dense check (on the one-layer CNN several seconds,
/// far more than an estimate). The budget times both kinds separately — the estimates per run,
/// the rigorous check per call, and before the rigorous check first runs an a-priori estimate of
/// it (`rigorousCheckEstimate`) — and keeps the final certificate's worst case in reserve:
///
/// ```
/// inner deadline = deadline − (slowest estimate + rigorous check)
/// ```
/// so a solve with a time limit ends at the limit rather than one certificate past it.
final class SolveBudget {
    /// When the solve must end (`nil`: never).
    let deadline: Date?
    /// The longest single λ_min estimate so far, in seconds, or its a-priori estimate before the
    /// first one (0 for Lanczos, a dense eigensolve's where the check is dense).
    private(set) var estimateSeconds: Double
    /// The longest rigorous check so far, or its a-priori estimate before the first one (0 where
    /// the rigorous check does not apply).
    private(set) var rigorousSeconds: Double

    init(deadline: Date?, rigorousEstimate: Double = 0, estimateEstimate: Double = 0) {
        self.deadline = deadline
        rigorousSeconds = rigorousEstimate
        estimateSeconds = estimateEstimate
    }

    /// Seconds kept for the final certificate: one estimate and the rigorous check.
    var finalReserve: Double { estimateSeconds + rigorousSeconds }

    /// The deadline of the inner solves: the final certificate before the solve's deadline.
    var innerDeadline: Date? { deadline?.addingTimeInterval(-finalReserve) }

    /// Whether a certificate of `count` estimates (and possibly a rigorous check) fits before the
    /// final certificate's reserve.
    func allows(estimates count: Int) -> Bool {
        guard let deadline else { return true }
        return Date().addingTimeInterval(Double(count) * estimateSeconds + rigorousSeconds + finalReserve) < deadline
    }

    /// Runs `body`, a certificate that made `runs(result)` λ_min estimates, recording the time of one.
    func estimates<T>(runs: (T) -> Int, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let result = try body()
        estimateSeconds = max(estimateSeconds, Date().timeIntervalSince(start) / Double(max(1, runs(result))))
        return result
    }

    /// Records one λ_min estimate measured elsewhere (e.g. inside a multiplier repair, before the
    /// certificate as a whole is timed by `estimates`).
    func observe(estimateSeconds seconds: Double) {
        estimateSeconds = max(estimateSeconds, seconds)
    }

    /// Runs one rigorous check, recording its time (the measurement replaces the a-priori estimate).
    func rigorous<T>(_ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer {
            let seconds = Date().timeIntervalSince(start)
            rigorousSeconds = measuredRigorous ? max(rigorousSeconds, seconds) : seconds
            measuredRigorous = true
        }
        return try body()
    }
    private var measuredRigorous = false

    /// An a-priori estimate of the rigorous check's seconds at lifted dimension `n`: it forms the
    /// dense slack and factors it once or twice (`gapVerdict`'s targets), so three Cholesky
    /// factorisations' worth, each timed here on an m × m matrix (m = min(n, 400); the faster of
    /// two runs, the first pays for warming up) and scaled by `(n/m)³` (smaller factorisations
    /// run at a lower rate, so this errs high).
    ///
    /// - Complexity: two Cholesky factorisations of order min(n, 400).
    static func rigorousCheckEstimate(dimension n: Int) throws -> Double {
        guard n > 0 else { return 0 }
        let m = min(n, 400)
        var a = Matrix<Double>.identity(m)
        for i in 0..<m { a[i, i] = Double(m) }
        for i in 0..<m { for j in 0..<i { a[i, j] = Double((i * 7 + j * 13) % 17) / 17; a[j, i] = a[i, j] } }
        var seconds = Double.infinity
        for _ in 0..<2 {
            let start = Date()
            guard try CholeskyFactor(a) != nil else { return 0 }
            seconds = min(seconds, Date().timeIntervalSince(start))
        }
        return rigorousCheckEstimate(dimension: n, calibrationOrder: m, seconds: seconds)
    }

    /// The scaling of `rigorousCheckEstimate(dimension:)`: three factorisations of order n from
    /// one of order m that took `seconds`, `3 (n/m)³ seconds`.
    static func rigorousCheckEstimate(dimension n: Int, calibrationOrder m: Int, seconds: Double) -> Double {
        let scale = Double(n) / Double(max(1, m))
        return 3 * scale * scale * scale * seconds
    }
}

extension BurerMonteiroRank2 {
    /// The time budget of a solve of `lag`'s program ending at `deadline`: with the rigorous
    /// check's a-priori time reserved where it applies (a deadline, the second-order check on,
    /// lifted dimension at most `rigorousCheckDimension`), and, where the second-order check is
    /// a dense eigensolve (`denseSecondOrderDimension`), its a-priori time as the estimates' until
    /// the first is measured: 4/3 of the rigorous check's (a `syevr` reduction, ~4 Cholesky
    /// factorisations' worth, against 3; measured on the one-layer CNN 3.75 s against 2.8 s).
    /// Without it the first certificate's 30 repair steps were allowed at "0 s" each and a 60 s
    /// solve ran 160 s.
    ///
    /// - Complexity: one Cholesky factorisation of order at most 400 (the estimate), or none.
    func solveBudget(_ lag: RankTwoLagrangian, deadline: Date?) throws -> SolveBudget {
        let dimension = 1 + lag.sizes.reduce(0, +)
        guard deadline != nil, lanczosSteps > 0, dimension <= rigorousCheckDimension else { return SolveBudget(deadline: deadline) }
        let rigorous = try SolveBudget.rigorousCheckEstimate(dimension: dimension)
        return SolveBudget(
            deadline: deadline, rigorousEstimate: rigorous,
            estimateEstimate: dimension <= denseSecondOrderDimension ? 4.0 / 3.0 * rigorous : 0)
    }
}

extension BurerMonteiroRank2 {
    /// The dual certificate at a lifted point `flat` with multipliers `y`, its free multipliers
    /// repaired (`RankTwoLagrangian.repairedCertificate`) within `budget`: `multiplierRepairIterations`
    /// steps when they all fit (at the slowest estimate so far) beside a rigorous check and the
    /// final certificate, else none, as before the in-loop check (letting a late certificate
    /// repair as far as the time allows was measured on Figure 5a's CNN row and not better: two
    /// ρ = 31.6 solves then ran out of time, one of which this rule also loses in a rerun, within
    /// the machine's timing noise); and before each step, with the estimates timed as they
    /// run, only while one more fits (slow estimates, e.g. 300 Lanczos steps on the CNN, stop the
    /// repair instead of overrunning the deadline). No repair once `expired`.
    ///
    /// - Complexity: at most `multiplierRepairIterations + 1` λ_min estimates.
    func budgetedCertificate(
        _ lag: RankTwoLagrangian, y: [Double], at flat: [Double], free: [RankTwoLagrangian.FreeMultiplier],
        tolerance: Double, seed: UInt64, budget: SolveBudget, expired: Bool
    ) throws -> (y: [Double], certificate: SlackEstimate) {
        let repairs = expired || !budget.allows(estimates: multiplierRepairIterations + 1) ? 0 : multiplierRepairIterations
        let result = try budget.estimates(runs: { $0.runs }) {
            try lag.repairedCertificate(
                y, at: flat, free: free, iterations: repairs, steps: lanczosSteps, tolerance: tolerance, seed: seed,
                denseUpTo: denseSecondOrderDimension
            ) { slowest in
                budget.observe(estimateSeconds: slowest)
                return budget.allows(estimates: 1)
            }
        }
        return (result.y, result.certificate)
    }
}
