import Foundation
import LinearAlgebra

/// The outer loop of `SDPCertifier`: projected Adam on the dual function of SDP-cert with its
/// diagonal part solved exactly,
///
/// ```
/// d(θ) = const'(θ) + max { ⟨Ŝ(θ), P̂⟩ : P̂ ⪰ 0, P̂_00 = 1, P̂_ii ≤ 1 },   θ = (a, b, e),  a, b ≥ 0
/// ```
/// (the box multipliers d are 0: the inner problem's diagonal absorbs them). The inner maximum
/// comes from the mixing method, warm started from the previous step; its maximiser gives a
/// subgradient of d (`SDPDual.subgradient`), its KKT κ the sound bound (`SDPDual.soundBound`).
/// The step size follows a "bold driver" rule on the mean of d over windows of 20 iterations:
/// halved when it rose (d is nonsmooth, so a fixed step oscillates), grown by 1.2 (up to 8×)
/// when it fell. Measured: the step that suits a small fixture is 3× too large for PGD-NN; this
/// rule starts small (learning rate 0.001) and grows where steps can be longer.
struct SDPDualMixing {
    let problem: SDPProblem
    var iterations = 400
    var learningRate = 0.003
    var rank = 16
    var sweeps = 3
    var checkEvery = 25
    var window = 20
    /// Step growth per window in which the mean of d fell (bold driver).
    var growth = 1.2
    var deadline: Date?
    var stopWhenCertified = true
    /// With `extendBelow`: at this iteration the run stops unless its best dual estimate is below
    /// `extendBelow` (close to certifying), in which case it goes on to `iterations`.
    var baseIterations: Int?
    var extendBelow = -Double.infinity

    /// Minimises d from `start`; returns the best sound bound, its multipliers and why it stopped.
    /// `extended`: the run went on past `baseIterations` (its estimate was close to certifying).
    ///
    /// Sound bounds (`SDPDual.soundBound`, a dense factorisation each) are computed only at the
    /// start, where the running estimate of d is negative (at most every `checkEvery / 5`
    /// iterations, to stop once certified), and at the end for the multipliers of the best
    /// estimate.
    ///
    /// - Complexity: per iteration one dense (N+1)² matrix, `sweeps` mixing sweeps
    ///   (O(nnz · rank) each) and `rank` passes through the weights; per check, one or two dense
    ///   Cholesky factorisations of size N + 1 (an eigen-decomposition when they fail).
    func solve(from start: SDPMultipliers) throws -> (bound: Double, multipliers: SDPMultipliers, stop: String, extended: Bool) {
        let p = problem, n = p.size
        let dual = SDPDual(problem: p)
        var m = start
        for i in m.d.indices { m.d[i] = 0 }
        let couplings = dual.couplings()
        var inner = ElliptopeMaximization()
        inner.rank = min(rank, n + 1)
        inner.sweeps = 300
        var factor: Matrix<Double>? = nil
        var best = Double.infinity, bestMultipliers = m
        // The best dual value estimate (the inner maximum is only approximate: a sound bound is
        // computed for it at the end) and the iteration of the last sound check.
        var bestEstimate = Double.infinity, bestEstimateMultipliers = m
        var lastCheck = -checkEvery
        var adam = AdamState(size: 3 * n)
        var scale = 1.0, decay = 1.0
        var windowSum = 0.0, windowCount = 0, previousMean = Double.infinity
        var stop = "iterations"
        var extended = false
        func check(_ candidate: SDPMultipliers) throws {
            let bound = try dual.soundBound(candidate)
            if bound < best {
                best = bound
                bestMultipliers = candidate
            }
        }
        for iteration in 0...max(iterations, 0) {
            if iteration > 0, let deadline, Date() >= deadline {
                stop = "time-limit"
                break
            }
            for i in m.kappa.indices { m.kappa[i] = 0 }
            let centred = try dual.centred(m)
            let result = try inner.solve(dual.layeredMatrix(m, head: centred.head, couplings: couplings), start: factor)
            factor = result.v
            inner.sweeps = sweeps
            m.kappa = result.kappa
            let value = centred.constant + result.value
            if iteration == 0 {
                scale = max(abs(value), 1).squareRoot()
                try check(m)
            }
            if value < bestEstimate {
                bestEstimate = value
                bestEstimateMultipliers = m
            }
            // A sound check (a dense factorisation) only where it may certify: the estimate is
            // negative, at most once every checkEvery / 5 iterations.
            if stopWhenCertified, value < 0, iteration - lastCheck >= max(checkEvery / 5, 1) {
                lastCheck = iteration
                try check(m)
                if best < 0 {
                    stop = "certified"
                    break
                }
            }
            if iteration == iterations { break }
            if let base = baseIterations, iteration == base {
                if bestEstimate >= extendBelow { break }
                extended = true
            }
            windowSum += value
            windowCount += 1
            if windowCount == window {
                let mean = windowSum / Double(window)
                if mean > previousMean { decay *= 0.5 } else { decay = min(decay * growth, 8) }
                previousMean = mean
                windowSum = 0
                windowCount = 0
            }
            let gradient = try dual.subgradient(factor: result.v)
            var flat = m.a + m.b + m.e
            adam.step(&flat, gradient: gradient, lr: learningRate * scale * decay)
            m.a = Array(flat[0..<n])
            m.b = Array(flat[n..<(2 * n)])
            m.e = Array(flat[(2 * n)...])
            m.project(inputCount: p.alive[0].count)
        }
        if stop != "certified" {
            // The sound bound at the best estimate, its inner problem solved more accurately.
            var candidate = bestEstimateMultipliers
            for i in candidate.kappa.indices { candidate.kappa[i] = 0 }
            let centred = try dual.centred(candidate)
            var final = inner
            final.sweeps = 50
            let result = try final.solve(dual.layeredMatrix(candidate, head: centred.head, couplings: couplings), start: factor)
            candidate.kappa = result.kappa
            try check(candidate)
            if best < 0 { stop = "certified" }
        }
        return (best, bestMultipliers, stop, extended)
    }
}
