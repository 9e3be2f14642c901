import Foundation
import LinearAlgebra

/// Problem (B)'s SDP relaxation (`LeastSquaresProblem.relaxation()`) solved by CSDP's
/// interior-point method, which converges to a maximum-rank solution: a rank-1 answer therefore
/// means the relaxation is tight.
///
/// - Complexity: one CSDP solve with `1 + 3·Σn_k + 1` constraints on a `(1 + Σ_{k≥0} n_k)`-square
///   block, plus one dense eigen-decomposition of `G` for the rank test.
public func solveLeastSquaresRelaxation(_ problem: LeastSquaresProblem) throws -> LeastSquaresSolution {
    let start = Date()
    let (program, offsets) = problem.relaxation()
    let solution = program.csdpProgram().solve(keepPrimal: true)
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
    var result = try problem.solution(lifted: g, offsets: offsets, status: status)
    result.seconds = Date().timeIntervalSince(start)
    result.solverCode = Int(solution.code)
    return result
}
