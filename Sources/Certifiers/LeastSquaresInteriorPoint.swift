import Foundation
import LinearAlgebra

/// Problem (B)'s SDP relaxation solved by the structured interior-point method
/// (`RowTermSDP.solveInteriorPoint`): the same program and the same maximum-rank property as
/// CSDP, with a Schur complement formed from the rank-2 terms instead of sparse matrices, so a
/// ReLU row of W costs O(n) instead of O(n²) per constraint pair.
///
/// `solverCode`: 0 optimal, 3 partial (gap and infeasibilities within 1000× the tolerance, as CSDP's
/// code 3), 1 infeasible, 5 failed. The gap is CSDP's default one, the complementarity `⟨X, Z⟩`
/// (`InteriorPointOptions.GapMeasure.complementarity`); the objective gap is reported beside it
/// (`objectiveGap`): at small ρ the dual vector grows like 1/ρ (|y| ≈ 3e4 on dense-3, k = 2,
/// ρ = 0.01) and a primal residual of 1e-8 holds the objective gap near 3e-5 while μ → 1e-12.
///
/// - Complexity: one interior-point solve (O(T²n + n²T + m³) per iteration for T terms and m
///   constraints), plus one eigen-decomposition of `G`.
public func solveLeastSquaresRelaxationIPM(
    _ problem: LeastSquaresProblem, options: InteriorPointOptions = .leastSquares
) throws -> LeastSquaresSolution {
    let start = Date()
    let (program, offsets) = problem.relaxation()
    // Solve in variables centred at x̂ (input) and ẑ (last layer): see `RowTermSDP.shifted(by:)`.
    var shift = [Double](repeating: 0, count: program.size)
    for (n, v) in problem.center.enumerated() { shift[offsets[0] + n] = v }
    for (m, v) in problem.target.enumerated() { shift[offsets[problem.layerCount] + m] = v }
    var answer = try program.shifted(by: shift).solveInteriorPoint(options)
    answer.x = RowTermSDP.unshift(answer.x, by: shift)
    let status: LeastSquaresSolution.Status
    let code: Int
    switch answer.status {
    case .optimal: (status, code) = (.optimal, 0)
    case .partial: (status, code) = (.optimal, 3)
    case .infeasible: (status, code) = (.infeasible, 1)
    case .failed: (status, code) = (.inaccurate, 5)
    }
    var result = try problem.solution(lifted: answer.x, offsets: offsets, status: status)
    result.iterations = answer.iterations
    result.seconds = Date().timeIntervalSince(start)
    result.solverCode = code
    result.objectiveGap = answer.objectiveGap
    return result
}

extension InteriorPointOptions {
    /// The defaults with CSDP's default stopping rule (the complementarity gap), for problem (B).
    public static var leastSquares: InteriorPointOptions {
        var options = InteriorPointOptions()
        options.gap = .complementarity
        return options
    }
}
