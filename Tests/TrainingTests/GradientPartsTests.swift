import XCTest
@testable import Training

final class GradientPartsTests: XCTestCase {
    private func random(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 997
        }
    }

    /// `summed()` is w₀G₀ + w₁G₁ in that order, and Adam with the parts (in one or two threads)
    /// makes bit for bit the update Adam makes with the summed gradient.
    func testAdamWithPartsEqualsAdamWithTheSum() {
        let sizes = [40_003, 13, 8]  // one tensor large enough to be split across threads
        let g0 = sizes.enumerated().map { random($1, seed: UInt64($0) + 1) }
        let g1 = sizes.enumerated().map { random($1, seed: UInt64($0) + 100) }
        let (w0, w1): (Float, Float) = (0.5078125, 0.4921875)
        let parts = GradientParts(parts: [g0, g1], weights: [w0, w1])
        let sum = parts.summed()
        for t in sizes.indices { for i in 0..<sizes[t] { XCTAssertEqual(sum[t][i], w0 * g0[t][i] + w1 * g1[t][i]) } }

        let start = sizes.enumerated().map { random($1, seed: UInt64($0) + 1000) }
        var reference = start, oneThread = start, twoThreads = start
        var a = OptimizerState<Float>(kind: .defaultAdam, sizes: sizes)
        var b = a, c = a
        for _ in 0..<3 {
            a.update(&reference, gradients: sum, lr: 1e-3)
            b.update(&oneThread, gradients: parts, lr: 1e-3, threads: 1)
            c.update(&twoThreads, gradients: parts, lr: 1e-3, threads: 2)
        }
        XCTAssertNotEqual(reference, start)
        XCTAssertEqual(oneThread, reference)
        XCTAssertEqual(twoThreads, reference)
        XCTAssertEqual(c.second, a.second)
    }
}
