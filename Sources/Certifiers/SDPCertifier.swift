import Foundation
import LinearAlgebra
import Networks

/// SDP-cert (paper 1, eq. 7 with biases and the box on every layer; formulations.md), solved by
/// first-order optimisation of its Lagrangian dual (as SDP-FO, Dathathri et al. 2020):
///
/// ```
/// minimise over multipliers (signs projected) and κ:
///   F = const + κ_0 + μ + Σ_{i≥1} max(κ_i + μ, 0),   μ = λ_max(S̃(multipliers) − diag κ)
/// ```
/// Iterations use Adam with μ and its eigenvector estimated by Lanczos (matrix-vector products
/// with the weight blocks only). The reported bound is only ever `SDPDual.soundBound`: a dense
/// eigen-decomposition with a rounding margin at the best multipliers found, valid whatever the
/// optimiser did. The start is the interval certificate (multipliers of the last layer's box).
public struct SDPCertifier: Sendable {
    /// Optimiser iterations per target at most.
    public var iterations: Int
    /// Seconds per point at most (checked between iterations).
    public var timeLimit: Double?
    /// Adam's step size, divided by the size of the start bound (when above 1).
    public var learningRate: Double
    /// Lanczos steps per iteration.
    public var lanczosSteps: Int
    /// A sound bound is computed every this many iterations (and at the end).
    public var checkEvery: Int
    /// Use a dense eigen-decomposition instead of Lanczos in every iteration (small problems).
    public var exactEigen = false

    public init(
        iterations: Int = 2000, timeLimit: Double? = nil, learningRate: Double = 0.1, lanczosSteps: Int = 20,
        checkEvery: Int = 200
    ) {
        self.iterations = iterations
        self.timeLimit = timeLimit
        self.learningRate = learningRate
        self.lanczosSteps = lanczosSteps
        self.checkEvery = checkEvery
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// Stops early for a target once its sound bound is negative (certified) — other targets
    /// still get their own bounds — and reports per target the gap between the sound bound and
    /// the best primal value known (the margin of the clean point, a feasible rank-1 P).
    /// - Complexity: per iteration, `lanczosSteps` products with the lifted matrix (two passes
    ///   through the weights each); per check, one dense eigen-decomposition of size N + 1.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let scores = try network.scores(center)
        var bounds: [Int: Double] = [:], gaps: [Int: Double] = [:]
        var stops: Set<String> = []
        for j in 0..<network.classCount where j != label {
            let problem = SDPProblem(network: network, bounds: intervals, label: label, target: j)
            let deadline = timeLimit.map { start.addingTimeInterval($0) }
            let (bound, stop) = try solve(problem, deadline: deadline)
            bounds[j] = bound
            let primal = scores[j] - scores[label]
            gaps[j] = (bound - primal) / max(1, abs(bound))
            stops.insert(stop)
        }
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

    /// The interval-certificate start (SDP-FO's): no constraint multipliers, and κ that makes
    /// `Ŝ − diag κ` negative semidefinite with ĥ = ½ r ⊙ c: κ_i = |ĥ_i|, κ_0 = Σ |ĥ_i|, so the bound
    /// is `c0 + cᵀm + Σ |c_i| r_i`, the interval certificate.
    func initialMultipliers(_ problem: SDPProblem, _ dual: SDPDual) throws -> SDPMultipliers {
        var m = SDPMultipliers(size: problem.size)
        let head = try dual.centred(m).head
        var kappa0 = 0.0
        for i in 0..<problem.size {
            let h = abs(head[i] * problem.scale[i])
            m.kappa[i + 1] = h
            kappa0 += h
        }
        m.kappa[0] = kappa0
        return m
    }

    /// Minimises F for one target; returns the best sound bound and why it stopped:
    /// `certified` (the bound is negative), `iterations` (the budget ran out; the bound is sound
    /// but not necessarily near the SDP optimum) or `time-limit`.
    func solve(
        _ problem: SDPProblem, deadline: Date?, stopWhenCertified: Bool = true, start: SDPMultipliers? = nil,
        stepScale: Double? = nil
    ) throws -> (bound: Double, stop: String) {
        let dual = SDPDual(problem: problem)
        var m = try start ?? initialMultipliers(problem, dual)
        var best = try dual.soundBound(m)
        if best < 0, stopWhenCertified { return (best, "certified") }
        let n = problem.size
        var adam = AdamState(size: 5 * n + 1)
        var v = [Double](repeating: 1, count: n + 1)
        // Step sizes that worked: ~0.1 at a start bound of 1 (mnist_2_20) and ~6e-4 at 154
        // (PGD-NN): inversely proportional to the start bound's size.
        let scale = stepScale ?? 1 / max(abs(best), 1)
        var stop = "iterations"
        for iteration in 1...max(iterations, 1) {
            if let deadline, Date() >= deadline {
                stop = "time-limit"
                break
            }
            let head = try dual.centred(m).head
            let eig: (value: Double, vector: [Double])
            if exactEigen {
                let top = try dual.denseMatrix(m, head: head).symmetricEigen(.largest)
                eig = (top.values[0], (0...n).map { top.vectors![$0, 0] })
            } else {
                eig = try lanczosLargest(dimension: n + 1, steps: lanczosSteps, start: v) { y in
                    (try? dual.apply(m, head: head, y)) ?? y
                }
            }
            v = eig.vector
            let gradient = try self.gradient(problem, m, v: v, mu: eig.value)
            var flat = m.a + m.b + m.e + m.d + m.kappa
            // Adam moves every coordinate by about lr per step; the objective sums over all N
            // coordinates of κ, so their steps are scaled down by N.
            // Step size decays linearly to a tenth over the run (subgradient methods need it).
            let decay = 1 - 0.9 * Double(iteration - 1) / Double(max(iterations - 1, 1))
            adam.step(&flat, gradient: gradient, lr: learningRate * scale * decay, kappaFrom: 4 * n, kappaScale: 1 / Double(n))
            m.a = Array(flat[0..<n])
            m.b = Array(flat[n..<(2 * n)])
            m.e = Array(flat[(2 * n)..<(3 * n)])
            m.d = Array(flat[(3 * n)..<(4 * n)])
            m.kappa = Array(flat[(4 * n)...])
            m.project(inputCount: problem.alive[0].count)
            if iteration % checkEvery == 0 || iteration == iterations {
                best = min(best, try dual.soundBound(m))
                if best < 0, stopWhenCertified {
                    stop = "certified"
                    break
                }
            }
        }
        return (best, stop)
    }

    /// ∂F/∂(a, b, e, d, κ) at the current multipliers, with v the top eigenvector of Ŝ − diag κ.
    ///
    /// With `H(v0, w) = ∂/∂θ [v0 gᵀw + wᵀQw]` (θ = a, b, e, d) and w = r ⊙ v_x:
    /// `∂const'/∂θ = ∂const/∂θ + H(1, m)` and `∂μ/∂θ = H(v0, w + v0 m) − v0² H(1, m)`.
    func gradient(_ p: SDPProblem, _ m: SDPMultipliers, v: [Double], mu: Double) throws -> [Double] {
        let n = p.size
        var active = 1.0
        for i in 1...n where m.kappa[i] + mu > 0 { active += 1 }
        let v0 = v[0]
        let w = (0..<n).map { p.scale[$0] * v[$0 + 1] + v0 * p.center[$0] }
        let atV = try bilinear(p, v0: v0, w: w)
        let atCentre = try bilinear(p, v0: 1, w: p.center)
        var result = [Double](repeating: 0, count: 4 * n)
        for t in 0..<(4 * n) {
            result[t] = atCentre[t] + active * (atV[t] - v0 * v0 * atCentre[t])
        }
        // The constant's own dependence: −bias on b, −l u on d.
        for k in 1..<max(p.layerCount, 1) {
            for (t, i) in p.block(k).enumerated() { result[n + i] -= p.biases[k - 1][t] }
        }
        for i in 0..<n { result[3 * n + i] -= p.lower[i] * p.upper[i] }
        var gk = [Double](repeating: 0, count: n + 1)
        gk[0] = 1 - active * v0 * v0
        for i in 1...n { gk[i] = (m.kappa[i] + mu > 0 ? 1 : 0) - active * v[i] * v[i] }
        return result + gk
    }

    /// `H(v0, w) = ∂/∂(a, b, e, d) of [v0 gᵀw + wᵀQw]`, flat as [a, b, e, d].
    func bilinear(_ p: SDPProblem, v0: Double, w: [Double]) throws -> [Double] {
        let n = p.size
        var ga = [Double](repeating: 0, count: n), gb = ga, ge = ga, gd = ga
        for i in 0..<n {
            ga[i] = v0 * w[i]
            gb[i] = v0 * w[i]
            ge[i] = w[i] * w[i]
            gd[i] = v0 * (p.lower[i] + p.upper[i]) * w[i] - w[i] * w[i]
        }
        for k in 1..<max(p.layerCount, 1) {
            let down = try p.weights[k - 1].apply(Array(w[p.block(k - 1)]))
            let bias = p.biases[k - 1]
            for (t, i) in p.block(k).enumerated() {
                gb[i] -= v0 * down[t]
                ge[i] -= v0 * bias[t] * w[i] + w[i] * down[t]
            }
        }
        return ga + gb + ge + gd
    }
}

/// Adam (Kingma & Ba 2015) on a flat vector of Doubles, for the SDP multipliers.
struct AdamState {
    var first: [Double], second: [Double]
    var step = 0

    init(size: Int) {
        first = [Double](repeating: 0, count: size)
        second = first
    }

    mutating func step(
        _ x: inout [Double], gradient: [Double], lr: Double, kappaFrom: Int, kappaScale: Double,
        beta1: Double = 0.9, beta2: Double = 0.999
    ) {
        step += 1
        let c1 = 1 - Double.pow(beta1, Double(step)), c2 = 1 - Double.pow(beta2, Double(step))
        for i in x.indices {
            first[i] = beta1 * first[i] + (1 - beta1) * gradient[i]
            second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] * gradient[i]
            let rate = i >= kappaFrom ? lr * kappaScale : lr
            x[i] -= rate * (first[i] / c1) / ((second[i] / c2).squareRoot() + 1e-12)
        }
    }
}
