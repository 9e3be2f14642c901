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

    func testWeightedGramSparseDenseAndExplicitAgree() throws {
        var rng = SplitMix64(seed: 17)
        let dense = try Matrix(rows: 9, columns: 6, elements: (0..<54).map { _ in rng.unitInterval() < 0.4 ? rng.normal() : 0 })
        let d = (0..<9).map { i in i == 4 ? 0 : rng.unitInterval() }
        let fromSparse = SparseRowMatrix(dense).weightedGram(d), fromDense = try dense.weightedGram(d)
        for i in 0..<6 {
            for j in 0..<6 {
                let explicit = (0..<9).reduce(0) { $0 + d[$1] * dense[$1, i] * dense[$1, j] }
                XCTAssertEqual(fromSparse[i, j], explicit, accuracy: 1e-12)
                XCTAssertEqual(fromDense[i, j], explicit, accuracy: 1e-12)
            }
        }
    }

    /// The Gauss–Newton preconditioner is a symmetric positive definite operator (what L-BFGS
    /// needs of `H_0`), including its Sherman–Morrison rank-1 term, at rank 2 and rank 3; and it
    /// is off below its threshold.
    func testPreconditionerIsSymmetricPositiveDefinite() throws {
        var rng = SplitMix64(seed: 19)
        var checked = 0
        while checked < 4 {
            guard let p = try BurerMonteiroRank2Tests.partialRadiusInstance([5, 8], &rng) else { continue }
            let reduction = OneLayerReduction(lag: RankTwoLagrangian(p))
            for rank in [2, 3] {
                let v = p.center + (0..<(rank - 1) * 5).map { _ in 0.1 * rng.normal() }
                let point = try reduction.evaluate(v)
                XCTAssertGreaterThan(point.residual, p.radius)  // x̂ lies outside the ball: m > 0 below
                let model = try XCTUnwrap(try reduction.preconditioner(v, point, mu: 1, sigma: 10, radius: p.radius, threshold: 0))
                XCTAssertNil(try reduction.preconditioner(v, point, mu: 1, sigma: 10, radius: p.radius, threshold: .infinity))
                for _ in 0..<3 {
                    let x = v.map { _ in rng.normal() }, y = v.map { _ in rng.normal() }
                    let px = try model.solve(x), py = try model.solve(y)
                    XCTAssertEqual(dot(y, px), dot(x, py), accuracy: 1e-10 * max(1, abs(dot(y, px))))
                    XCTAssertGreaterThan(dot(x, px), 0)
                    // P ⪰ 2I, so P⁻¹ ⪯ I/2.
                    XCTAssertLessThanOrEqual(dot(x, px), 0.5 * dot(x, x) * (1 + 1e-12))
                }
            }
            checked += 1
        }
    }

    /// BM2 over one layer with the preconditioner always on, and always off, agrees with CSDP
    /// where CSDP is rank 1 (small radii, where the ball's multiplier over ψ is large) and is never
    /// below it.
    func testPreconditionedBM2AgreesWithCSDP() throws {
        var rng = SplitMix64(seed: 23)
        var agreed = 0
        for sizes in [[5, 8], [6, 8], [4, 7]] {
            for _ in 0..<3 {
                guard let wide = try BurerMonteiroRank2Tests.partialRadiusInstance(sizes, &rng) else { continue }
                let p = try LeastSquaresProblem(
                    weights: wide.weights, biases: wide.biases, center: wide.center, target: wide.target, radius: 0.1 * wide.radius)
                let reference = try solveLeastSquaresRelaxation(p)
                guard reference.status == .optimal, reference.isRankOne else { continue }
                for threshold in [0, Double.infinity] {
                    var solver = BurerMonteiroRank2()
                    solver.preconditionerThreshold = threshold
                    let s = try solver.solve(p)
                    let context = "\(sizes) threshold \(threshold): CSDP \(reference.objective), BM2 \(s.objective) (\(s.status))"
                    XCTAssertEqual(s.status, .optimal, context)
                    XCTAssertGreaterThanOrEqual(s.objective, reference.objective - 1e-5 * max(1, reference.objective), context)
                    XCTAssertEqual(s.objective, reference.objective, accuracy: 1e-4 * max(1, reference.objective), context)
                }
                agreed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(agreed, 3)
    }
}
