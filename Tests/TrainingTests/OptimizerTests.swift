import LinearAlgebra
import XCTest
@testable import Training

final class OptimizerTests: XCTestCase {
    /// Minimises f(p) = Σ (p_i − t_i)² with each optimiser.
    func minimise(_ kind: OptimizerKind, lr: Double, steps: Int) -> [Double] {
        let target: [Double] = [1, -2, 3]
        var p: [[Double]] = [[0, 0, 0]]
        var state = OptimizerState<Double>(kind: kind, sizes: [3])
        for _ in 0..<steps {
            let g = [zip(p[0], target).map { 2 * ($0 - $1) }]
            state.update(&p, gradients: g, lr: lr)
        }
        XCTAssertEqual(state.step, steps)
        return p[0]
    }

    func testEveryOptimiserReachesTheMinimum() {
        for (kind, lr) in [
            (OptimizerKind.sgd(momentum: 0, nesterov: false), 0.1), (.sgd(momentum: 0.9, nesterov: false), 0.02),
            (.sgd(momentum: 0.9, nesterov: true), 0.02), (.defaultAdam, 0.05),
        ] {
            let p = minimise(kind, lr: lr, steps: 2000)
            for (a, b) in zip(p, [1.0, -2, 3]) { XCTAssertEqual(a, b, accuracy: 1e-4, "\(kind)") }
        }
    }

    /// Adam splits large tensors across threads; every element's arithmetic is the same, so the
    /// parameters and moments after several steps are bitwise those of one thread (sizes chosen so
    /// that the split leaves a remainder and a tail shorter than the SIMD width).
    func testThreadedAdamEqualsOneThread() {
        let sizes = [100_003, 40_001, 7]
        var rng = SplitMix64(seed: 5)
        let start = sizes.map { n in (0..<n).map { _ in Float(rng.unitInterval() - 0.5) } }
        var results: [(parameters: [[Float]], first: [[Float]], second: [[Float]])] = []
        for threads in [1, 2, 3] {
            var p = start
            var state = OptimizerState<Float>(kind: .defaultAdam, sizes: sizes)
            var gradientRNG = SplitMix64(seed: 9)
            for _ in 0..<3 {
                let g = sizes.map { n in (0..<n).map { _ in Float(gradientRNG.unitInterval() - 0.5) } }
                state.update(&p, gradients: g, lr: 1e-3, threads: threads)
            }
            results.append((p, state.first, state.second))
        }
        XCTAssertNotEqual(results[0].parameters, start)
        for r in results.dropFirst() {
            XCTAssertEqual(r.parameters, results[0].parameters)
            XCTAssertEqual(r.first, results[0].first)
            XCTAssertEqual(r.second, results[0].second)
        }
    }

    func testFirstStepsMatchTheFormulas() {
        // Adam's first step moves every coordinate by lr (bias-corrected m/√v = sign g).
        var p: [[Double]] = [[0, 0]]
        var adam = OptimizerState<Double>(kind: .defaultAdam, sizes: [2])
        adam.update(&p, gradients: [[4, -0.5]], lr: 0.1)
        XCTAssertEqual(p[0][0], -0.1, accuracy: 1e-7)
        XCTAssertEqual(p[0][1], 0.1, accuracy: 1e-7)
        // Nesterov: v = g, p −= lr (g + μ v); then v = μ v + g.
        var q: [[Double]] = [[0]]
        var nesterov = OptimizerState<Double>(kind: .sgd(momentum: 0.9, nesterov: true), sizes: [1])
        nesterov.update(&q, gradients: [[1]], lr: 0.1)
        XCTAssertEqual(q[0][0], -0.1 * 1.9, accuracy: 1e-12)
        nesterov.update(&q, gradients: [[1]], lr: 0.1)
        XCTAssertEqual(q[0][0], -0.19 - 0.1 * (1 + 0.9 * 1.9), accuracy: 1e-12)
    }
}
