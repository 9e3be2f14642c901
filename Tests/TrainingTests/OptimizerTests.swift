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
