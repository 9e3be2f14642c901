import XCTest
@testable import LinearAlgebra

/// The proximal bundle method and its simplex quadratic program.
final class ProximalBundleTests: XCTestCase {
    /// The active-set solution satisfies the KKT conditions of the simplex QP.
    func testSimplexQuadraticProgramMeetsKKT() throws {
        var rng = SplitMix64(seed: 7)
        for k in [2, 3, 6, 12] {
            for trial in 0..<20 {
                // A = MᵀM with M of rank ≤ k − 1 for every other trial (a singular A).
                let rows = trial % 2 == 0 ? k : max(k - 2, 1)
                let m = (0..<(rows * k)).map { _ in Double.random(in: -1...1, using: &rng) }
                var a = [Double](repeating: 0, count: k * k)
                for i in 0..<k { for j in 0..<k { for r in 0..<rows { a[i * k + j] += m[r * k + i] * m[r * k + j] } } }
                let b = (0..<k).map { _ in Double.random(in: -1...1, using: &rng) }
                let lambda = SimplexQuadraticProgram(a: a, b: b).solve()
                XCTAssertEqual(lambda.reduce(0, +), 1, accuracy: 1e-12)
                XCTAssertGreaterThanOrEqual(lambda.min()!, 0)
                let gradient = (0..<k).map { i in (0..<k).reduce(-b[i]) { $0 + a[i * k + $1] * lambda[$1] } }
                let onSupport = (0..<k).filter { lambda[$0] > 1e-12 }.map { gradient[$0] }
                let nu = -onSupport.reduce(0, +) / Double(onSupport.count)
                for g in onSupport { XCTAssertEqual(g + nu, 0, accuracy: 1e-8, "k \(k) trial \(trial)") }
                for i in 0..<k where lambda[i] <= 1e-12 { XCTAssertGreaterThanOrEqual(gradient[i] + nu, -1e-8, "k \(k) trial \(trial)") }
            }
        }
    }

    /// f(x) = ‖x − c‖₁ + ½‖x‖² over x ≥ 0 on half the coordinates: the minimiser is known per
    /// coordinate (clamp(c, −1, 1), then the bound), and f has a kink at it wherever |c_i| < 1.
    func testNonsmoothFunctionWithBounds() throws {
        for seed in 1...10 { try checkNonsmoothFunction(seed: UInt64(seed)) }
    }

    private func checkNonsmoothFunction(seed: UInt64) throws {
        let n = 40
        var rng = SplitMix64(seed: seed)
        let c = (0..<n).map { _ in Double.random(in: -2...2, using: &rng) }
        let lower = (0..<n).map { $0 % 2 == 0 ? 0 : -Double.infinity }
        func f(_ x: [Double]) -> (value: Double, gradient: [Double]) {
            var value = 0.0
            var g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                value += abs(x[i] - c[i]) + 0.5 * x[i] * x[i]
                g[i] = (x[i] >= c[i] ? 1 : -1) + x[i]
            }
            return (value, g)
        }
        let solution = (0..<n).map { max(min(max(c[$0], -1), 1), lower[$0]) }
        let optimum = f(solution).value
        var x = [Double](repeating: 0.5, count: n)
        let report = try ProximalBundle(lowerBounds: lower, maxEvaluations: 2000, tolerance: 1e-10).minimize(&x, f)
        XCTAssertEqual(report.value, optimum, accuracy: 1e-5 * optimum, "seed \(seed)")
        for i in 0..<n { XCTAssertGreaterThanOrEqual(x[i], lower[i]) }
        XCTAssertGreaterThan(report.seriousSteps, 0)
    }
}
