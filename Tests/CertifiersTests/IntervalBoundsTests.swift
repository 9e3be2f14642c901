import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers

/// Interval bounds (paper 1, eq. 8) are sound: no point of the ball exceeds them.
final class IntervalBoundsTests: XCTestCase {
    func testRandomPointsNeverExceedTheBounds() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        var g = SystemRandomNumberGenerator()
        for trial in 0..<20 {
            let center = (0..<6).map { _ in Double.random(in: 0...1, using: &g) }
            let epsilon = [0.01, 0.1, 0.5][trial % 3]
            let bounds = try IntervalBounds(network: net, center: center, epsilon: epsilon)
            let label = trial % 3
            let certificate = bounds.marginUpperBounds(network: net, label: label)
            XCTAssertEqual(certificate[label], 0)
            for _ in 0..<300 {
                let x = center.map { min(max($0 + Double.random(in: -epsilon...epsilon, using: &g), 0), 1) }
                for (k, v) in zip(bounds.lower[0], x).enumerated() { XCTAssertLessThanOrEqual(v.0, v.1, "input \(k)") }
                let s = try net.scores(x)
                for j in 0..<3 where j != label {
                    XCTAssertLessThanOrEqual(s[j] - s[label], certificate[j] + 1e-12)
                }
                for c in 0..<3 {
                    XCTAssertLessThanOrEqual(bounds.preLower[2][c], s[c] + 1e-12)
                    XCTAssertGreaterThanOrEqual(bounds.preUpper[2][c], s[c] - 1e-12)
                }
            }
        }
    }

    func testZeroRadiusIsExact() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
        let bounds = try IntervalBounds(network: net, center: x, epsilon: 0)
        let s = try net.scores(x)
        for c in 0..<3 {
            XCTAssertEqual(bounds.preLower[2][c], s[c], accuracy: 1e-12)
            XCTAssertEqual(bounds.preUpper[2][c], s[c], accuracy: 1e-12)
        }
        let margins = bounds.marginUpperBounds(network: net, label: 0)
        for j in 1..<3 { XCTAssertEqual(margins[j], s[j] - s[0], accuracy: 1e-12) }
    }

    func testInputBoxIsClippedToTheDomain() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let bounds = try IntervalBounds(network: net, center: [0, 1, 0.5, 0.5, 0.5, 0.5], epsilon: 0.2)
        XCTAssertEqual(bounds.lower[0][0], 0)
        XCTAssertEqual(bounds.upper[0][1], 1)
        XCTAssertEqual(bounds.lower[0][2], 0.3, accuracy: 1e-15)
        XCTAssertThrowsError(try IntervalBounds(network: net, center: [0], epsilon: 0.1))
    }
}
