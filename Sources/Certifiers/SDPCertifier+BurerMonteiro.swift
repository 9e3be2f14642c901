import Foundation
import LinearAlgebra
import Networks

extension SDPCertifier {
    /// The clean point in the problem's centred variables: `z = (x − m)/r` on the alive units.
    func cleanCentred(_ problem: SDPProblem, network: ReLUNetwork<Double>, center: [Double]) throws -> [Double] {
        var x = problem.alive[0].map { center[$0] }
        var z: [Double] = []
        func push(_ layer: Int, _ values: [Double]) {
            for (t, i) in problem.block(layer).enumerated() {
                let r = problem.scale[i]
                z.append(r > 0 ? (values[t] - problem.center[i]) / r : 0)
            }
        }
        push(0, x)
        for k in 1..<max(problem.layerCount, 1) {
            var y = try problem.weights[k - 1].apply(x)
            for t in y.indices { y[t] = max(0, y[t] + problem.biases[k - 1][t]) }
            push(k, y)
            x = y
        }
        return z
    }

    /// SDP-cert multipliers from the Burer–Monteiro primal (`SDPBurerMonteiro`), and the sound
    /// bound they give.
    ///
    /// - Complexity: `rounds × innerIterations` augmented-Lagrangian evaluations (two passes through
    ///   the weights with `rank` columns each), then one dense eigen-decomposition of size N + 1.
    func solveBurerMonteiro(
        _ problem: SDPProblem, network: ReLUNetwork<Double>, center: [Double], rank: Int, rounds: Int, inner: Int
    ) throws -> (bound: Double, multipliers: SDPMultipliers, violation: Double) {
        var bm = SDPBurerMonteiro(problem: problem)
        bm.rank = rank
        bm.rounds = rounds
        bm.innerIterations = inner
        let dual = SDPDual(problem: problem)
        let start = bm.initialState(cleanZ: try cleanCentred(problem, network: network, center: center))
        let (state, violation) = try bm.solve(from: start)
        let m = try bm.multipliers(state, dual: dual)
        return (try dual.soundBound(m), m, violation)
    }
}

extension SDPCertifier {
    /// The Burer–Monteiro bound for one target, polished by the first-order dual solver from the
    /// multipliers it gives (experimental, benchmarks only: on mnist_2_20 it beats the first-order
    /// solver alone; on PGD-NN the augmented Lagrangian does not converge yet).
    public func certifyTargetBurerMonteiro(
        network: ReLUNetwork<Double>, center: [Double], label: Int, target: Int, epsilon: Double,
        rank: Int, rounds: Int, inner: Int, polishScale: Double = 0.01
    ) throws -> Double {
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let problem = SDPProblem(network: network, bounds: intervals, label: label, target: target)
        let result = try solveBurerMonteiro(problem, network: network, center: center, rank: rank, rounds: rounds, inner: inner)
        let polished = try solve(problem, deadline: nil, stopWhenCertified: false, start: result.multipliers, stepScale: polishScale)
        return min(result.bound, polished.bound)
    }
}
