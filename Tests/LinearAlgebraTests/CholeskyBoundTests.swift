import XCTest
@testable import LinearAlgebra

final class CholeskyBoundTests: XCTestCase {
    /// Shifted to λ_min = s: the bound exists for s > 0, lies below λ_min, and within a
    /// rounding-sized distance of 0 (it certifies definiteness, it does not estimate λ_min).
    func checkShifts<S: BLASScalar>(_: S.Type, n: Int, tolerance: S) throws {
        for seed in [1, 2, 3] as [UInt64] {
            let a = randomSymmetric(S.self, n: n, seed: seed)
            let lowest = try a.symmetricEigen(.smallest, vectors: false).values[0]
            for shift in [S(1e-3), S(0.1), S(1)] {
                var b = a
                for i in 0..<n { b[i, i] += shift - lowest }
                let exact = try b.symmetricEigen(.smallest, vectors: false).values[0]
                let bound = try XCTUnwrap(try b.choleskyMinimumEigenvalueBound(), "shift \(shift)")
                XCTAssertLessThanOrEqual(bound, exact)
                XCTAssertLessThanOrEqual(bound, 0)
                XCTAssertGreaterThan(bound, -tolerance)
            }
            // Indefinite: λ_min = −0.01 breaks the factorisation.
            var c = a
            for i in 0..<n { c[i, i] += -0.01 - lowest }
            XCTAssertNil(try c.choleskyMinimumEigenvalueBound())
        }
    }

    func testBoundHoldsOnShiftedRandomMatrices() throws {
        try checkShifts(Double.self, n: 60, tolerance: 1e-10)
        try checkShifts(Float.self, n: 20, tolerance: 1e-3)
    }

    func testRejectsBadInput() throws {
        XCTAssertThrowsError(try Matrix<Double>(rows: 2, columns: 3).choleskyMinimumEigenvalueBound())
        var nan = Matrix<Double>.identity(3)
        nan[0, 2] = .nan
        XCTAssertThrowsError(try nan.choleskyMinimumEigenvalueBound()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .nonFinite("matrix passed to potrf"))
        }
        XCTAssertEqual(try Matrix<Double>.identity(4).choleskyMinimumEigenvalueBound() ?? 1, 0, accuracy: 1e-14)
    }

    /// The largest-eigenvalue bound lies above λ_max and within 1e-6 of the root-mean-square row
    /// norm, whether λ_max is isolated or (as at an SDP optimum) a cluster at 0.
    func testLargestEigenvalueUpperBound() throws {
        for seed in [4, 5] as [UInt64] {
            let a = randomSymmetric(Double.self, n: 80, seed: seed)
            let e = try a.symmetricEigen()
            let rms = (a.elements.reduce(0) { $0 + $1 * $1 } / 80).squareRoot()
            let bound = try a.largestEigenvalueUpperBound()
            XCTAssertGreaterThanOrEqual(bound, e.values[79])
            XCTAssertLessThan(bound - e.values[79], 1e-6 * rms)
            // A ten-fold top cluster at 0: A − Σ_{top 10} λ_k v_k v_kᵀ.
            var clustered = a
            let v = try XCTUnwrap(e.vectors)
            for k in 70..<80 {
                for i in 0..<80 { for j in 0..<80 { clustered[i, j] -= e.values[k] * v[i, k] * v[j, k] } }
            }
            let top = try clustered.symmetricEigen(.largest, vectors: false).values[0]
            let clusteredBound = try clustered.largestEigenvalueUpperBound()
            XCTAssertGreaterThanOrEqual(clusteredBound, top)
            XCTAssertLessThan(clusteredBound - top, 1e-6 * rms)
        }
    }

    /// Candidate shifts: one above λ_max certifies a bound just above it (≥ λ_max, ≤ the candidate
    /// plus rounding); one below λ_max does not factor (nil when it is the only one); the first
    /// candidate that factors wins.
    func testLargestEigenvalueUpperBoundAmongCandidates() throws {
        let a = randomSymmetric(Double.self, n: 80, seed: 6)
        let e = try a.symmetricEigen()
        let top = e.values[79], rms = (a.elements.reduce(0) { $0 + $1 * $1 } / 80).squareRoot()
        let above = top + 1e-3 * rms
        let bound = try XCTUnwrap(try a.largestEigenvalueUpperBound(among: [above]))
        XCTAssertGreaterThanOrEqual(bound, top)
        XCTAssertLessThanOrEqual(bound, above + 1e-10 * rms)
        XCTAssertGreaterThanOrEqual(bound, above)  // the candidate's bound, not a tighter one
        XCTAssertNil(try a.largestEigenvalueUpperBound(among: [top - 1e-3 * rms]))
        XCTAssertNil(try a.largestEigenvalueUpperBound(among: []))
        let first = try a.largestEigenvalueUpperBound(among: [top - 1e-3 * rms, above, top + rms])
        XCTAssertEqual(first, bound)
    }
}
