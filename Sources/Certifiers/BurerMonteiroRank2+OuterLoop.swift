import Foundation
import LinearAlgebra

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
        /// The next inner solve's gradient tolerance: from `max(optimalityTolerance, 10⁻³)` down by
        /// 10 per outer iteration to `optimalityTolerance`.
        private(set) var innerTolerance: Double
        private let finalTolerance: Double
        private var previousMeasure = Double.infinity, previousViolation = Double.infinity, stagnant = 0

        init(sigma: Double, of settings: BurerMonteiroRank2) {
            self.sigma = sigma
            finalTolerance = settings.optimalityTolerance
            innerTolerance = max(finalTolerance, 1e-3)
        }

        /// After an outer iteration whose checks did not pass: σ's update and the inner tolerance's;
        /// the status to end with (`.infeasible`, or `.inaccurate` when stalled), nil to go on.
        mutating func conclude(measure: Double, violation: Double, of settings: BurerMonteiroRank2) -> LeastSquaresSolution.Status? {
            switch advance(measure: measure, violation: violation, of: settings) {
            case .infeasible: return .infeasible
            case .stalled: return .inaccurate
            case .proceed:
                innerTolerance = max(finalTolerance, 0.1 * innerTolerance)
                return nil
            }
        }

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

        /// Forgets the history (after an escape moved the point) and loosens the inner tolerance again.
        mutating func restart() {
            previousMeasure = .infinity
            stagnant = 0
            innerTolerance = max(finalTolerance, 1e-3)
        }
    }

    /// Whether an outer iteration's first-order checks pass (`.optimal`).
    func passes(_ check: (gradient: Double, violation: Double, complementarity: Double)) -> Bool {
        check.violation <= feasibilityTolerance && check.complementarity <= feasibilityTolerance
            && check.gradient <= optimalityTolerance
    }

    /// A point's certificate as the reductions keep it for `escapingOuterLoop`'s `restore`: the
    /// SDP multipliers, the λ_min estimate (y₀, value, vector), and the estimated and rigorous gaps.
    typealias KeptCertificate = (
        y: [Double], certificate: SlackEstimate, gap: Double?, rigorous: Double?
    )

    /// The outer loop the reductions share: outer iterations until first order passes (or a
    /// verdict), then the second-order check and, while it fails, an escape and more iterations;
    /// when the last point is neither first order nor certified by its duality gap, the last
    /// first-order point is restored, with the certificate computed there before its escape.
    ///
    /// - Parameters:
    ///   - iterate: one outer iteration; `.optimal` when the first-order checks pass, another
    ///     status to stop with (`penalty.conclude`'s), nil to go on.
    ///   - proceeds: whether another outer iteration may run (iterations and time left).
    ///   - certify: the second-order check at the current point; with `move` true, also the escape
    ///     when it is due (true when it was taken).
    ///   - settle: the second-order check for the report (no escape; a failure clears it); true
    ///     when its duality gap certifies the point (then it ends `.optimal`, nothing is restored).
    ///   - keep: remembers the current (first-order) point; `restore` returns to it and to its
    ///     certificate (saved by `certify` before it escaped), false when none.
    /// - Returns: the final status.
    func escapingOuterLoop(
        iterate: () throws -> LeastSquaresSolution.Status?, proceeds: () -> Bool,
        certify: (_ move: Bool) throws -> Bool, settle: () -> Bool, keep: () -> Void, restore: () -> Bool
    ) throws -> LeastSquaresSolution.Status {
        var status = LeastSquaresSolution.Status.inaccurate
        while true {
            while proceeds() {
                if let verdict = try iterate() {
                    status = verdict
                    break
                }
            }
            guard status == .optimal else {
                if status != .infeasible, settle() { status = .optimal }
                break
            }
            keep()
            guard try certify(true) else { break }
            status = .inaccurate
        }
        if status == .inaccurate, restore() { status = .optimal }
        return status
    }

    /// Whether a second-order escape is due: the estimate of `λ_min(S(y))` is below
    /// `−secondOrderTolerance · max(1, objective)` and escapes, outer iterations and time are left.
    func escapeDue(_ minEigenvalue: Double?, objective: Double, escapes: Int, outer: Int, expired: Bool) -> Bool {
        guard let lowest = minEigenvalue, !expired, escapes < maxEscapes, outer < maxOuterIterations else { return false }
        return lowest < -secondOrderTolerance * max(1, objective)
    }

    /// A second-order escape of the factor `v` (layers of `sizes`, each an `r × n_k` block, row 0
    /// `u_k`) along the lifted vector `direction = (t, x_0, x_1, …)`: a new last row per layer
    /// (Burer–Monteiro's rank increase) while `r < maxRank` (default `maxFactorRank`), else a move
    /// of the last row, by `escapeStep(from: v)`. Returns the new factor and its rank.
    func escaped(_ v: [Double], rank: Int, sizes: [Int], along direction: [Double], maxRank: Int? = nil) -> (v: [Double], rank: Int) {
        let scale = Self.escapeStep(from: v), widens = rank < (maxRank ?? maxFactorRank)
        var out: [Double] = []
        out.reserveCapacity(v.count + (widens ? sizes.reduce(0, +) : 0))
        var offset = 0, lifted = 1
        for n in sizes {
            let block = v[offset..<offset + rank * n]
            let step = (0..<n).map { scale * direction[lifted + $0] }
            if widens {
                out += block + step
            } else {
                out += block.dropLast(n) + zip(block.suffix(n), step).map { $0 + $1 }
            }
            offset += rank * n
            lifted += n
        }
        return (out, widens ? rank + 1 : rank)
    }

    /// The step of a second-order escape along a unit vector from the factor `v`: `0.01 (1 + ‖v‖²)^{1/2}`.
    static func escapeStep(from v: [Double]) -> Double {
        0.01 * (1 + v.reduce(0) { $0 + $1 * $1 }).squareRoot()
    }

    /// One inner solve of an outer iteration: L-BFGS on the augmented Lagrangian `f` from `x`
    /// down to `tolerance`; nil when the deadline passed during it (x keeps the last iterate).
    ///
    /// - Complexity: at most `maxInnerIterations` L-BFGS iterations.
    func innerSolve(
        _ x: inout [Double], tolerance: Double, deadline: Date?,
        preconditioner: (([Double]) throws -> [Double])? = nil,
        _ f: ([Double]) throws -> (value: Double, gradient: [Double])
    ) throws -> LBFGS.Report? {
        struct Expired: Error {}
        var inner = LBFGS(memory: memory, maxIterations: maxInnerIterations, gradientTolerance: tolerance)
        inner.approximateWolfe = 1e-12
        do {
            return try inner.minimize(&x, preconditioner: preconditioner) { v in
                if let deadline, Date() >= deadline { throw Expired() }
                return try f(v)
            }
        } catch is Expired {
            return nil
        }
    }
}
