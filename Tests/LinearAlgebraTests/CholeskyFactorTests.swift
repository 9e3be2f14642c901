import XCTest
@testable import LinearAlgebra

/// `CholeskyFactor` solves, inverts and refuses what it should, in both precisions.
final class CholeskyFactorTests: XCTestCase {
    /// A symmetric positive definite `BᵀB + I` of order n from a seeded random B.
    private func positiveDefinite<Scalar: BLASScalar>(_ n: Int, seed: UInt64, as _: Scalar.Type) throws -> Matrix<Scalar> {
        var rng = SplitMix64(seed: seed)
        let b = try Matrix<Scalar>(rows: n, columns: n, elements: (0..<n * n).map { _ in Scalar(rng.normal()) })
        var a = try b.multiplied(by: b, transposeSelf: true)
        for i in 0..<n { a[i, i] += 1 }
        return a
    }

    private func checkSolve<Scalar: BLASScalar>(_: Scalar.Type, tolerance: Scalar) throws {
        for n in [1, 2, 7, 60] {
            let a = try positiveDefinite(n, seed: UInt64(n), as: Scalar.self)
            let factor = try XCTUnwrap(try CholeskyFactor(a))
            var rng = SplitMix64(seed: 99)
            let b = (0..<n).map { _ in Scalar(rng.normal()) }
            let x = try factor.solve(b)
            // The residual A x − b, relative to ‖A‖‖x‖ + ‖b‖ (backward stable).
            var worst: Scalar = 0, scale: Scalar = 0
            for i in 0..<n {
                var r = -b[i], row: Scalar = abs(b[i])
                for j in 0..<n {
                    r += a[i, j] * x[j]
                    row += abs(a[i, j] * x[j])
                }
                worst = max(worst, abs(r))
                scale = max(scale, row)
            }
            XCTAssertLessThanOrEqual(worst, tolerance * scale, "order \(n)")
            // The factor is upper triangular with RᵀR = A.
            let r = factor.factor
            for i in 0..<n { for j in 0..<i { XCTAssertEqual(r[i, j], 0) } }
            let product = try r.multiplied(by: r, transposeSelf: true)
            for i in 0..<n { for j in 0..<n { XCTAssertEqual(product[i, j], a[i, j], accuracy: tolerance * 100 * Scalar(n) * max(1, abs(a[i, j]))) } }
        }
    }

    func testSolvesInDoublePrecision() throws { try checkSolve(Double.self, tolerance: 1e-14) }
    func testSolvesInSinglePrecision() throws { try checkSolve(Float.self, tolerance: 1e-5) }

    func testInverseTimesMatrixIsTheIdentity() throws {
        let a = try positiveDefinite(9, seed: 3, as: Double.self)
        let inverse = try XCTUnwrap(try CholeskyFactor(a)).inverse()
        let product = try inverse.multiplied(by: a)
        for i in 0..<9 { for j in 0..<9 { XCTAssertEqual(product[i, j], i == j ? 1 : 0, accuracy: 1e-12) } }
    }

    func testRefusesAnIndefiniteMatrixAndAWrongRightHandSide() throws {
        var a = try positiveDefinite(5, seed: 5, as: Double.self)
        XCTAssertThrowsError(try XCTUnwrap(try CholeskyFactor(a)).solve([1, 2, 3]))
        a[2, 2] = -1
        XCTAssertNil(try CholeskyFactor(a))
        XCTAssertThrowsError(try CholeskyFactor(Matrix<Double>(rows: 2, columns: 3)))
    }
}
