import Foundation
import LinearAlgebra

/// A polishing phase of `SDPCertifier` for d's kinks: the proximal bundle method
/// (`ProximalBundle`) on the dual function of `SDPDualMixing`,
///
/// ```
/// d(θ) = const'(θ) + max { ⟨Ŝ(θ), P̂⟩ : P̂ ⪰ 0, P̂_00 = 1, P̂_ii ≤ 1 },   θ = (a, b, e),  a, b ≥ 0
/// ```
/// Every evaluation's factor V gives a feasible P̂ = VVᵀ, and θ ↦ const'(θ) + ⟨Ŝ(θ), VVᵀ⟩ is
/// affine: its value and gradient (`SDPDual.subgradient`) form an exact global minorant of d
/// however roughly the mixing method solved the inner problem. The cuts collected near a kink of
/// d (where the inner maximiser jumps and L-BFGS's line searches fail) make a model of d there,
/// and the proximal steps on that model keep descending.
///
/// The result is only a candidate θ: the bound is `SDPDual.soundBound` at the final centre with
/// κ from the mixing method solved to convergence.
struct SDPDualBundle {
    let problem: SDPProblem
    /// Oracle calls (mixing solves) at most.
    var evaluations = 300
    var rank = 8
    /// Mixing sweeps per evaluation (the first runs to convergence). Measured on mnist_2_20
    /// (test images 2 and 3, runner-up target): 5, 10 and 20 reach the same bounds to 1e-4; 5 is
    /// the fastest.
    var sweeps = 5
    /// Cuts kept. Measured there: 10 stops 1e-3 short, 20 and 40 reach CSDP's optimum, 40 in
    /// twice the time (the subproblem's dense solves grow as cuts³).
    var cuts = 20
    /// Relative predicted decrease at which the method stops.
    var tolerance = 1e-7
    var deadline: Date?
    /// Stop as soon as an evaluated point has a negative sound bound (the target is certified).
    /// The check (a converged inner solve and `SDPDual.soundBound`) runs only where the mixing
    /// estimate, which never exceeds d, is negative: at the first such point and then at most
    /// every `certificationCheckEvery` evaluations.
    var stopWhenCertified = false
    var certificationCheckEvery = 10

    /// Polishes from `start` (its d are ignored); returns the sound bound at the final centre and
    /// what the bundle method did.
    ///
    /// - Complexity: per evaluation `sweeps` mixing sweeps (O(nnz · rank) each), `rank` passes
    ///   through the weights and a bundle subproblem; one dense Cholesky factorisation of size
    ///   N + 1 at the end.
    func solve(from start: SDPMultipliers) throws -> (bound: Double, multipliers: SDPMultipliers, report: ProximalBundle.Report) {
        let p = problem, n = p.size
        let dual = SDPDual(problem: p)
        let couplings = dual.couplings()
        let inputs = p.alive[0].count
        let hidden = n - inputs
        var inner = ElliptopeMaximization()
        inner.rank = min(rank, n + 1)
        inner.sweeps = 300
        inner.tolerance = 1e-8
        var factor: Matrix<Double>? = nil
        // x = (a, b, e) over the non-input coordinates, each scaled by the norm of its
        // constraint's gradient (x_t = ‖∇c_t‖ θ_t): the proximal term (u/2)‖x − x̂‖² is then the
        // metric in which the augmented Lagrangian is a proximal point method on d.
        let weights = SDPDualAugmentedLagrangian(problem: p).constraintWeights()
        let scale = (0..<(3 * hidden)).map { j -> Double in
            let block = j / hidden, t = j % hidden
            return weights[block * n + inputs + t].squareRoot()
        }
        func multipliers(_ x: [Double]) -> SDPMultipliers {
            var m = SDPMultipliers(size: n)
            for t in 0..<hidden {
                m.a[inputs + t] = x[t] * scale[t]
                m.b[inputs + t] = x[hidden + t] * scale[hidden + t]
                m.e[inputs + t] = x[2 * hidden + t] * scale[2 * hidden + t]
            }
            return m
        }
        var x = [Double](repeating: 0, count: 3 * hidden)
        for t in 0..<hidden {
            x[t] = start.a[inputs + t] / scale[t]
            x[hidden + t] = start.b[inputs + t] / scale[hidden + t]
            x[2 * hidden + t] = start.e[inputs + t] / scale[2 * hidden + t]
        }
        var timedOut = false
        // A negative sound bound found during the iteration (stopWhenCertified).
        var certified: (bound: Double, multipliers: SDPMultipliers)? = nil
        var evaluated = 0, lastCheck = Int.min / 2
        // The sound bound at θ: the inner problem solved to convergence from `start` gives κ.
        var converged = ElliptopeMaximization()
        converged.rank = inner.rank
        converged.sweeps = 1000
        converged.tolerance = 1e-10
        func soundBound(_ theta: SDPMultipliers, start: Matrix<Double>?) throws -> (bound: Double, multipliers: SDPMultipliers) {
            var m = theta
            let centred = try dual.centred(m)
            m.kappa = try converged.solve(dual.layeredMatrix(m, head: centred.head, couplings: couplings), start: start).kappa
            return (try dual.soundBound(m), m)
        }
        // The evaluated point of lowest value and its factor (the centre, or a null step just
        // below it): its factor warm-starts the final inner solves.
        var lowest: (value: Double, x: [Double], factor: Matrix<Double>?) = (.infinity, x, nil)
        let f: ([Double]) throws -> (value: Double, gradient: [Double]) = { x in
            if let deadline, Date() >= deadline { timedOut = true }
            // Past the deadline: a non-finite value ends the method at its current centre.
            if timedOut || certified != nil { return (.nan, x) }
            evaluated += 1
            let m = multipliers(x)
            let centred = try dual.centred(m)
            let result = try inner.solve(dual.layeredMatrix(m, head: centred.head, couplings: couplings), start: factor)
            factor = result.v
            inner.sweeps = sweeps
            let value = centred.constant + result.value
            if value < lowest.value { lowest = (value, x, result.v) }
            if stopWhenCertified, value < 0, evaluated - lastCheck >= certificationCheckEvery {
                lastCheck = evaluated
                let checked = try soundBound(m, start: result.v)
                if checked.bound < 0 { certified = checked }
            }
            let g = try dual.subgradient(factor: result.v)
            var gradient = Array(g[inputs..<n] + g[(n + inputs)..<(2 * n)] + g[(2 * n + inputs)..<(3 * n)])
            for j in gradient.indices { gradient[j] *= scale[j] }
            return (value, gradient)
        }
        let lower = [Double](repeating: 0, count: 2 * hidden) + [Double](repeating: -.infinity, count: hidden)
        var bundle = ProximalBundle(lowerBounds: lower, maxEvaluations: evaluations, tolerance: tolerance)
        bundle.maxCuts = cuts
        let report = try bundle.minimize(&x, f)
        if let certified { return (certified.bound, certified.multipliers, report) }
        // Sound bounds at the centre and at the lowest point evaluated, their inner problems
        // solved to convergence from the lowest point's factor.
        var best = (bound: Double.infinity, multipliers: multipliers(x))
        for candidate in lowest.x == x ? [x] : [x, lowest.x] {
            let checked = try soundBound(multipliers(candidate), start: lowest.factor ?? factor)
            if checked.bound < best.bound { best = checked }
        }
        return (best.bound, best.multipliers, report)
    }
}
