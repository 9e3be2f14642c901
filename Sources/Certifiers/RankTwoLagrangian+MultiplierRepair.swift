import Foundation
import LinearAlgebra

extension RankTwoLagrangian {
    /// A ReLU neuron whose SDP multipliers are not unique: at `u = ReLU(a)`, `w = 0` (`c = 0`)
    /// its half-plane and product constraints have parallel gradients, so adding τ to the product
    /// multiplier and `slope · τ` (`slope = |a|`) to the half-plane one keeps the Lagrangian's
    /// gradient (and `y_0`) unchanged.
    struct FreeMultiplier {
        /// Indices in the constraint vector.
        var halfPlane: Int, product: Int
        var slope: Double
    }

    /// The neurons whose SDP multipliers a reduction's `lift` chose among several: at the point
    /// `(ReLU(a), 0)` of a cap with `c ≈ 0` (`|c| ≤ 10⁻⁶ |a|`) where the half-plane active there
    /// (`u ≥ a` when `a > 0`, else `u ≥ 0`) has a positive multiplier; slope `|a|`. `caps[k − 1]`
    /// holds layer k's projections, k = 1 … ℓ.
    func freeMultipliers(caps: [[ReLUCapProjection]], y: [Double]) -> [FreeMultiplier] {
        var free: [FreeMultiplier] = []
        for (index, layer) in caps.enumerated() {
            let k = index + 1, n = sizes[k], base = constraintOffsets[k - 1]
            for (m, q) in layer.enumerated() where q.a != 0 && abs(q.c) <= 1e-6 * abs(q.a) {
                let half = base + (q.a > 0 ? n : 0) + m
                if y[half] > 0 { free.append(.init(halfPlane: half, product: base + 2 * n + m, slope: abs(q.a))) }
            }
        }
        return free
    }

    /// The dual certificate at a rank-1 point after moving the free multipliers so as to raise
    /// `λ_min(S(y))`, which is concave in them: projected supergradient steps (Polyak's step
    /// towards 0) on `τ ≥ 0`, the supergradient being `q_product(v) + slope · q_half(v)` at the
    /// Lanczos vector `v`. Returns the best certificate found, its multipliers and how many
    /// certificates (λ_min estimates) were computed.
    ///
    /// `continues` is asked before each repair step, with the slowest estimate so far in seconds
    /// (measured here, so a caller's time budget can stop the repair once the estimates turn out
    /// slow: a 300-step Lanczos run on the one-layer CNN takes ~2.4 s); false ends the repair.
    ///
    /// - Complexity: at most `iterations + 1` Lanczos runs of `steps` steps (two passes through
    ///   the weights each).
    func repairedCertificate(
        _ y: [Double], at flat: [Double], free: [FreeMultiplier], iterations: Int, steps: Int, tolerance: Double,
        seed: UInt64, denseUpTo: Int = 0, continues: (_ slowestSeconds: Double) -> Bool = { _ in true }
    ) throws -> (y: [Double], certificate: SlackEstimate, runs: Int) {
        var rng = SplitMix64(seed: seed)
        var slowest = 0.0
        func estimate(_ y: [Double]) throws -> SlackEstimate {
            let start = Date()
            defer { slowest = max(slowest, Date().timeIntervalSince(start)) }
            return try dualCertificate(y, at: flat, steps: steps, seed: rng.next(), denseUpTo: denseUpTo)
        }
        var best = (y: y, certificate: try estimate(y))
        var runs = 1
        guard !free.isEmpty else { return (best.y, best.certificate, runs) }
        var current = best
        for _ in 0..<iterations {
            guard let value = current.certificate.minEigenvalue, value < -tolerance, continues(slowest) else { break }
            let forms = try quadraticForms(current.certificate.vector)
            let g = free.map { forms[$0.product] + $0.slope * forms[$0.halfPlane] }
            let norm2 = g.reduce(0) { $0 + $1 * $1 }
            guard norm2 > 0 else { break }
            let step = -value / norm2
            var next = current.y
            for (i, f) in free.enumerated() {
                // τ ≥ 0: the product multiplier may not drop below the projection's (smallest) choice.
                let tau = max(next[f.product] + step * g[i], y[f.product]) - next[f.product]
                next[f.product] += tau
                next[f.halfPlane] += f.slope * tau
            }
            current = (next, try estimate(next))
            runs += 1
            if (current.certificate.minEigenvalue ?? -.infinity) > (best.certificate.minEigenvalue ?? -.infinity) {
                best = current
            }
        }
        return (best.y, best.certificate, runs)
    }

    /// Every constraint's quadratic form `q_i(g)` at one lifted vector `g = (t, x_0, …, x_ℓ)`
    /// (laid out like `constraints`; the ball entry is `‖x_ℓ − t ẑ‖² − t² ρ²`).
    ///
    /// - Complexity: one forward pass through the weights.
    func quadraticForms(_ g: [Double]) throws -> [Double] {
        var x: [Matrix<Double>] = [], start = 1
        for n in sizes {
            x.append(try Matrix(rows: 1, columns: n, elements: Array(g[start..<start + n])))
            start += n
        }
        let t = g[0]
        var q = [Double](repeating: 0, count: constraintCount)
        for k in 0..<problem.layerCount {
            let wx = try product(x[k], layer: k)
            let n = sizes[k + 1], base = constraintOffsets[k], bias = problem.biases[k]
            for m in 0..<n {
                let z = x[k + 1][0, m], v = wx[0, m], b = bias[m]
                q[base + m] = -t * z
                q[base + n + m] = t * v + t * t * b - t * z
                q[base + 2 * n + m] = z * z - v * z - t * b * z
            }
        }
        let last = problem.layerCount
        var ball = -t * t * problem.radius * problem.radius
        for i in 0..<sizes[last] {
            let d = x[last][0, i] - t * problem.target[i]
            ball += d * d
        }
        q[constraintCount - 1] = ball
        return q
    }
}
