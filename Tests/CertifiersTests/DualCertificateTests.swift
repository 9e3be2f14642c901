import LinearAlgebra
import XCTest
@testable import Certifiers

/// BM2's second-order check (`RankTwoLagrangian.dualCertificate`): its estimate of `λ_min(S(y))`
/// is a Rayleigh quotient (never below the exact value from a dense eigendecomposition), and a
/// Lanczos run too short to converge cannot hide a negative quadratic form at the factor's
/// columns: when `⟨S(y), VVᵀ⟩ < 0` (the dual bound above the objective) it reports `λ_min < 0`.
final class DualCertificateTests: XCTestCase {
    func testEstimateIsARayleighQuotientAndSeesTheFactorColumns() throws {
        var rng = SplitMix64(seed: 41)
        var negative = 0
        for trial in 0..<20 {
            let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([4, 5, 3], &rng)
            let center = (0..<4).map { _ in rng.unitInterval() }
            let problem = try LeastSquaresProblem(
                weights: weights, biases: biases, center: center, target: (0..<3).map { _ in rng.unitInterval() }, radius: 0.3)
            let lag = RankTwoLagrangian(problem)
            // A factor [u; w] per layer: the forward pass of a random input and a random w.
            let input = (0..<4).map { _ in rng.unitInterval() }
            let pass = [input] + (try problem.hiddenOutputs(input))
            var flat: [Double] = []
            for layer in pass { flat += layer + layer.map { _ in 0.3 * rng.normal() } }
            let y = (0..<lag.constraintCount).map { _ in trial % 2 == 0 ? rng.unitInterval() : 3 * rng.unitInterval() }
            let certificate = try lag.dualCertificate(y, at: flat, steps: 1, seed: rng.next())
            let estimate = try XCTUnwrap(certificate.minEigenvalue)

            // Dense S(y) from its products with the unit vectors.
            let dimension = 1 + problem.sizes.reduce(0, +)
            var dense = Matrix<Double>(rows: dimension, columns: dimension)
            for j in 0..<dimension {
                var e = [Double](repeating: 0, count: dimension)
                e[j] = 1
                let column = try lag.slackProduct(y, constant: certificate.y0, vector: e)
                for i in 0..<dimension { dense[i, j] = column[i] }
            }
            let exact = try dense.symmetricEigen(vectors: false).values[0]
            XCTAssertGreaterThanOrEqual(estimate, exact - 1e-9 * max(1, abs(exact)), "trial \(trial)")
            // The vector reproduces the estimate.
            let v = certificate.vector, sv = try lag.slackProduct(y, constant: certificate.y0, vector: v)
            XCTAssertEqual(zip(v, sv).reduce(0) { $0 + $1.0 * $1.1 }, estimate, accuracy: 1e-9 * max(1, abs(estimate)), "trial \(trial)")

            // ⟨S, VVᵀ⟩ over the columns (1, u) and (0, w).
            let x = try lag.split(flat)
            var trace = 0.0
            for (t, row) in [(1.0, 0), (0.0, 1)] {
                let column = [t] + x.flatMap { Array($0.row(row)) }
                let product = try lag.slackProduct(y, constant: certificate.y0, vector: column)
                trace += zip(column, product).reduce(0) { $0 + $1.0 * $1.1 }
            }
            if trace < 0 {
                XCTAssertLessThan(estimate, 0, "trial \(trial): ⟨S, VVᵀ⟩ = \(trace)")
                negative += 1
            }
        }
        XCTAssertGreaterThan(negative, 0, "no trial exercised the guard")
    }
}
