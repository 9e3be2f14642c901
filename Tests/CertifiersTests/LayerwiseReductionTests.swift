import LinearAlgebra
import XCTest
@testable import Certifiers

/// BM2's layerwise reduction: the cap projection of arbitrary points (nearest against sampled
/// points of the cap, envelope derivatives against finite differences) and the reduced program's
/// gradients against finite differences. Agreement with CSDP is `BurerMonteiroRank2Tests`'.
final class LayerwiseReductionTests: XCTestCase {
    /// `count` points of D(a, c): the chord, the arc right of it, and random interior points.
    static func capSamples(a: Double, c: Double, chordAtA: Bool, count: Int, _ rng: inout SplitMix64) -> [(Double, Double)] {
        let t = chordAtA ? a : max(0, a), r = 0.5 * (a * a + c * c).squareRoot()
        var points: [(Double, Double)] = []
        while points.count < count {
            let u = a / 2 + r * (2 * rng.unitInterval() - 1), w = c / 2 + r * (2 * rng.unitInterval() - 1)
            if u >= t, u * u + w * w <= a * u + c * w { points.append((u, w)) }
            let s = rng.unitInterval()
            points.append((t, s * c))  // the chord
            let angle = 2 * Double.pi * rng.unitInterval()
            let (au, aw) = (a / 2 + r * cos(angle), c / 2 + r * sin(angle))
            if au >= t { points.append((au, aw)) }  // the arc
        }
        return points
    }

    func testProjectionOfAnyPointIsTheNearestPointOfTheCap() {
        var rng = SplitMix64(seed: 21)
        for trial in 0..<600 {
            let a = 2 * rng.unitInterval() - 1, c = trial % 10 == 0 ? 0 : 2 * rng.unitInterval() - 1
            let yu = 3 * rng.unitInterval() - 1.5, yw = 3 * rng.unitInterval() - 1.5
            let chordAtA = trial % 2 == 1, t = chordAtA ? a : max(0, a)
            let q = ReLUCapProjection(point: yu, yw, a: a, c: c, chordAtA: chordAtA)
            let context = "y (\(yu), \(yw)) a \(a) c \(c) chord at \(t): q (\(q.u), \(q.w))"
            XCTAssertGreaterThanOrEqual(q.u, t - 1e-12, context)
            XCTAssertLessThanOrEqual(q.u * q.u + q.w * q.w - a * q.u - c * q.w, 1e-12, context)
            XCTAssertGreaterThanOrEqual(q.disk, 0, context)
            XCTAssertGreaterThanOrEqual(q.halfPlane, 0, context)
            for (u, w) in Self.capSamples(a: a, c: c, chordAtA: chordAtA, count: 200, &rng) {
                XCTAssertGreaterThanOrEqual((u - yu) * (u - yu) + (w - yw) * (w - yw), q.squaredDistance - 1e-12, context)
            }
            // Stationarity of ½‖q − y‖² + λ₂ (t − q_u) + λ₁ (q_u² + q_w² − a q_u − c q_w).
            guard c != 0 else { continue }
            XCTAssertEqual(q.u - yu - q.halfPlane + q.disk * (2 * q.u - a), 0, accuracy: 1e-9, context)
            XCTAssertEqual(q.w - yw + q.disk * (2 * q.w - c), 0, accuracy: 1e-9, context)
        }
    }

    func testProjectionDerivativesMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 22)
        var checked = 0
        for trial in 0..<800 {
            let a = 2 * rng.unitInterval() - 1, c = 2 * rng.unitInterval() - 1
            let yu = 3 * rng.unitInterval() - 1.5, yw = 3 * rng.unitInterval() - 1.5
            guard abs(a) > 1e-3, abs(c) > 1e-3 else { continue }  // the kinks
            let chordAtA = trial % 2 == 1
            let q = ReLUCapProjection(point: yu, yw, a: a, c: c, chordAtA: chordAtA)
            let h = 1e-6
            func phi(_ yu: Double, _ yw: Double, _ a: Double, _ c: Double) -> Double {
                ReLUCapProjection(point: yu, yw, a: a, c: c, chordAtA: chordAtA).squaredDistance
            }
            let context = "y (\(yu), \(yw)) a \(a) c \(c) chord at a: \(chordAtA)"
            XCTAssertEqual(q.derivativeA, (phi(yu, yw, a + h, c) - phi(yu, yw, a - h, c)) / (2 * h), accuracy: 1e-5, context)
            XCTAssertEqual(q.derivativeC, (phi(yu, yw, a, c + h) - phi(yu, yw, a, c - h)) / (2 * h), accuracy: 1e-5, context)
            XCTAssertEqual(2 * (yu - q.u), (phi(yu + h, yw, a, c) - phi(yu - h, yw, a, c)) / (2 * h), accuracy: 1e-5, context)
            XCTAssertEqual(2 * (yw - q.w), (phi(yu, yw + h, a, c) - phi(yu, yw - h, a, c)) / (2 * h), accuracy: 1e-5, context)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 700)
    }

    /// At rank 2 (BM2) and rank 3 (caps in R³ through their planar reduction).
    func testReducedGradientsMatchFiniteDifferences() throws {
        for (rank, seed) in [(2, UInt64(23)), (3, 32)] {
            var rng = SplitMix64(seed: seed)
            let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([4, 6, 5, 3], &rng)
            let center = (0..<4).map { _ in 2 * rng.unitInterval() - 1 }
            let target = (0..<3).map { _ in rng.unitInterval() }
            let problem = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: 0.5)
            var reduction = LayerwiseReduction(lag: RankTwoLagrangian(problem))
            reduction.rank = rank
            XCTAssertEqual(reduction.variableCount, rank * (4 + 6 + 5))
            XCTAssertEqual(reduction.multiplierCount, (rank + 1) * (6 + 5))
            try Self.assertGradientsMatchFiniteDifferences(reduction, trials: 5, &rng)
        }
    }

    /// The gradients of `evaluate` (of `objective + penalty` and of ψ) against central differences
    /// at random points, the first trial with zero multipliers.
    static func assertGradientsMatchFiniteDifferences(
        _ reduction: LayerwiseReduction, trials: Int, _ rng: inout SplitMix64, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let sigma = 3.0
        for trial in 0..<trials {
            let v = (0..<reduction.variableCount).map { _ in rng.normal() }
            let lambda = (0..<reduction.multiplierCount).map { _ in trial == 0 ? 0 : rng.normal() }
            let e = try reduction.evaluate(v, multipliers: lambda, sigma: sigma)
            let h = 1e-6
            for i in v.indices {
                var plus = v, minus = v
                plus[i] += h
                minus[i] -= h
                let ep = try reduction.evaluate(plus, multipliers: lambda, sigma: sigma)
                let em = try reduction.evaluate(minus, multipliers: lambda, sigma: sigma)
                let numeric = ((ep.objective + ep.penalty) - (em.objective + em.penalty)) / (2 * h)
                let context = "rank \(reduction.rank) trial \(trial) variable \(i)"
                XCTAssertEqual(e.gradient[i], numeric, accuracy: 1e-4 * max(1, abs(numeric)), context, file: file, line: line)
                XCTAssertEqual(e.residualGradient[i], (ep.residual - em.residual) / (2 * h), accuracy: 1e-4, context, file: file, line: line)
            }
        }
    }
}
