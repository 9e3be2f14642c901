import XCTest
@testable import LinearAlgebra

final class SymmetricEigenTests: XCTestCase {
    func testKnownTwoByTwo() throws {
        let a = try Matrix<Double>([[2, 1], [1, 2]])
        let e = try a.symmetricEigen()
        XCTAssertEqual(e.values[0], 1, accuracy: 1e-14)
        XCTAssertEqual(e.values[1], 3, accuracy: 1e-14)
        let v = try XCTUnwrap(e.vectors)
        XCTAssertEqual(abs(v[0, 1]), 1 / 2.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(v[0, 1], v[1, 1], accuracy: 1e-14)
    }

    /// A V = V Λ and VᵀV = I on a random symmetric matrix, in both precisions.
    func checkRandom<S: BLASScalar>(_: S.Type, n: Int, tolerance: S) throws {
        let a = randomSymmetric(S.self, n: n, seed: 99)
        let e = try a.symmetricEigen()
        let v = try XCTUnwrap(e.vectors)
        XCTAssertEqual(e.values, e.values.sorted())
        let av = try a.multiplied(by: v)
        for i in 0..<n { for j in 0..<n { XCTAssertEqual(av[i, j], v[i, j] * e.values[j], accuracy: tolerance) } }
        let vtv = try v.multiplied(by: v, transposeSelf: true)
        XCTAssertLessThan(vtv.maxAbsDifference(.identity(n)), tolerance)
        // Selections agree with the full decomposition.
        let top = try a.symmetricEigen(.largest)
        XCTAssertEqual(top.values.count, 1)
        XCTAssertEqual(top.values[0], e.values[n - 1], accuracy: tolerance)
        let bottom = try a.symmetricEigen(.smallest, vectors: false)
        XCTAssertEqual(bottom.values[0], e.values[0], accuracy: tolerance)
        XCTAssertNil(bottom.vectors)
        let middle = try a.symmetricEigen(.indices(2...4))
        XCTAssertEqual(middle.values.count, 3)
        for k in 0..<3 { XCTAssertEqual(middle.values[k], e.values[2 + k], accuracy: tolerance) }
    }

    func testRandomSymmetricDecomposes() throws {
        try checkRandom(Double.self, n: 30, tolerance: 1e-12)
        try checkRandom(Float.self, n: 12, tolerance: 1e-4)
    }

    func testRejectsBadInput() throws {
        XCTAssertThrowsError(try Matrix<Double>(rows: 2, columns: 3).symmetricEigen()) { error in
            guard case LinearAlgebraError.dimensionMismatch = error else { return XCTFail("\(error)") }
        }
        var nan = Matrix<Double>.identity(3)
        nan[1, 2] = .nan
        XCTAssertThrowsError(try nan.symmetricEigen()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .nonFinite("matrix passed to syevr"))
        }
        XCTAssertThrowsError(try Matrix<Double>.identity(3).symmetricEigen(.indices(1...3)))
    }

    func testLAPACKErrorsReadWell() {
        XCTAssertEqual(
            LinearAlgebraError.lapack(routine: "syevr", info: -6).description,
            "LAPACK syevr: argument 6 had an illegal value (info = -6)")
        XCTAssertEqual(
            LinearAlgebraError.lapack(routine: "syevr", info: 2).description, "LAPACK syevr failed to converge (info = 2)")
    }
}
