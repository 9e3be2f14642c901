import LinearAlgebra
import XCTest
@testable import Attacks

final class MarginTests: XCTestCase {
    func testMarginIsOwnScoreMinusBestOther() throws {
        XCTAssertEqual(classificationMargin([1.0, 4, 2], label: 1), 2)
        XCTAssertEqual(classificationMargin([1.0, 4, 2], label: 0), -3)
        XCTAssertEqual(classificationMargin([Float(3), 3], label: 0), 0)
        let scores = try Matrix<Double>([[0, 1, 5], [2, 1, 0]])
        XCTAssertEqual(classificationMargins(scores, labels: [2, 1]), [4, -1])
    }
}
