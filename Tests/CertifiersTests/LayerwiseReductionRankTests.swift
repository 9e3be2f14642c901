import LinearAlgebra
import XCTest
@testable import Certifiers

/// The layerwise reduction with r > 2 factor columns (Burer–Monteiro's rank increase): the cap
/// projection in R^r against sampled points of the cap and its stationarity, rank r with a zero
/// column against rank r − 1 (the gradients at rank 3 are `LayerwiseReductionTests`'),
/// and BM2 at rank 3 against CSDP on small two-layer instances.
final class LayerwiseReductionRankTests: XCTestCase {
    /// The projection of `(y_u, y_w)` onto `{p : ‖p‖² ≤ ⟨p, (a, c)⟩, p_1 ≥ a}` ⊂ R^r by the planar
    /// reduction: `(q_u, q_w)` and the projection's multipliers.
    static func project(_ yu: Double, _ yw: [Double], a: Double, c: [Double]) -> (q: ReLUCapProjection, w: [Double]) {
        let (q, shift) = ReLUCapProjection.inPlane(yu: yu, count: c.count, a: a, yw: { yw[$0] }, c: { c[$0] })
        return (q, zip(c, yw).map { 0.5 * $0 + shift * ($1 - 0.5 * $0) })
    }

    func testProjectionInRrIsTheNearestPointAndStationary() {
        var rng = SplitMix64(seed: 31)
        for trial in 0..<400 {
            let r = 3 + trial % 2
            let a = 2 * rng.unitInterval() - 1
            let c = (1..<r).map { _ in trial % 10 == 0 ? 0 : 2 * rng.unitInterval() - 1 }
            let yu = 3 * rng.unitInterval() - 1.5, yw = (1..<r).map { _ in 3 * rng.unitInterval() - 1.5 }
            let (q, qw) = Self.project(yu, yw, a: a, c: c)
            let context = "r \(r) y (\(yu), \(yw)) a \(a) c \(c): q (\(q.u), \(qw))"
            func inside(_ u: Double, _ w: [Double]) -> Bool {
                u >= a - 1e-12 && u * u + w.reduce(0) { $0 + $1 * $1 } - a * u - zip(c, w).reduce(0) { $0 + $1.0 * $1.1 } <= 1e-12
            }
            XCTAssertTrue(inside(q.u, qw), context)
            let distance2 = (q.u - yu) * (q.u - yu) + zip(qw, yw).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            XCTAssertEqual(q.squaredDistance, distance2, accuracy: 1e-9, context)
            // Sampled points of the cap: the ball's points (rejection) and the chord's disk.
            let radius = 0.5 * (a * a + c.reduce(0) { $0 + $1 * $1 }).squareRoot()
            var sampled = 0
            while sampled < 300 {
                let u = a / 2 + radius * (2 * rng.unitInterval() - 1)
                let w = c.map { $0 / 2 + radius * (2 * rng.unitInterval() - 1) }
                let chord = c.map { $0 * rng.unitInterval() }
                for (pu, pw) in [(u, w), (a, chord)] where inside(pu, pw) {
                    let d2 = (pu - yu) * (pu - yu) + zip(pw, yw).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    XCTAssertGreaterThanOrEqual(d2, q.squaredDistance - 1e-12, context)
                    sampled += 1
                }
            }
            // q − y + λ₁ (2q − (a, c)) − λ₂ e₁ = 0 (where multipliers exist: c ≠ 0).
            guard c.contains(where: { $0 != 0 }) else { continue }
            XCTAssertGreaterThanOrEqual(q.disk, 0, context)
            XCTAssertGreaterThanOrEqual(q.halfPlane, 0, context)
            XCTAssertEqual(q.u - yu + q.disk * (2 * q.u - a) - q.halfPlane, 0, accuracy: 1e-9, context)
            for j in c.indices {
                XCTAssertEqual(qw[j] - yw[j] + q.disk * (2 * qw[j] - c[j]), 0, accuracy: 1e-9, context)
            }
        }
    }

    /// A zero third column (and zero multipliers for it) changes nothing: rank 3 through the planar
    /// reduction against rank 2 through the signed planar cap.
    func testZeroColumnAgreesWithRankTwo() throws {
        var rng = SplitMix64(seed: 33)
        let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([4, 6, 5, 3], &rng)
        let problem = try LeastSquaresProblem(
            weights: weights, biases: biases, center: (0..<4).map { _ in rng.normal() }, target: (0..<3).map { _ in rng.unitInterval() },
            radius: 0.5)
        let two = LayerwiseReduction(lag: RankTwoLagrangian(problem))
        let v2 = (0..<two.variableCount).map { _ in rng.normal() }
        let lambda2 = (0..<two.multiplierCount).map { _ in rng.normal() }
        var solver = BurerMonteiroRank2()
        solver.maxFactorRank = 3
        let zero = [Double](repeating: 0, count: 1 + problem.sizes.reduce(0, +))
        let (v3, rank) = solver.escaped(v2, rank: 2, sizes: Array(problem.sizes.dropLast()), along: zero)
        let lambda3 = two.multipliers(lambda2, widenedTo: rank)
        var three = two
        three.rank = rank
        XCTAssertEqual(three.rank, 3)
        let e2 = try two.evaluate(v2, multipliers: lambda2, sigma: 2, measuresViolation: true)
        let e3 = try three.evaluate(v3, multipliers: lambda3, sigma: 2, measuresViolation: true)
        XCTAssertEqual(e3.objective, e2.objective, accuracy: 1e-12)
        XCTAssertEqual(e3.penalty, e2.penalty, accuracy: 1e-9 * max(1, abs(e2.penalty)))
        XCTAssertEqual(e3.residual, e2.residual, accuracy: 1e-12)
        XCTAssertEqual(e3.capViolation, e2.capViolation, accuracy: 1e-9)
        // Rows u and w of every layer agree; the new row's gradient is 0.
        for k in 0..<problem.layerCount {
            let n = problem.sizes[k], o2 = two.variableOffset(k), o3 = three.variableOffset(k)
            for i in 0..<2 * n {
                XCTAssertEqual(e3.gradient[o3 + i], e2.gradient[o2 + i], accuracy: 1e-9 * max(1, abs(e2.gradient[o2 + i])))
                XCTAssertEqual(e3.residualGradient[o3 + i], e2.residualGradient[o2 + i], accuracy: 1e-9)
            }
            for i in 0..<n { XCTAssertEqual(e3.gradient[o3 + 2 * n + i], 0, accuracy: 1e-12) }
        }
        XCTAssertEqual(try three.rankRatio(v3, e3), try two.rankRatio(v2, e2), accuracy: 1e-6 * (try two.rankRatio(v2, e2)))
    }

    /// BM2 at rank 3 over two layers: never below CSDP's optimum, never above rank 2's, and equal to
    /// CSDP's to 1e-4 where it ends optimal with a passing second-order check.
    func testRankThreeAgainstCSDPOverTwoLayers() throws {
        var rng = SplitMix64(seed: 34)
        var compared = 0, certified = 0
        for (reference, two, three, context) in try BurerMonteiroRank2Tests.rankComparisons([5, 6, 4], count: 6, rank: 3, &rng) {
            XCTAssertGreaterThanOrEqual(three.objective, reference.objective - 1e-5 * max(1, reference.objective), context)
            if two.status == .optimal {
                XCTAssertLessThanOrEqual(three.objective, two.objective + 1e-5 * max(1, two.objective), context)
            }
            if three.status == .optimal, (three.stationarity?.dualMinEigenvalue ?? -1) >= -1e-5 {
                XCTAssertEqual(three.objective, reference.objective, accuracy: 1e-4 * max(1, reference.objective), context)
                certified += 1
            }
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 3)
        XCTAssertGreaterThanOrEqual(certified, 2)
    }
}
