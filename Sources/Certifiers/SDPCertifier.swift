import Foundation
import LinearAlgebra
import Networks

/// SDP-cert (paper 1, eq. 7 with biases and the box on every layer; formulations.md), solved
/// through its Lagrangian dual with the diagonal part eliminated exactly:
///
/// ```
/// minimise over θ = (a, b, e) (a, b ≥ 0):
///   d(θ) = const'(θ) + max { ⟨Ŝ(θ), P̂⟩ : P̂ ⪰ 0, P̂_00 = 1, P̂_ii ≤ 1 }
/// ```
/// The inner maximum is a max-cut-like SDP solved by the mixing method (`ElliptopeMaximization`,
/// a few warm-started sweeps per step, rank 8); its maximiser gives a subgradient of d, and
/// projected Adam with a step halved whenever the dual value rises moves θ (`SDPDualMixing`);
/// unless already certified, θ is then polished: on small problems by the augmented Lagrangian
/// of the primal (`SDPDualAugmentedLagrangian`), on larger ones by the proximal bundle method on
/// d (`SDPDualBundle`); both converge where d has kinks, where L-BFGS on d (`SDPDualLBFGS`, still
/// an option) stalls. The start θ = 0 gives exactly the interval certificate.
///
/// The reported bound is only ever `SDPDual.soundBound`: κ from the inner solver's KKT
/// conditions, a dense eigen-decomposition and rounding margins, valid whatever the optimiser
/// did. Early stop per target once that bound is negative.
public struct SDPCertifier: Sendable {
    /// Adam iterations per target at most.
    public var iterations: Int
    /// Seconds per point at most (checked between iterations).
    public var timeLimit: Double?
    /// Adam's step size, times √max(|start bound|, 1).
    public var learningRate: Double
    /// Columns of the inner solver's factor.
    public var rank: Int
    /// Mixing sweeps per outer iteration (the first solve runs to convergence).
    public var sweeps: Int
    /// A sound bound is computed every this many iterations (and at the end).
    public var checkEvery: Int
    /// L-BFGS iterations of the polishing phase after the Adam phase (polish `lbfgs`, and extended
    /// targets before the bundle); 0: no polishing phase at all, whatever `polish` says.
    public var polishIterations: Int
    /// Seconds the polishing phase may take per target; nil (default): no cap, only its iteration
    /// counts, so that bounds do not depend on the machine's load. Measured on PGD-NN (test image 0,
    /// runner-up target): the 200 L-BFGS iterations take 3.9 s idle (a 3 s cap ended at 2.29589
    /// instead of 2.28708).
    public var polishSeconds: Double? = nil
    /// Mixing sweeps per evaluation of the L-BFGS polish (the bundle has `bundleSweeps`).
    public var polishSweeps = 20
    /// L-BFGS runs of the polishing phase at most: one that stalls early (a kink of d) is followed
    /// by `restartIterations` Adam steps and another run, while `polishSeconds` last. Measured
    /// with 3 (runner-up target of PGD-NN test images 0–9, 1000 Adam steps): bounds lower by
    /// 0–0.11 on 5 of 10 targets, 40 % more time; on mnist_2_20 it reaches CSDP's optimum at
    /// every budget but takes 2–3 s instead of 0.5–1. Default 1 (a single run).
    public var polishRounds = 1
    /// See `polishRounds`.
    public var restartIterations = 100
    /// Stop solving a point's SDPs once one target ends uncertified (the point cannot be
    /// certified any more): targets are taken hardest first (largest clean margin), and those not
    /// solved report their interval bound (sound, looser) with status `not-attempted`.
    public var failFast = false
    /// Extra Adam iterations (the same run continued, before the polish) for a target whose dual
    /// estimate after `iterations` is in [0, `extendBelow`) (close to certified); 0: none.
    /// Measured on PGD-NN, where 1000 iterations leave the bound 0.5–2 above the interior-point
    /// optimum: 2000 more certify two such points (148, 361) the optimum certifies.
    public var extensionIterations = 0
    /// See `extensionIterations`.
    public var extendBelow = 2.0
    /// Targets solved at once when not `failFast` (each on its own thread).
    public var targetThreads = 1
    /// How the phase after Adam refines θ.
    public enum Polish: String, Sendable, CaseIterable {
        /// `alm` for problems of at most `almMaximumSize` variables, `bundle` for larger ones.
        case automatic = "auto"
        /// L-BFGS on d (`SDPDualLBFGS`), `polishRounds` runs.
        case lbfgs
        /// The augmented Lagrangian of the primal in a low-rank factor (`SDPDualAugmentedLagrangian`).
        case augmentedLagrangian = "alm"
        /// The proximal bundle method on d (`SDPDualBundle`), `bundleEvaluations` mixing solves.
        case bundle
    }
    /// See `Polish`.
    public var polish = Polish.automatic
    /// Measured (1000 Adam steps first): on the 29 fixture targets (N ≤ 30) `alm` reaches the
    /// interior-point optimum to ≤ 1e-5 relative where `lbfgs` stops up to 3 % above it; on
    /// dense-1 (N = 99, ε 0.05) both are within 1e-4 of CSDP (alm 7e-6 in 1.2 s, lbfgs 2e-5 in
    /// 0.2 s); on dense-3 (N = 199) alm's inner L-BFGS converges slowly (0.08 above CSDP when its
    /// 3 s run out, lbfgs 0.12 in 0.5 s), and on mnist_2_20 (N = 804) it is far behind.
    public var almMaximumSize = 100
    /// Outer iterations of the augmented Lagrangian polish.
    public var polishOuterIterations = 30
    /// Mixing solves of the bundle polish at most. Measured on mnist_2_20 (ε 0.02, runner-up
    /// targets of test images 0–3): 300 reach CSDP's optimum to ≤ 1e-4 in 0.3–0.6 s including the
    /// Adam phase. On PGD-NN (ε 0.1) d is far from converged after 300 (image 0, runner-up:
    /// 2.274, and 2.193 after 1000), at 2 s per target.
    public var bundleEvaluations = 300
    /// Mixing sweeps per evaluation of the bundle polish (`SDPDualBundle.sweeps`).
    public var bundleSweeps = 5

    public init(
        iterations: Int = 1000, timeLimit: Double? = nil, learningRate: Double = 0.001, rank: Int = 8, sweeps: Int = 3,
        checkEvery: Int = 25, polishIterations: Int = 200, failFast: Bool = false
    ) {
        self.failFast = failFast
        self.polishIterations = polishIterations
        self.iterations = iterations
        self.timeLimit = timeLimit
        self.learningRate = learningRate
        self.rank = rank
        self.sweeps = sweeps
        self.checkEvery = checkEvery
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// Stops early for a target once its sound bound is negative (certified) — other targets
    /// still get their own bounds (unless `failFast`) — and reports per target the gap between
    /// the sound bound and the best primal value known (the margin of the clean point, a feasible
    /// rank-1 P).
    /// - Complexity: per target, `iterations` outer steps (each `sweeps` mixing sweeps, O(nnz · rank))
    ///   and one dense eigen-decomposition of size N + 1 per check.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let scores = try network.scores(center)
        let deadline = timeLimit.map { start.addingTimeInterval($0) }
        let schedule = try TargetSchedule(
            network: network, center: center, label: label, intervals: intervals, failFast: failFast, threads: targetThreads
        ) { j in
            let (bound, stop) = try solve(SDPProblem(network: network, bounds: intervals, label: label, target: j), deadline: deadline)
            return (bound, scores[j] - scores[label], stop)
        }
        let (bounds, gaps) = (schedule.bounds, schedule.gaps)
        let stops = Set(schedule.statuses.values)
        return Certificate(
            method: "sdp", label: label, predicted: argmax(scores), bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: stops.sorted().joined(separator: "+"), gaps: gaps)
    }

    /// The sound bound for one target; with `stopWhenCertified` false the whole iteration budget
    /// is spent (for benchmarks).
    public func certifyTarget(
        network: ReLUNetwork<Double>, center: [Double], label: Int, target: Int, epsilon: Double,
        stopWhenCertified: Bool = true
    ) throws -> Double {
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let problem = SDPProblem(network: network, bounds: intervals, label: label, target: target)
        return try solve(problem, deadline: nil, stopWhenCertified: stopWhenCertified).bound
    }

    /// Minimises d for one target; returns the best sound bound and why it stopped:
    /// `certified` (the bound is negative), `iterations` (the budget ran out; the bound is sound
    /// but not necessarily the SDP optimum) or `time-limit`.
    func solve(_ problem: SDPProblem, deadline: Date?, stopWhenCertified: Bool = true) throws -> (bound: Double, stop: String) {
        var outer = SDPDualMixing(problem: problem)
        outer.iterations = iterations + max(extensionIterations, 0)
        if extensionIterations > 0 {
            outer.baseIterations = iterations
            outer.extendBelow = extendBelow
        }
        outer.learningRate = learningRate
        outer.rank = rank
        outer.sweeps = sweeps
        outer.checkEvery = checkEvery
        outer.deadline = deadline
        outer.stopWhenCertified = stopWhenCertified
        let result = try outer.solve(from: SDPMultipliers(size: problem.size))
        if (stopWhenCertified && result.stop == "certified") || polishIterations == 0 || result.stop == "time-limit" {
            return (result.bound, result.stop)
        }
        // L-BFGS, and where it stalls early (a kink: its line search finds no decrease along the
        // subgradient it was given) a short Adam run from there, then L-BFGS again, while the
        // polishing time lasts.
        let cap = polishSeconds.map { Date().addingTimeInterval($0) }
        let polishDeadline = [deadline, cap].compactMap { $0 }.min()
        var bound = result.bound, multipliers = result.multipliers
        if polish == .augmentedLagrangian || (polish == .automatic && problem.size <= almMaximumSize) {
            var alm = SDPDualAugmentedLagrangian(problem: problem)
            alm.outerIterations = polishOuterIterations
            alm.deadline = polishDeadline
            let polished = try alm.solve(from: multipliers, factor: nil, rank: rank)
            bound = min(bound, polished.bound)
            return (bound, bound < 0 ? "certified" : "iterations")
        }
        if polish == .bundle || polish == .automatic {
            // A target the Adam phase extended (close to certifying) first gets L-BFGS on d: it
            // moves fast where d is smooth, and the bundle method goes on where it stalls.
            // Measured on PGD-NN (runner-up targets, with the extension): test image 148 ends at
            // −0.163 (bundle alone 0.559, L-BFGS alone 0.042; interior point −0.399), 361 at
            // −0.301 (−0.156; −0.450). Not for the others: on mnist_2_20 the chain takes 0.7–1.3 s
            // instead of 0.4–0.7 s for the same bounds.
            if result.extended {
                let polished = try lbfgsPolish(problem, from: multipliers, deadline: polishDeadline)
                bound = min(bound, polished.bound)
                multipliers = polished.multipliers
                if stopWhenCertified && bound < 0 { return (bound, "certified") }
            }
            var bundle = SDPDualBundle(problem: problem)
            bundle.evaluations = bundleEvaluations
            bundle.rank = rank
            bundle.sweeps = bundleSweeps
            bundle.deadline = polishDeadline
            bundle.stopWhenCertified = stopWhenCertified
            let polished = try bundle.solve(from: multipliers)
            bound = min(bound, polished.bound)
            return (bound, bound < 0 ? "certified" : "iterations")
        }
        for round in 0..<polishRounds {
            let polished = try lbfgsPolish(problem, from: multipliers, deadline: polishDeadline)
            let gain = bound - polished.bound
            bound = min(bound, polished.bound)
            multipliers = polished.multipliers
            if (stopWhenCertified && bound < 0) || !polished.stalled || round + 1 == polishRounds || polishDeadline.map({ Date() >= $0 }) == true { break }
            // A round that gained nothing: the next would most likely not either.
            if round > 0, gain < 1e-5 * max(1, abs(bound)) { break }
            var restart = SDPDualMixing(problem: problem)
            restart.iterations = restartIterations
            restart.learningRate = learningRate
            restart.rank = rank
            restart.sweeps = sweeps
            restart.checkEvery = checkEvery
            restart.deadline = polishDeadline
            restart.stopWhenCertified = stopWhenCertified
            let moved = try restart.solve(from: multipliers)
            bound = min(bound, moved.bound)
            multipliers = moved.multipliers
            if stopWhenCertified && bound < 0 { break }
        }
        return (bound, bound < 0 ? "certified" : "iterations")
    }

    /// One L-BFGS run on d (`SDPDualLBFGS`) with this certifier's polish settings.
    private func lbfgsPolish(
        _ problem: SDPProblem, from start: SDPMultipliers, deadline: Date?
    ) throws -> (bound: Double, multipliers: SDPMultipliers, stalled: Bool) {
        var polish = SDPDualLBFGS(problem: problem)
        polish.iterations = polishIterations
        polish.rank = rank
        polish.sweeps = polishSweeps
        polish.deadline = deadline
        return try polish.solve(from: start)
    }
}
