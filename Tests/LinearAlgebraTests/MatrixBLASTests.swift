import XCTest
@testable import LinearAlgebra

final class MatrixBLASTests: XCTestCase {
    /// A deterministic pseudo-random matrix (entries in [-1, 1]).
    func randomMatrix<S: BLASScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as _: S.Type = S.self) -> Matrix<S> {
        var state = seed
        var m = Matrix<S>(rows: rows, columns: columns)
        for i in m.elements.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            m.elements[i] = S(Double(state >> 11) / Double(1 << 53) * 2 - 1)
        }
        return m
    }

    func naiveProduct<S: BLASScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<S> {
        var c = Matrix<S>(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var s: S = 0
                for k in 0..<a.columns { s += a[i, k] * b[k, j] }
                c[i, j] = s
            }
        }
        return c
    }

    func checkGemm<S: BLASScalar>(_: S.Type, tolerance: S) throws {
        let a = randomMatrix(7, 5, seed: 1, as: S.self)
        let b = randomMatrix(5, 4, seed: 2, as: S.self)
        let expected = naiveProduct(a, b)
        XCTAssertLessThan(try a.multiplied(by: b).maxAbsDifference(expected), tolerance)
        XCTAssertLessThan(
            try a.transposed().multiplied(by: b, transposeSelf: true).maxAbsDifference(expected), tolerance)
        XCTAssertLessThan(
            try a.multiplied(by: b.transposed(), transposeOther: true).maxAbsDifference(expected), tolerance)
        // C ← 2·A·B + 3·C
        var c = randomMatrix(7, 4, seed: 3, as: S.self)
        let c0 = c
        try c.gemm(2, a, b, beta: 3)
        for i in 0..<7 { for j in 0..<4 { XCTAssertEqual(c[i, j], 2 * expected[i, j] + 3 * c0[i, j], accuracy: tolerance) } }
    }

    func testGemmMatchesNaiveProductInBothPrecisions() throws {
        try checkGemm(Double.self, tolerance: 1e-12)
        try checkGemm(Float.self, tolerance: 1e-5)
    }

    func testGemvMatchesNaiveProduct() throws {
        let a = randomMatrix(6, 3, seed: 4, as: Double.self)
        let x: [Double] = [0.5, -1, 2]
        let y = try a.apply(x)
        for i in 0..<6 { XCTAssertEqual(y[i], a[i, 0] * 0.5 - a[i, 1] + 2 * a[i, 2], accuracy: 1e-12) }
        let z: [Double] = [1, 2, 3, 4, 5, 6]
        let yt = try a.apply(z, transposed: true)
        for j in 0..<3 {
            XCTAssertEqual(yt[j], (0..<6).reduce(0) { $0 + a[$1, j] * z[$1] }, accuracy: 1e-12)
        }
    }

    func testShapeMismatchesThrow() {
        let a = Matrix<Double>(rows: 2, columns: 3)
        XCTAssertThrowsError(try a.multiplied(by: Matrix(rows: 2, columns: 2)))
        XCTAssertThrowsError(try a.apply([1, 2]))
        XCTAssertThrowsError(try Matrix<Double>(rows: 2, columns: 2, elements: [1, 2, 3]))
        XCTAssertThrowsError(try Matrix<Double>([[1, 2], [3]]))
    }

    func testEmptyInnerDimensionScalesC() throws {
        var c = try Matrix<Double>([[1, 2]])
        try c.gemm(1, Matrix(rows: 1, columns: 0), Matrix(rows: 0, columns: 2), beta: 2)
        XCTAssertEqual(c.elements, [2, 4])
    }

    func testTransposeAndBias() throws {
        var m = try Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.transposed(), try Matrix([[1, 4], [2, 5], [3, 6]]))
        m.addToEachRow([10, 20, 30])
        XCTAssertEqual(m, try Matrix([[11, 22, 33], [14, 25, 36]]))
    }
}
