import Foundation
import XCTest
@testable import Certifiers

/// `SolveBudget`: the inner solves' deadline keeps one certificate (the slowest so far) before
/// the solve's deadline, and `allows` counts certificates against the time left.
final class SolveBudgetTests: XCTestCase {
    func testReserveFollowsTheSlowestCertificate() throws {
        let deadline = Date().addingTimeInterval(3600)
        let budget = SolveBudget(deadline: deadline)
        XCTAssertEqual(budget.innerDeadline, deadline)
        XCTAssertTrue(budget.allows(certificates: 1000))
        let value = budget.certificate { () -> Int in
            Thread.sleep(forTimeInterval: 0.05)
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertGreaterThanOrEqual(budget.certificateSeconds, 0.05)
        budget.certificate { }  // a faster one does not lower the reserve
        XCTAssertGreaterThanOrEqual(budget.certificateSeconds, 0.05)
        let reserve = deadline.timeIntervalSince(try XCTUnwrap(budget.innerDeadline))
        XCTAssertEqual(reserve, budget.certificateSeconds, accuracy: 1e-9)
        // 3600 s hold about 72 000 certificates of 0.05 s, not 100 000.
        XCTAssertTrue(budget.allows(certificates: 10_000))
        XCTAssertFalse(budget.allows(certificates: 100_000))
    }

    func testNoDeadlineAllowsEverythingAndAPassedOneNothing() {
        let open = SolveBudget(deadline: nil)
        XCTAssertNil(open.innerDeadline)
        XCTAssertTrue(open.allows(certificates: Int.max / 2))
        let passed = SolveBudget(deadline: Date().addingTimeInterval(-1))
        XCTAssertFalse(passed.allows(certificates: 0))
    }
}
