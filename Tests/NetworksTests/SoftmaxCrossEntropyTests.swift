import LinearAlgebra
import XCTest
@testable import Networks

final class CrossEntropyTests: XCTestCase {
    func testValueMatchesDefinition() throws {
        let s = try Matrix<Double>([[1, 2, 3], [0, 0, 0]])
        let (loss, _) = softmaxCrossEntropy(s, labels: [2, 1])
        let first = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let second = log(3.0)
        XCTAssertEqual(loss, (first + second) / 2, accuracy: 1e-14)
    }

    func testGradientMatchesFiniteDifferences() throws {
        let s = try Matrix<Double>([[0.3, -1.2, 2.0, 0.1], [5.0, 4.0, -3.0, 0.0], [1000, 999, 0, -1000]])
        let labels = [2, 0, 1]
        let (loss, gradient) = softmaxCrossEntropy(s, labels: labels)
        XCTAssert(loss.isFinite)
        let h = 1e-6
        for i in 0..<s.rows {
            for j in 0..<s.columns {
                var plus = s, minus = s
                plus[i, j] += h
                minus[i, j] -= h
                let fd = (softmaxCrossEntropy(plus, labels: labels).loss - softmaxCrossEntropy(minus, labels: labels).loss) / (2 * h)
                XCTAssertEqual(gradient[i, j], fd, accuracy: 1e-6, "(\(i), \(j))")
            }
        }
        // Each row of the gradient sums to zero (softmax minus one-hot).
        for i in 0..<s.rows { XCTAssertEqual(s.row(i).indices.reduce(0) { $0 + gradient.elements[$1] }, 0, accuracy: 1e-12) }
    }
}
