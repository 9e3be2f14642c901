import LinearAlgebra
import XCTest
@testable import Certifiers

/// BM2's one-layer reduction: the cap projection's envelope derivatives against finite
/// differences, the sparse weight products against dense ones, and higher-rank factors against
/// CSDP (never below its optimum, and at least as low as rank 2).
final class OneLayerReductionTests: XCTestCase {
    func testCapProjectionDerivativesMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 3)
        var checked = 0
        for _ in 0..<400 {
            let p = 2 * rng.unitInterval() - 0.5, a = 2 * rng.unitInterval() - 1, c = 2 * rng.unitInterval() - 1
            let q = ReLUCapProjection(target: p, a: a, c: c)
            // Feasible for the cap.
            XCTAssertGreaterThanOrEqual(q.u, max(0, a) - 1e-12)
            XCTAssertLessThanOrEqual(q.u * q.u + q.w * q.w - a * q.u - c * q.w, 1e-12)
            let h = 1e-6
            let da = (ReLUCapProjection(target: p, a: a + h, c: c).squaredDistance
                - ReLUCapProjection(target: p, a: a - h, c: c).squaredDistance) / (2 * h)
            let dc = (ReLUCapProjection(target: p, a: a, c: c + h).squaredDistance
                - ReLUCapProjection(target: p, a: a, c: c - h).squaredDistance) / (2 * h)
            guard abs(a) > 1e-3 else { continue }  // the ReLU kink
            XCTAssertEqual(q.derivativeA, da, accuracy: 1e-5, "P \(p) a \(a) c \(c)")
            XCTAssertEqual(q.derivativeC, dc, accuracy: 1e-5, "P \(p) a \(a) c \(c)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 300)
    }

    func testSparseProductsMatchDense() throws {
        var rng = SplitMix64(seed: 5)
        let dense = try Matrix(rows: 7, columns: 5, elements: (0..<35).map { _ in rng.unitInterval() < 0.3 ? rng.normal() : 0 })
        let sparse = SparseRowMatrix(dense)
        let x = try Matrix(rows: 3, columns: 5, elements: (0..<15).map { _ in rng.normal() })
        let y = try Matrix(rows: 3, columns: 7, elements: (0..<21).map { _ in rng.normal() })
        let forward = try sparse.timesTransposed(x)
        var back = Matrix<Double>(rows: 3, columns: 5)
        try sparse.accumulateProduct(y, into: &back)
        for c in 0..<3 {
            for i in 0..<7 {
                XCTAssertEqual(forward[c, i], (0..<5).reduce(0) { $0 + dense[i, $1] * x[c, $1] }, accuracy: 1e-12)
            }
            for j in 0..<5 {
                XCTAssertEqual(back[c, j], (0..<7).reduce(0) { $0 + y[c, $1] * dense[$1, j] }, accuracy: 1e-12)
            }
        }
    }

    func testHigherRankIsNotBelowCSDPNorAboveRankTwo() throws {
        var rng = SplitMix64(seed: 13)
        var compared = 0
        for (reference, two, four, context) in try BurerMonteiroRank2Tests.rankComparisons([5, 8], count: 4, rank: 4, &rng) {
            XCTAssertEqual(four.status, .optimal, context)
            XCTAssertGreaterThanOrEqual(four.objective, reference.objective - 1e-5 * max(1, reference.objective), context)
            XCTAssertLessThanOrEqual(four.objective, two.objective + 1e-5 * max(1, two.objective), context)
            // Rank 4 reaches any SDP solution of this size's relevant rank: it certifies.
            XCTAssertGreaterThanOrEqual(four.stationarity?.dualMinEigenvalue ?? -1, -1e-5, context)
            XCTAssertEqual(four.objective, reference.objective, accuracy: 1e-4 * max(1, reference.objective), context)
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 2)
    }
}
