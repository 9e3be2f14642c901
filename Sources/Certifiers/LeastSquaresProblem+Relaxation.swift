import LinearAlgebra

extension LeastSquaresProblem {
    /// Problem (B)'s SDP relaxation (paper 2, the multi-layer form of (6.1); formulations.md) as a
    /// `RowTermSDP`, each inequality with its slack:
    ///
    /// With `G = [1 xᵀ z_1ᵀ … z_ℓᵀ]ᵀ[…] ⪰ 0`, `G[0, 0] = 1`, `Y_k = G[z_{k−1} z_kᵀ]`, `z_0 = x`:
    /// ```
    /// L_lb² = min tr(X) − 2⟨x, x̂⟩ + ‖x̂‖²
    ///   s.t.  z_k ≥ 0,  z_k ≥ W z_{k−1} + b,  diag(Z_k) ≤ diag(W Y_k) + b ⊙ z_k     (k = 1 … ℓ)
    ///         tr(Z_ℓ) − 2⟨z_ℓ, ẑ⟩ + ‖ẑ‖² ≤ ρ²
    /// ```
    /// The objective includes the constant `‖x̂‖²` as its offset. Variable `v` of layer k sits at index
    /// `offsets[k] + v` of G (`offsets[0] = 1`, index 0 is the constant).
    ///
    /// - Complexity: O(Σ_k n_k n_{k−1}) to build.
    public func relaxation() -> (program: RowTermSDP, offsets: [Int]) {
        var offsets = [1]
        for n in sizes { offsets.append(offsets[offsets.count - 1] + n) }
        var p = RowTermSDP(size: offsets[offsets.count - 1])
        p.addConstraint(rhs: 1)  // G[0, 0] = 1
        p.addTerm(row: 0, [(0, 1)])
        for k in 1...layerCount {
            let w = weights[k - 1], bias = biases[k - 1]
            for m in 0..<sizes[k] {
                let v = offsets[k] + m
                let row = (0..<sizes[k - 1]).map { (index: offsets[k - 1] + $0, value: w[m, $0]) }
                p.addConstraint(rhs: 0)  // z − s = 0
                p.addTerm(row: 0, [(v, 1)])
                p.addSlack()
                p.addConstraint(rhs: bias[m])  // z − W z' − s = b
                p.addTerm(row: 0, [(v, 1)] + row.map { ($0.index, -$0.value) })
                p.addSlack()
                p.addConstraint(rhs: 0)  // Σ W G[z', z] + b z − Z − s = 0
                p.addTerm(row: v, [(0, bias[m]), (v, -1)] + row)
                p.addSlack()
            }
        }
        let last = layerCount
        let targetNorm2 = target.reduce(0) { $0 + $1 * $1 }
        p.addConstraint(rhs: targetNorm2 - radius * radius)  // 2⟨z, ẑ⟩ − tr Z − s = ‖ẑ‖² − ρ²
        for m in 0..<sizes[last] {
            let v = offsets[last] + m
            p.addTerm(row: v, [(0, 2 * target[m]), (v, -1)])
        }
        p.addSlack()
        p.objectiveOffset = center.reduce(0) { $0 + $1 * $1 }
        for n in 0..<sizes[0] {  // tr X − 2⟨x, x̂⟩ + ‖x̂‖²
            p.addObjective(offsets[0] + n, offsets[0] + n, 1)
            p.addObjective(0, offsets[0] + n, -center[n])
        }
        return (p, offsets)
    }

    /// The solution of the relaxation read off a lifted matrix `G` (objective with `‖x̂‖²`, the
    /// first-row blocks, the rank-1 ratio λ₁/λ₂; no eigenvalues for an infeasible or non-finite G).
    ///
    /// - Complexity: one symmetric eigen-decomposition (values only) of G.
    func solution(lifted g: Matrix<Double>, offsets: [Int], status: LeastSquaresSolution.Status) throws -> LeastSquaresSolution {
        func row(_ k: Int) -> [Double] { (0..<sizes[k]).map { g[0, offsets[k] + $0] } }
        let x = row(0)
        var objective = center.reduce(0) { $0 + $1 * $1 }
        for n in 0..<sizes[0] {
            let i = offsets[0] + n
            objective += g[i, i] - 2 * x[n] * center[n]
        }
        let eigen = status == .infeasible || !g.isFinite ? [] : try g.symmetricEigen(.all, vectors: false).values
        return LeastSquaresSolution(
            status: status, objective: objective, x: x, z: (1...layerCount).map(row),
            rankRatio: LeastSquaresSolution.rankRatio(ascending: eigen))
    }
}
