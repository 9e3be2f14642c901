import XCTest
@testable import Networks

final class ReLUKernelTests: XCTestCase {
    /// The vectorised loops give the scalar rules entry by entry, signed zeros and NaN included,
    /// for lengths that are and are not multiples of the vector width.
    func testKernelsMatchTheScalarRules() {
        let special: [Float] = [-0.0, 0.0, .nan, -.infinity, .infinity, -1e-38, 1e-38, -3, 2.5]
        for count in [0, 1, 7, 8, 9, 31, 64, 100] {
            var rng = SystemRandomNumberGenerator()
            var x = (0..<count).map { i in i < special.count && count > 20 ? special[i] : Float.random(in: -1...1, using: &rng) }
            let g = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
            let original = x
            x.withUnsafeMutableBufferPointer { ReLUKernels.apply($0) }
            for i in 0..<count {
                let expected = original[i] < 0 ? 0 : original[i]
                XCTAssertEqual(x[i].bitPattern, expected.bitPattern, "relu of \(original[i]) at \(i) of \(count)")
            }
            var masked = g
            masked.withUnsafeMutableBufferPointer { m in original.withUnsafeBufferPointer { ReLUKernels.mask(m, by: $0) } }
            for i in 0..<count {
                let expected: Float = original[i] > 0 ? g[i] : 0
                XCTAssertEqual(masked[i].bitPattern, expected.bitPattern, "mask at \(i) of \(count), x = \(original[i])")
            }
        }
    }
}
