import Foundation
import LinearAlgebra

/// The polishing phase of `SDPCertifier`: L-BFGS (with restarts when a line search fails) on the
/// same dual function as `SDPDualMixing`,
///
/// ```
/// d(θ) = const'(θ) + max { ⟨Ŝ(θ), P̂⟩ : P̂ ⪰ 0, P̂_00 = 1, P̂_ii ≤ 1 },   a = α², b = β², e free
/// ```
/// over (α, β, e), the squares keeping a, b ≥ 0 without projections. Each evaluation warm-starts
/// the mixing method from the previous maximiser. Where d is smooth near the optimum (as on
/// mnist_2_20) this reaches the interior-point optimum to ~1e-5 in a few hundred steps; where it
/// is not, line searches fail and the phase ends early. Either way the result is only a
/// candidate: the bound is `SDPDual.soundBound` at the final multipliers.
struct SDPDualLBFGS {
    let problem: SDPProblem
    var iterations = 200
    var rank = 16
    /// Mixing sweeps per evaluation (the first runs to convergence).
    var sweeps = 20
    var deadline: Date?

    /// Polishes from `start` (its d multipliers are ignored); returns the sound bound at the end.
    ///
    /// - Complexity: per evaluation `sweeps` mixing sweeps and `rank` passes through the weights;
    ///   one dense eigen-decomposition at the end.
    /// `stalled`: L-BFGS stopped before its iteration budget without reaching its gradient
    /// tolerance (a failed line search, usually at a kink of d), or the deadline cut it short.
    func solve(from start: SDPMultipliers) throws -> (bound: Double, multipliers: SDPMultipliers, stalled: Bool) {
        let p = problem, n = p.size
        let dual = SDPDual(problem: p)
        let couplings = dual.couplings()
        var inner = ElliptopeMaximization()
        inner.rank = min(rank, n + 1)
        inner.sweeps = 300
        inner.tolerance = 1e-8
        var factor: Matrix<Double>? = nil
        let inputs = p.alive[0].count
        func multipliers(_ x: [Double]) -> SDPMultipliers {
            var m = SDPMultipliers(size: n)
            for i in inputs..<n {
                m.a[i] = x[i] * x[i]
                m.b[i] = x[n + i] * x[n + i]
                m.e[i] = x[2 * n + i]
            }
            return m
        }
        var x = [Double](repeating: 0, count: 3 * n)
        for i in inputs..<n {
            // A tiny floor so that the square parametrisation can move off zero.
            x[i] = max(start.a[i], 1e-8).squareRoot()
            x[n + i] = max(start.b[i], 1e-8).squareRoot()
            x[2 * n + i] = start.e[i]
        }
        var kappa: [Double] = []
        var timedOut = false
        let f: ([Double]) throws -> (value: Double, gradient: [Double]) = { x in
            if let deadline, Date() >= deadline { timedOut = true }
            let m = multipliers(x)
            let centred = try dual.centred(m)
            let result = try inner.solve(dual.layeredMatrix(m, head: centred.head, couplings: couplings), start: factor)
            factor = result.v
            inner.sweeps = sweeps
            kappa = result.kappa
            var g = try dual.subgradient(factor: result.v)
            for i in 0..<n {
                g[i] *= 2 * x[i]
                g[n + i] *= 2 * x[n + i]
            }
            for i in 0..<inputs { g[i] = 0; g[n + i] = 0; g[2 * n + i] = 0 }
            // Past the deadline: a flat function ends L-BFGS at once.
            return timedOut ? (0, [Double](repeating: 0, count: g.count)) : (centred.constant + result.value, g)
        }
        let lbfgs = LBFGS(memory: 20, maxIterations: iterations, gradientTolerance: 1e-12)
        let report = try lbfgs.minimize(&x, f)
        let stalled = report.iterations < iterations && report.gradientNorm > lbfgs.gradientTolerance
        var m = multipliers(x)
        timedOut = false
        _ = try f(x)
        m.kappa = kappa
        return (try dual.soundBound(m), m, stalled)
    }
}
