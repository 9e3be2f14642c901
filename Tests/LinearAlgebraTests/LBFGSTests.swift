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
        // (Armijo stalls in the rounding of f sooner: at x_0, H = 1, an error of 1e-8 moves f by 1e-16.)
        for i in 0..<n { XCTAssertEqual(x[i], optimum[i], accuracy: 1e-7) }
        XCTAssertLessThan(withDiagonal.iterations, plain.iterations)
    }

    /// The preconditioner is applied once per iteration (to each accepted gradient) plus once at
    /// the start, and the recursion built from those products matches one that applies it to
    /// every vector: the same iterates as a direct solve would give reach the optimum.
    func testPreconditionerIsAppliedOncePerIteration() throws {
        let n = 30
        var weights: [Double] = []
        for i in 0..<n {
            let period = Double(i % 7 + 1), index = Double(i + 1)
            weights.append(period * index)
        }
        func f(_ p: [Double]) -> (value: Double, gradient: [Double]) {
            var value = 0.0, g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                // A smooth non-quadratic term so that the Hessian changes along the path.
                let t = p[i] - 1, t2 = t * t, w = weights[i]
                g[i] = w * t + 0.1 * t2 * t
                value += 0.5 * w * t2 + 0.025 * t2 * t2
            }
            return (value, g)
        }
        var applications = 0
        var x = [Double](repeating: 0, count: n)
        let report = try LBFGS(maxIterations: 200, gradientTolerance: 1e-10).minimize(&x, preconditioner: { v in
            applications += 1
            return zip(v, weights).map { $0 / (0.5 * $1) }  // a deliberately wrong scale
        }, f)
        XCTAssertLessThanOrEqual(report.gradientNorm, 1e-10)
        XCTAssertEqual(applications, report.iterations + 1)
        for i in 0..<n { XCTAssertEqual(x[i], 1, accuracy: 1e-10) }
    }

    /// The backtracking step: the quadratic's minimiser, safeguarded to [0.1, 0.5] of the failed step.
    func testBacktrackingInterpolatesTheQuadratic() {
        // φ(α) = −α + α²: slope −1, φ(1) − φ(0) = 0, minimiser 0.5 → at the upper safeguard.
        XCTAssertEqual(LBFGS.backtrack(1, slope: -1, rise: 0), 0.5)
        // φ(α) = −α + 4α²: φ(1) − φ(0) = 3, minimiser 1/8.
        XCTAssertEqual(LBFGS.backtrack(1, slope: -1, rise: 3), 0.125, accuracy: 1e-15)
        // φ(α) = −α + 100α² at step 0.5: rise 24.5, minimiser 0.005 → the lower safeguard 0.05.
        XCTAssertEqual(LBFGS.backtrack(0.5, slope: -1, rise: 24.5), 0.05, accuracy: 1e-15)
        // An infinite value at the trial: halve.
        XCTAssertEqual(LBFGS.backtrack(1, slope: -1, rise: .infinity), 0.5)
    }
}
