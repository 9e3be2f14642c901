import Foundation
import LinearAlgebra

/// Problem (B)'s SDP relaxation (paper 2, the multi-layer form of (6.1); formulations.md) solved by
/// CSDP's interior-point method, which converges to a maximum-rank solution: a rank-1 answer
/// therefore means the relaxation is tight.
///
/// With `G = [1 xᵀ z_1ᵀ … z_ℓᵀ]ᵀ[…] ⪰ 0`, `G[1] = 1`, `Y_k = G[z_{k−1} z_kᵀ]`, `z_0 = x`:
/// ```
/// L_lb² = min tr(X) − 2⟨x, x̂⟩ + ‖x̂‖²
///   s.t.  z_k ≥ 0,  z_k ≥ W z_{k−1} + b,  diag(Z_k) ≤ diag(W Y_k) + b ⊙ z_k     (k = 1 … ℓ)
///         tr(Z_ℓ) − 2⟨z_ℓ, ẑ⟩ + ‖ẑ‖² ≤ ρ²
/// ```
/// - Complexity: one CSDP solve with `1 + 3·Σn_k + 1` constraints on a `(1 + Σ_{k≥0} n_k)`-square
///   block, plus one dense eigen-decomposition of `G` for the rank test.
public func solveLeastSquaresRelaxation(_ problem: LeastSquaresProblem) throws -> LeastSquaresSolution {
    let start = Date()
    let sizes = problem.sizes
    var offsets = [2]  // CSDP index of the first variable of each layer (index 1 is the constant)
    for n in sizes { offsets.append(offsets[offsets.count - 1] + n) }
    var q = CSDPProgram(size: offsets[offsets.count - 1] - 1)
    q.begin(rhs: 1)  // G[1] = 1
    q.entry(1, 1, 1)
    for k in 1...problem.layerCount {
        let w = problem.weights[k - 1], bias = problem.biases[k - 1]
        for m in 0..<sizes[k] {
            let v = offsets[k] + m
            q.begin(rhs: 0)  // z − s = 0
            q.entry(1, v, 0.5)
            q.slack()
            q.begin(rhs: bias[m])  // z − W z' − s = b
            q.entry(1, v, 0.5)
            for n in 0..<sizes[k - 1] { q.entry(1, offsets[k - 1] + n, -0.5 * w[m, n]) }
            q.slack()
            q.begin(rhs: 0)  // Σ W G[z', z] + b z − Z − s = 0
            for n in 0..<sizes[k - 1] { q.entry(offsets[k - 1] + n, v, 0.5 * w[m, n]) }
            q.entry(1, v, 0.5 * bias[m])
            q.entry(v, v, -1)
            q.slack()
        }
    }
    let last = problem.layerCount
    let targetNorm2 = problem.target.reduce(0) { $0 + $1 * $1 }
    q.begin(rhs: targetNorm2 - problem.radius * problem.radius)  // 2⟨z, ẑ⟩ − tr Z − s = ‖ẑ‖² − ρ²
    for m in 0..<sizes[last] {
        let v = offsets[last] + m
        q.entry(1, v, problem.target[m])
        q.entry(v, v, -1)
    }
    q.slack()
    for n in 0..<sizes[0] {  // maximise −tr X + 2⟨x, x̂⟩
        q.objective(offsets[0] + n, offsets[0] + n, -1)
        q.objective(1, offsets[0] + n, problem.center[n])
    }

    let solution = q.solve(keepPrimal: true)
    let status: LeastSquaresSolution.Status
    // CSDP's codes: 0 solved; 1 primal infeasible; 3 "partial success" (solved, full accuracy not
    // reached: the relative gap is still small, so the rank test stands); 2 and 4–8 failures (dual
    // infeasible, iteration limit, stuck at an edge, lack of progress, singular): the iterate is kept
    // and marked inaccurate, never counted as rank 1; 9 (NaN or ∞) leaves nothing to keep.
    switch solution.code {
    case 0, 3: status = .optimal
    case 1: status = .infeasible
    case 2, 4, 5, 6, 7, 8: status = .inaccurate
    default: throw CertifierError.solverFailed("CSDP returned code \(solution.code) on problem (B)")
    }
    guard let g = solution.primal else { throw CertifierError.solverFailed("CSDP returned no primal matrix") }
    func row(_ k: Int) -> [Double] { (0..<sizes[k]).map { g[0, offsets[k] - 1 + $0] } }
    let x = row(0)
    var objective = problem.center.reduce(0) { $0 + $1 * $1 }
    for n in 0..<sizes[0] {
        let i = offsets[0] - 1 + n
        objective += g[i, i] - 2 * x[n] * problem.center[n]
    }
    let eigen = status == .infeasible || !g.isFinite ? [] : try g.symmetricEigen(.all, vectors: false).values
    var result = LeastSquaresSolution(
        status: status, objective: objective, x: x, z: (1...problem.layerCount).map(row),
        rankRatio: LeastSquaresSolution.rankRatio(ascending: eigen), iterations: 0,
        seconds: Date().timeIntervalSince(start))
    result.solverCode = Int(solution.code)
    return result
}
