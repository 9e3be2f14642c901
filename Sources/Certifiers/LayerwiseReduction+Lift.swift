import LinearAlgebra

extension LayerwiseReduction {
    /// BM2's full factor `[u_0, w_0, …, u_ℓ, w_ℓ]` (`RankTwoLagrangian` layout) and its SDP
    /// multipliers at `v`, from the point evaluated there with penalty `sigma` and the ball's
    /// multiplier `ballMultiplier` (for ψ ≤ ρ).
    ///
    /// A hidden cap's half-plane and disk multipliers are σ times its projection's (the half-plane
    /// is the affine constraint when `a > 0`, else the lower one); the last layer's are twice the
    /// squared ball's multiplier `μ / (2ψ)` times its projection's, as in `OneLayerReduction.lift`.
    /// For rank r > 2 the factor keeps `u` and the first `w` column only: enough for `S(y)`, whose
    /// constant row needs `u` alone, not for the full program's first-order checks.
    func lift(_ v: [Double], _ point: Point, sigma: Double, ballMultiplier: Double) throws -> (flat: [Double], y: [Double]) {
        let last = lag.problem.layerCount, n = lag.sizes[last]
        let x = try split(v)
        var flat = x.flatMap { Array($0.elements[0..<2 * $0.columns]) } + [Double](repeating: 0, count: 2 * n)
        var y = [Double](repeating: 0, count: lag.constraintCount)
        for k in 1..<max(1, last) {
            let nk = lag.sizes[k], base = lag.constraintOffsets[k - 1]
            for m in 0..<nk {
                let q = point.caps[k - 1][m]
                y[base + m] = point.lowerMultipliers[k - 1][m]
                y[base + nk + m] = sigma * q.halfPlane
                y[base + 2 * nk + m] = sigma * q.disk
            }
        }
        let ball = point.residual > 0 ? ballMultiplier / (2 * point.residual) : 0
        let base = lag.constraintOffsets[last - 1], offset = lag.variableOffsets[last]
        for m in 0..<n {
            let q = point.projections[m]
            flat[offset + m] = q.u
            flat[offset + n + m] = point.lastW[0, m]
            y[base + (q.halfPlaneIsAffine ? n : 0) + m] = 2 * ball * q.halfPlane
            y[base + 2 * n + m] = 2 * ball * q.disk
        }
        y[y.count - 1] = ball
        return (flat, y)
    }

    /// `λ₁/λ₂` of G = F Fᵀ for the factor `F = [1 0 …; u w w' …]` over every layer (the last one's
    /// from the projections): the eigenvalues of the r × r Gram matrix `FᵀF`.
    func rankRatio(_ v: [Double], _ point: Point) throws -> Double {
        var columns = try split(v).map { x in (0..<rank).map { Array(x.row($0)) } }
        columns.append([point.projections.map(\.u)] + (0..<rank - 1).map { Array(point.lastW.row($0)) })
        let joined = (0..<rank).map { j in columns.flatMap { $0[j] } }
        return try BurerMonteiroRank2.factorRankRatio(columns: joined)
    }

    /// The neurons (every layer) whose SDP multipliers `lift` chose among several
    /// (`RankTwoLagrangian.freeMultipliers(caps:y:)` over the hidden caps and the last layer's).
    func freeMultipliers(_ point: Point, y: [Double]) -> [RankTwoLagrangian.FreeMultiplier] {
        lag.freeMultipliers(caps: point.caps + [point.projections], y: y)
    }
}
