import Foundation
import LinearAlgebra
import XCTest
@testable import Certifiers

/// The closed-form one-layer dual (`OneLayerDual`): its gradient against finite differences, weak
/// duality against CSDP's optimum and sampled feasible points (every dual value and every rigorous
/// bound lies below both), the ascent reaching CSDP's optimum, `M ⪰ m₀ I` proved exactly where
/// the dense eigenvalues allow it, the feasible upper bound, and BM2 certified by the ascent where
/// its own iterations stop early.
final class OneLayerDualTests: XCTestCase {
    /// A random one-layer instance with its interior point (`ẑ = f(x')`, so x' is one).
    func instance(_ sizes: [Int], _ rng: inout SplitMix64) throws -> LeastSquaresProblem? {
        var copy = rng
        guard var p = try BurerMonteiroRank2Tests.partialRadiusInstance(sizes, &rng) else { return nil }
        // partialRadiusInstance draws the layers, then x̂, then x': replay the draws to recover x'.
        _ = try BurerMonteiroRank2Tests.randomLayers(sizes, &copy)
        _ = (0..<sizes[0]).map { _ in copy.unitInterval() }
        let other = (0..<sizes[0]).map { _ in 2 * copy.unitInterval() - 1 }
        XCTAssertEqual(distance(try p.hiddenOutputs(other).last!, p.target), 0, accuracy: 1e-12)
        p.interiorPoint = other
        return p
    }

    /// A random instance (`instance`) with CSDP's optimum, nil unless CSDP solved it (and, with
    /// `tight`, unless its answer is rank 1 by the test, λ₁/λ₂ > 10³). Draws what `instance` draws.
    func solvedInstance(_ sizes: [Int], _ rng: inout SplitMix64, tight: Bool = false) throws
        -> (problem: LeastSquaresProblem, reference: LeastSquaresSolution)?
    {
        guard let p = try instance(sizes, &rng) else { return nil }
        let reference = try solveLeastSquaresRelaxation(p)
        guard reference.status == .optimal, !tight || reference.rankRatio > 1e3 else { return nil }
        return (p, reference)
    }

    /// Multipliers inside the domain `M ≻ 0`: ν, η, μ of order 1, π small.
    func multipliers(_ n: Int, _ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in rng.unitInterval() } + (0..<n).map { _ in rng.unitInterval() }
            + (0..<n).map { _ in 0.2 * rng.unitInterval() } + [0.5 + rng.unitInterval()]
    }

    func testGradientMatchesFiniteDifferences() throws {
        var rng = SplitMix64(seed: 41)
        var checked = 0
        for _ in 0..<6 {
            guard let p = try instance([4, 7], &rng) else { continue }
            let dual = OneLayerDual(lag: RankTwoLagrangian(p))
            let y = multipliers(7, &rng)
            let e = try XCTUnwrap(try dual.evaluate(y))
            for i in y.indices {
                let h = 1e-6 * max(1, y[i])
                var plus = y, minus = y
                plus[i] += h
                minus[i] -= h
                let difference = (try XCTUnwrap(try dual.evaluate(plus)).value - (try XCTUnwrap(try dual.evaluate(minus)).value)) / (2 * h)
                XCTAssertEqual(e.gradient[i], difference, accuracy: 1e-5 * max(1, abs(difference)), "multiplier \(i)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    /// Every d(y) and every rigorous bound is at most CSDP's optimum and at most the objective of
    /// every sampled feasible point; d(y) is −∞ (nil) once π makes M indefinite.
    func testWeakDualityAgainstCSDPAndFeasiblePoints() throws {
        var rng = SplitMix64(seed: 43)
        var compared = 0
        for _ in 0..<8 {
            guard let (p, reference) = try solvedInstance([4, 7], &rng) else { continue }
            let dual = OneLayerDual(lag: RankTwoLagrangian(p))
            for _ in 0..<10 {
                let y = multipliers(7, &rng)
                let e = try XCTUnwrap(try dual.evaluate(y))
                XCTAssertLessThanOrEqual(e.value, reference.objective + 1e-7 * max(1, reference.objective))
                let bound = try XCTUnwrap(try dual.rigorousBound(y, x: e.x, z: e.z, slack: 1e-6))
                XCTAssertLessThanOrEqual(bound, e.value + 1e-12 * max(1, abs(e.value)))
                XCTAssertGreaterThan(bound, e.value - 1e-6, "the bound loses at most the slack asked for, plus rounding")
                // The bound at a point that is not the dual's own primal point: still below, lower.
                if let moved = try dual.rigorousBound(y, x: e.x.map { $0 + 0.01 }, z: e.z, slack: 1) {
                    XCTAssertLessThanOrEqual(moved, e.value + 1e-12 * max(1, abs(e.value)))
                }
                compared += 1
            }
            let lowest = try XCTUnwrap(try dual.evaluate(multipliers(7, &rng))).value
            for _ in 0..<500 {
                let x = p.center.map { $0 + 2 * (2 * rng.unitInterval() - 1) }
                let (distance, residual) = try p.evaluate(x)
                guard residual <= p.radius else { continue }
                XCTAssertGreaterThanOrEqual(distance * distance, lowest - 1e-12)
            }
            var large = multipliers(7, &rng)
            for m in 0..<7 { large[14 + m] = 1e6 }
            XCTAssertNil(try dual.evaluate(large), "π = 10⁶ makes M indefinite")
        }
        XCTAssertGreaterThanOrEqual(compared, 40)
    }

    /// From a start far from the optimum (y = 1, π = 0.01) the ascent reaches CSDP's optimum to
    /// 1e-6 relative on tight instances (CSDP's λ₁/λ₂ > 10³), and the rigorous bound there is within
    /// the slack asked for. (On loose ones the optimal slack has a null space of dimension ≥ 2, so M
    /// is singular at the optimum, d's supremum lies on the domain's boundary, and L-BFGS stalls
    /// 2e-3 below it: measured on two of these draws.)
    func testAscentReachesTheRelaxationOptimum() throws {
        var rng = SplitMix64(seed: 47)
        var reached = 0
        for sizes in [[4, 7], [5, 12], [4, 7], [6, 10], [4, 7], [5, 9], [6, 8]] {
            guard let (p, reference) = try solvedInstance(sizes, &rng, tight: true) else { continue }
            let n = sizes[1]
            let dual = OneLayerDual(lag: RankTwoLagrangian(p))
            let start = [Double](repeating: 1, count: 2 * n) + [Double](repeating: 0.01, count: n) + [1]
            let ascent = try XCTUnwrap(try dual.maximize(from: start, iterations: 20_000))
            let e = ascent.evaluation
            let context = "sizes \(sizes): CSDP \(reference.objective), ascent \(e.value) after \(ascent.evaluations) evaluations"
            XCTAssertLessThanOrEqual(e.value, reference.objective + 1e-7 * max(1, reference.objective), context)
            XCTAssertEqual(e.value, reference.objective, accuracy: 1e-6 * max(1, reference.objective), context)
            let bound = try XCTUnwrap(try dual.rigorousBound(e.y, x: e.x, z: e.z, slack: 1e-6 * max(1, e.value)), context)
            XCTAssertLessThanOrEqual(bound, e.value, context)
            XCTAssertGreaterThan(bound, e.value - 1e-6 * max(1, e.value), context)
            reached += 1
        }
        XCTAssertGreaterThanOrEqual(reached, 3)
    }

    /// `provesMinimumEigenvalue(y, atLeast: m₀)` against the dense `M`'s eigenvalues: true at half
    /// its smallest eigenvalue, false at twice it.
    func testMinimumEigenvalueProofMatchesDenseEigenvalues() throws {
        var rng = SplitMix64(seed: 53)
        var proved = 0
        for _ in 0..<10 {
            guard let p = try instance([4, 7], &rng) else { continue }
            let dual = OneLayerDual(lag: RankTwoLagrangian(p))
            var y = multipliers(7, &rng)
            for m in 0..<7 { y[14 + m] *= 1 + 20 * rng.unitInterval() }
            let w = p.weights[0], n0 = 4, n = 7, order = n0 + n
            var dense = Matrix<Double>(rows: order, columns: order)
            for i in 0..<n0 { dense[i, i] = 1 }
            for m in 0..<n {
                dense[n0 + m, n0 + m] = y[14 + m] + y[21]
                for j in 0..<n0 {
                    dense[j, n0 + m] = -0.5 * w[m, j] * y[14 + m]
                    dense[n0 + m, j] = dense[j, n0 + m]
                }
            }
            let lowest = try dense.symmetricEigen(.smallest, vectors: false).values[0]
            if lowest > 1e-6 {
                XCTAssertTrue(try dual.provesMinimumEigenvalue(y, atLeast: 0.5 * lowest), "λ_min \(lowest)")
                XCTAssertFalse(try dual.provesMinimumEigenvalue(y, atLeast: 2 * lowest), "λ_min \(lowest)")
                proved += 1
            } else {
                XCTAssertFalse(try dual.provesMinimumEigenvalue(y, atLeast: max(2 * lowest, 1e-9)), "λ_min \(lowest)")
            }
        }
        XCTAssertGreaterThanOrEqual(proved, 5)
    }

    /// The feasible upper bound: the objective itself inside the ball, nil outside it without an
    /// interior point, and with one never below CSDP's optimum.
    func testFeasibleUpperBoundIsAboveTheOptimum() throws {
        var rng = SplitMix64(seed: 59)
        var checked = 0
        for _ in 0..<8 {
            guard var p = try instance([4, 7], &rng) else { continue }
            let reference = try solveLeastSquaresRelaxation(p)
            guard reference.status == .optimal else { continue }
            XCTAssertEqual(try p.feasibleUpperBound(objective: 3, residual: 0.5 * p.radius), 3)
            // Rank-1 points just outside the ball: x̂ moved towards x' until ψ is 1 %–20 % above ρ.
            let inner = try XCTUnwrap(p.interiorPoint)
            for t in stride(from: 0.0, through: 1.0, by: 0.01) {
                let x = zip(p.center, inner).map { (1 - t) * $0 + t * $1 }
                let (distance, residual) = try p.evaluate(x)
                guard residual > 1.01 * p.radius, residual < 1.2 * p.radius else { continue }
                let bound = try XCTUnwrap(try p.feasibleUpperBound(objective: distance * distance, residual: residual))
                XCTAssertGreaterThanOrEqual(bound, reference.objective - 1e-7 * max(1, reference.objective), "t \(t)")
                XCTAssertGreaterThanOrEqual(bound, distance * distance - 1e-12)
                checked += 1
            }
            p.interiorPoint = nil
            XCTAssertNil(try p.feasibleUpperBound(objective: 3, residual: 2 * p.radius))
        }
        XCTAssertGreaterThan(checked, 3)
    }

    /// BM2 that cannot pass its own checks (optimality tolerance 0, no second-order certificate)
    /// ends `inaccurate`; the ascent from its multipliers certifies the same solve (status optimal,
    /// rigorous gap ≤ 1e-5, CSDP's optimum within it).
    func testAscentCertifiesAnUnfinishedBM2Solve() throws {
        var rng = SplitMix64(seed: 61)
        var certified = 0
        for _ in 0..<8 {
            guard let (p, reference) = try solvedInstance([4, 7], &rng, tight: true) else { continue }
            var solver = BurerMonteiroRank2()
            // First order can never pass (gradient ≤ 0), and no second-order certificate of BM2's own.
            solver.optimalityTolerance = 0
            solver.lanczosSteps = 0
            solver.maxOuterIterations = 15
            solver.maxRankOneAttempts = 0
            solver.dualAscentIterations = 0
            let without = try solver.solve(p)
            guard without.status != .optimal else { continue }
            solver.dualAscentIterations = 20_000
            let with = try solver.solve(p)
            let context = "CSDP \(reference.objective), BM2 \(with.objective), \(with.stationarity.map { "\($0)" } ?? "")"
            XCTAssertNotNil(with.stationarity?.dualAscentEvaluations, context)
            guard with.status == .optimal else { continue }
            let rigorous = try XCTUnwrap(with.stationarity?.rigorousDualGap, context)
            XCTAssertLessThanOrEqual(rigorous, 1e-5, context)
            XCTAssertLessThanOrEqual(try XCTUnwrap(with.stationarity?.dualBound), reference.objective + 1e-7 * max(1, reference.objective), context)
            XCTAssertEqual(with.objective, reference.objective, accuracy: 2e-5 * max(1, reference.objective), context)
            certified += 1
        }
        XCTAssertGreaterThanOrEqual(certified, 2)
    }
    /// The early stop of an ascent that cannot certify in its time: never before the window or
    /// without a deadline; stopped when twice the window's gain rate, over the evaluations the
    /// deadline leaves at its pace, falls short of the gap to close, and not when it reaches it.
    func testHopelessAscentStopsOnlyWhenItsPaceCannotCloseTheGap() {
        var solver = BurerMonteiroRank2()
        solver.gapTolerance = 1e-5
        solver.dualAscentWindow = 500
        let start = Date(timeIntervalSinceReferenceDate: 0)
        // 10 ms per evaluation; the deadline 10 s after the last check leaves 1 000 evaluations.
        func history(gainPerEvaluation rate: Double, last: Int) -> [(evaluations: Int, value: Double, time: Date)] {
            stride(from: 50, through: last, by: 50).map { k in
                (k, 99.0 + rate * Double(k), start.addingTimeInterval(0.01 * Double(k)))
            }
        }
        let upper = 100.0   // gap to close: 100 − 1e-5 · 100 − d
        let deadline = { (h: [(evaluations: Int, value: Double, time: Date)]) in h.last!.time.addingTimeInterval(10) }
        // d = 99 + 1e-5 · 1 000 = 99.01 after 1 000 evaluations: needs 0.989, can gain 2 · 1e-5 · 1 000 = 0.02.
        let slow = history(gainPerEvaluation: 1e-5, last: 1_000)
        XCTAssertTrue(solver.hopeless(slow, upper: upper, deadline: deadline(slow)))
        XCTAssertFalse(solver.hopeless(slow, upper: upper, deadline: nil))
        XCTAssertFalse(solver.hopeless(history(gainPerEvaluation: 1e-5, last: 450), upper: upper, deadline: deadline(slow)))
        // d = 99.5 after 1 000: needs 0.499, can gain 2 · 5e-4 · 1 000 = 1.
        let fast = history(gainPerEvaluation: 5e-4, last: 1_000)
        XCTAssertFalse(solver.hopeless(fast, upper: upper, deadline: deadline(fast)))
        // The same pace with only 1 s left (100 evaluations): 0.1 < 0.499.
        XCTAssertTrue(solver.hopeless(fast, upper: upper, deadline: fast.last!.time.addingTimeInterval(1)))
        // Already within the tolerance: never hopeless.
        XCTAssertFalse(solver.hopeless(fast, upper: 99.5, deadline: deadline(fast)))
    }
}
