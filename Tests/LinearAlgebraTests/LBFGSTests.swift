import XCTest
@testable import LinearAlgebra

/// L-BFGS finds the minimum of smooth test functions.
final class LBFGSTests: XCTestCase {
    func testRosenbrock() throws {
        // f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
        var x = [-1.2, 1.0]
        let report = try LBFGS(maxIterations: 200, gradientTolerance: 1e-10).minimize(&x) { p in
            let (a, b) = (p[0], p[1])
            let value = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
            return (value, [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
        }
        XCTAssertEqual(x[0], 1, accuracy: 1e-6)
        XCTAssertEqual(x[1], 1, accuracy: 1e-6)
        XCTAssertLessThan(report.value, 1e-12)
        XCTAssertLessThan(report.iterations, 200)
    }

    func testIllConditionedQuadratic() throws {
        // f(x) = Σ i² x_i² / 2 − Σ x_i, minimum at x_i = 1/i².
        let n = 50
        var x = [Double](repeating: 0, count: n)
        _ = try LBFGS(maxIterations: 500, gradientTolerance: 1e-12).minimize(&x) { p in
            var value = 0.0
            var g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let w = Double((i + 1) * (i + 1))
                value += 0.5 * w * p[i] * p[i] - p[i]
                g[i] = w * p[i] - 1
            }
            return (value, g)
        }
        for i in 0..<n { XCTAssertEqual(x[i], 1 / Double((i + 1) * (i + 1)), accuracy: 1e-9) }
    }

    /// With the exact Hessian as preconditioner a quadratic is solved by the first step; with a
    /// rough one (the diagonal of a coupled quadratic) the minimum is still reached, in fewer
    /// iterations than without.
    func testPreconditionerSpeedsUpAnIllConditionedQuadratic() throws {
        let n = 40
        // f(x) = ½ xᵀ H x − Σ x_i with H = diag(i²) + 0.5 · 1 1ᵀ / n (positive definite).
        func f(_ p: [Double]) -> (value: Double, gradient: [Double]) {
            let mean = p.reduce(0, +) / Double(n)
            var value = 0.0, g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let w = Double((i + 1) * (i + 1))
                g[i] = w * p[i] + 0.5 * mean - 1
                value += 0.5 * w * p[i] * p[i] - p[i]
            }
            value += 0.25 * Double(n) * mean * mean
            return (value, g)
        }
        var hessian = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n {
            for j in 0..<n { hessian[i, j] = 0.5 / Double(n) }
            hessian[i, i] += Double((i + 1) * (i + 1))
        }
        let exact = try XCTUnwrap(try CholeskyFactor(hessian))
        let optimum = try exact.solve([Double](repeating: 1, count: n))
        let solver = LBFGS(maxIterations: 500, gradientTolerance: 1e-11)

        var x = [Double](repeating: 0, count: n)
        let withExact = try solver.minimize(&x, preconditioner: { try exact.solve($0) }, f)
        XCTAssertLessThanOrEqual(withExact.iterations, 2)
        for i in 0..<n { XCTAssertEqual(x[i], optimum[i], accuracy: 1e-10) }

        x = [Double](repeating: 0, count: n)
        let diagonal = (0..<n).map { hessian[$0, $0] }
        let withDiagonal = try solver.minimize(&x, preconditioner: { v in zip(v, diagonal).map { $0 / $1 } }, f)
        for i in 0..<n { XCTAssertEqual(x[i], optimum[i], accuracy: 1e-10) }

        x = [Double](repeating: 0, count: n)
        let plain = try solver.minimize(&x, f)
        for i in 0..<n { XCTAssertEqual(x[i], optimum[i], accuracy: 1e-8) }  // (Armijo stalls in the rounding sooner)
        XCTAssertLessThan(withDiagonal.iterations, plain.iterations)
    }
}
