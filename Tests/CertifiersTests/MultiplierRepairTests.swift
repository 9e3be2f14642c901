import Foundation
import LinearAlgebra
import XCTest
@testable import Certifiers

/// `RankTwoLagrangian.repairedCertificate`: supergradient steps on the free multipliers of a
/// rank-1 point raise the certificate's λ_min, and the caller's `continues` is asked before each
/// step with the slowest estimate so far, so a time budget can stop the repair.
final class MultiplierRepairTests: XCTestCase {
    /// A one-layer instance at a rank-1 point `(u_0, 0)` with ball multiplier 1: its lifted
    /// multipliers, the free ones among them, and the lifted factor.
    private func rankOnePoint() throws -> (lag: RankTwoLagrangian, flat: [Double], y: [Double], free: [RankTwoLagrangian.FreeMultiplier]) {
        var rng = SplitMix64(seed: 11)
        let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([6, 10], &rng)
        let center = (0..<6).map { _ in rng.unitInterval() }
        let p = try LeastSquaresProblem(weights: weights, biases: biases, center: center,
                                        target: (0..<10).map { _ in 0.05 * rng.unitInterval() }, radius: 0.2)
        let lag = RankTwoLagrangian(p), reduction = OneLayerReduction(lag: lag)
        let v = center + [Double](repeating: 0, count: 6)
        let point = try reduction.evaluate(v)
        let (flat, y) = reduction.lift(v, point, ballMultiplier: 1)
        return (lag, flat, y, lag.freeMultipliers(caps: [point.projections], y: y))
    }

    func testRepairRaisesTheEstimateAndAsksBeforeEachStep() throws {
        let (lag, flat, y, free) = try rankOnePoint()
        XCTAssertFalse(free.isEmpty, "the instance has active neurons above their targets, whose multipliers are free")
        let plain = try lag.repairedCertificate(y, at: flat, free: free, iterations: 0, steps: 40, tolerance: 0, seed: 3)
        let before = try XCTUnwrap(plain.certificate.minEigenvalue)
        XCTAssertLessThan(before, 0, "the unrepaired multipliers leave S(y) indefinite (else nothing to repair)")
        XCTAssertEqual(plain.runs, 1)

        var asked: [Double] = []
        let repaired = try lag.repairedCertificate(y, at: flat, free: free, iterations: 8, steps: 40, tolerance: 0, seed: 3) {
            asked.append($0)
            return true
        }
        XCTAssertGreaterThan(repaired.runs, 1)
        XCTAssertEqual(asked.count, repaired.runs - 1, "asked once before every repair step")
        XCTAssertGreaterThan(try XCTUnwrap(repaired.certificate.minEigenvalue), before)
        XCTAssertTrue(asked.allSatisfy { $0 > 0 }, "the seconds of the slowest estimate so far are measured")
        XCTAssertEqual(asked, asked.sorted(), "the slowest so far never decreases")
        // Free multipliers only rise from the projection's (smallest) choice; the others stay.
        for i in y.indices where !free.contains(where: { $0.product == i || $0.halfPlane == i }) {
            XCTAssertEqual(repaired.y[i], y[i])
        }
        for f in free { XCTAssertGreaterThanOrEqual(repaired.y[f.product], y[f.product]) }
    }

    func testRepairStopsWhenTheCallerSaysSo() throws {
        let (lag, flat, y, free) = try rankOnePoint()
        var asked = 0
        let stopped = try lag.repairedCertificate(y, at: flat, free: free, iterations: 8, steps: 40, tolerance: 0, seed: 3) { _ in
            asked += 1
            return asked < 3
        }
        XCTAssertEqual(asked, 3)
        XCTAssertEqual(stopped.runs, 3, "the first estimate and two repair steps")
    }

    /// `BurerMonteiroRank2.budgetedCertificate` repairs with an open budget, and not at all when
    /// the repair steps would not all fit at the slowest estimate so far, or once expired.
    func testBudgetedCertificateRepairsOnlyWithinTheBudget() throws {
        let (lag, flat, y, free) = try rankOnePoint()
        var solver = BurerMonteiroRank2()
        solver.lanczosSteps = 40
        func certificate(_ budget: SolveBudget, expired: Bool = false) throws -> [Double] {
            try solver.budgetedCertificate(lag, y: y, at: flat, free: free, tolerance: 0, seed: 3, budget: budget, expired: expired).y
        }
        XCTAssertNotEqual(try certificate(SolveBudget(deadline: nil)), y, "an open budget repairs")
        XCTAssertEqual(try certificate(SolveBudget(deadline: nil), expired: true), y)
        // Estimates known to take 1 s with 20 s left: 31 of them do not fit.
        let tight = SolveBudget(deadline: Date().addingTimeInterval(20))
        tight.observe(estimateSeconds: 1)
        XCTAssertEqual(try certificate(tight), y)
    }

    /// The budget takes estimates measured inside a repair as its slowest, never lowering it.
    func testBudgetObservesEstimatesMeasuredElsewhere() {
        let budget = SolveBudget(deadline: Date().addingTimeInterval(100))
        budget.observe(estimateSeconds: 2)
        XCTAssertEqual(budget.estimateSeconds, 2)
        budget.observe(estimateSeconds: 1)
        XCTAssertEqual(budget.estimateSeconds, 2)
        // 100 s hold fewer than 50 estimates of 2 s beside the final reserve.
        XCTAssertTrue(budget.allows(estimates: 40))
        XCTAssertFalse(budget.allows(estimates: 50))
    }
}
