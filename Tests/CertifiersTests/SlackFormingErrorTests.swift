import LinearAlgebra
import XCTest
@testable import Certifiers

/// The rounding of the dense slack: `denseSlack` (Double, through the matrix-free products)
/// against the slack written out from its formula in extended precision (Float80), whose
/// difference must stay within `slackFormingErrorBound` in the spectral norm.
final class SlackFormingErrorTests: XCTestCase {
    #if arch(x86_64) && !os(Windows)
    /// `S(y)` entry by entry from the formula (the lifted space `(t, x_0, …, x_ℓ)`), in Float80.
    private func extendedSlack(_ lag: RankTwoLagrangian, _ y: [Double], _ y0: Double) -> [[Float80]] {
        let p = lag.problem, offsets = lag.vectorOffsets, n = 1 + lag.sizes.reduce(0, +), last = p.layerCount
        var s = [[Float80]](repeating: [Float80](repeating: 0, count: n), count: n)
        func add(_ i: Int, _ j: Int, _ v: Float80) {
            s[i][j] += v
            if i != j { s[j][i] += v }
        }
        add(0, 0, Float80(y0))
        for (i, c) in p.center.enumerated() {
            add(0, 0, Float80(c) * Float80(c))
            add(0, offsets[0] + i, -Float80(c))
            add(offsets[0] + i, offsets[0] + i, 1)
        }
        for k in 0..<last {
            let size = lag.sizes[k + 1], base = lag.constraintOffsets[k]
            for m in 0..<size {
                let l1 = Float80(y[base + m]), l2 = Float80(y[base + size + m]), l3 = Float80(y[base + 2 * size + m])
                let b = Float80(p.biases[k][m]), z = offsets[k + 1] + m
                add(0, 0, l2 * b)
                add(0, z, -(l1 + l2 + l3 * b) / 2)
                add(z, z, l3)
                for j in 0..<lag.sizes[k] {
                    let w = Float80(p.weights[k][m, j])
                    add(0, offsets[k] + j, l2 * w / 2)
                    add(z, offsets[k] + j, -l3 * w / 2)
                }
            }
        }
        let mu = Float80(y[y.count - 1])
        for (i, t) in p.target.enumerated() {
            add(0, 0, mu * Float80(t) * Float80(t))
            add(0, offsets[last] + i, -mu * Float80(t))
            add(offsets[last] + i, offsets[last] + i, mu)
        }
        add(0, 0, -mu * Float80(p.radius) * Float80(p.radius))
        return s
    }

    /// On random problems with multipliers over six orders of magnitude: the Double slack equals
    /// the formula to within the bound (spectral norm of the difference), and the bound is small.
    func testFormingErrorIsBounded() throws {
        var rng = SplitMix64(seed: 71)
        for (index, sizes) in [[3, 5, 4], [6, 8], [4, 7, 5, 3], [20, 30, 10]].enumerated() {
            let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers(sizes, &rng)
            let problem = try LeastSquaresProblem(
                weights: weights, biases: biases, center: (0..<sizes[0]).map { _ in 3 * rng.normal() },
                target: (0..<sizes[sizes.count - 1]).map { _ in 5 * rng.unitInterval() }, radius: 0.7)
            let lag = RankTwoLagrangian(problem)
            let y = (0..<lag.constraintCount).map { _ in pow(10, 4 * rng.unitInterval() - 1) * rng.unitInterval() }
            let y0 = 100 * rng.normal()
            let dense = try lag.denseSlack(y, constant: y0, block: 4)
            let exact = extendedSlack(lag, y, y0)
            let n = dense.rows
            var difference = Matrix<Double>(rows: n, columns: n)
            var scale = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    difference[i, j] = Double(Float80(dense[i, j]) - exact[i][j])
                    scale = max(scale, abs(dense[i, j]))
                }
            }
            let spectral = try difference.symmetricEigen(vectors: false).values.map(abs).max() ?? 0
            let bound = lag.slackFormingErrorBound(y, constant: y0)
            XCTAssertLessThanOrEqual(spectral, bound, "sizes \(sizes)")
            XCTAssertGreaterThan(spectral, 0, "sizes \(sizes): some entry rounds")
            // Not vacuous: far below the entries' scale (a relative 1e-11 of the largest).
            XCTAssertLessThan(bound, 1e-11 * scale * Double(n), "sizes \(sizes), case \(index)")
        }
    }
    #endif
}
