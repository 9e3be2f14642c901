import Foundation
import LinearAlgebra
import XCTest
@testable import Certifiers

/// `SolveBudget`: the inner solves' deadline keeps the final certificate (the slowest single
/// estimate so far and the rigorous check, measured or estimated) before the solve's deadline,
/// and `allows` counts estimates against the time left.
final class SolveBudgetTests: XCTestCase {
    func testReserveFollowsTheSlowestEstimatePerRun() throws {
        let deadline = Date().addingTimeInterval(3600)
        let budget = SolveBudget(deadline: deadline)
        XCTAssertEqual(budget.innerDeadline, deadline)
        XCTAssertTrue(budget.allows(estimates: 1000))
        // A certificate of two estimates in 0.1 s: 0.05 s per estimate.
        let value = budget.estimates(runs: { _ in 2 }) { () -> Int in
            Thread.sleep(forTimeInterval: 0.1)
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertGreaterThanOrEqual(budget.estimateSeconds, 0.05)
        XCTAssertLessThan(budget.estimateSeconds, 0.1)
        budget.estimates(runs: { _ in 1 }) { }  // a faster one does not lower the reserve
        XCTAssertGreaterThanOrEqual(budget.estimateSeconds, 0.05)
        let reserve = deadline.timeIntervalSince(try XCTUnwrap(budget.innerDeadline))
        XCTAssertEqual(reserve, budget.estimateSeconds, accuracy: 1e-6)  // Date's resolution
        // 3600 s hold about 72 000 estimates of 0.05 s, not 100 000.
        XCTAssertTrue(budget.allows(estimates: 10_000))
        XCTAssertFalse(budget.allows(estimates: 100_000))
    }

    func testRigorousCheckIsReservedBeforeAndAfterItRuns() throws {
        let deadline = Date().addingTimeInterval(3600)
        // Before it first runs, the a-priori estimate is kept in reserve.
        let budget = SolveBudget(deadline: deadline, rigorousEstimate: 600)
        XCTAssertEqual(deadline.timeIntervalSince(try XCTUnwrap(budget.innerDeadline)), 600, accuracy: 1e-6)
        // Now + a certificate's possible rigorous check + the final reserve (600 + 600) fits in 3600 s,
        // not with 2000 estimates of 1 s on top.
        budget.estimates(runs: { _ in 1 }) { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(budget.allows(estimates: 1))
        // Once measured, the measurement replaces the estimate (here far below it).
        let bound = budget.rigorous { () -> Double in
            Thread.sleep(forTimeInterval: 0.02)
            return -1e-3
        }
        XCTAssertEqual(bound, -1e-3)
        XCTAssertGreaterThanOrEqual(budget.rigorousSeconds, 0.02)
        XCTAssertLessThan(budget.rigorousSeconds, 600)
        XCTAssertEqual(budget.finalReserve, budget.estimateSeconds + budget.rigorousSeconds, accuracy: 1e-12)
        // A faster later check does not lower it.
        let measured = budget.rigorousSeconds
        budget.rigorous { }
        XCTAssertEqual(budget.rigorousSeconds, measured)
        let tight = SolveBudget(deadline: Date().addingTimeInterval(10), rigorousEstimate: 6)
        XCTAssertFalse(tight.allows(estimates: 0))  // 6 s for this certificate's check + 6 s final > 10 s
    }

    func testRigorousEstimateScalesWithTheCube() throws {
        // Three factorisations of order 3 489 from one of order 400 that took 2 ms.
        let scaled = SolveBudget.rigorousCheckEstimate(dimension: 3489, calibrationOrder: 400, seconds: 0.002)
        XCTAssertEqual(scaled, 3 * pow(3489.0 / 400, 3) * 0.002, accuracy: 1e-12)
        XCTAssertGreaterThan(try SolveBudget.rigorousCheckEstimate(dimension: 400), 0)
        XCTAssertEqual(try SolveBudget.rigorousCheckEstimate(dimension: 0), 0)
    }

    func testNoDeadlineAllowsEverythingAndAPassedOneNothing() {
        let open = SolveBudget(deadline: nil)
        XCTAssertNil(open.innerDeadline)
        XCTAssertTrue(open.allows(estimates: Int.max / 2))
        let passed = SolveBudget(deadline: Date().addingTimeInterval(-1))
        XCTAssertFalse(passed.allows(estimates: 0))
    }

    /// A dense second-order check is budgeted before it first runs: its a-priori time is the
    /// estimates' (4/3 of the rigorous check's), so a certificate of many estimates is refused
    /// where Lanczos's (measured only after the fact) would not be.
    func testDenseSecondOrderCheckIsBudgetedBeforeItRuns() throws {
        var rng = SplitMix64(seed: 31)
        // Lifted dimension 401: the a-priori estimate times a Cholesky factorisation of order 400.
        let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([200, 200], &rng)
        let p = try LeastSquaresProblem(weights: weights, biases: biases, center: [Double](repeating: 0.1, count: 200),
                                        target: [Double](repeating: 0.2, count: 200), radius: 0.5)
        let lag = RankTwoLagrangian(p)
        let deadline = Date().addingTimeInterval(60)
        var solver = BurerMonteiroRank2()
        let lanczos = try solver.solveBudget(lag, deadline: deadline)
        XCTAssertEqual(lanczos.estimateSeconds, 0)
        solver.denseSecondOrderDimension = 1000
        let dense = try solver.solveBudget(lag, deadline: deadline)
        XCTAssertEqual(dense.estimateSeconds, 4.0 / 3.0 * dense.rigorousSeconds, accuracy: 1e-12)
        XCTAssertGreaterThan(dense.estimateSeconds, 0)
        let tooMany = Int((60 / dense.estimateSeconds).rounded(.up)) + 1
        XCTAssertFalse(dense.allows(estimates: tooMany))
        XCTAssertTrue(lanczos.allows(estimates: tooMany))
    }
}
