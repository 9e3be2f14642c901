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

/// Problem (B)'s SDP relaxation solved by the structured interior-point method
/// (`RowTermSDP.solveInteriorPoint`): the same program and the same maximum-rank property as
/// CSDP, with a Schur complement formed from the rank-2 terms instead of sparse matrices, so a
/// ReLU row of W costs O(n) instead of O(n²) per constraint pair.
///
/// `solverCode`: 0 optimal, 3 partial (gap and infeasibilities within 1000× the tolerance, as CSDP's
/// code 3), 1 infeasible, 5 failed.
///
/// - Complexity: one interior-point solve (O(T²n + n²T + m³) per iteration for T terms and m
///   constraints), plus one eigen-decomposition of `G`.
public func solveLeastSquaresRelaxationIPM(
    _ problem: LeastSquaresProblem, options: InteriorPointOptions = InteriorPointOptions()
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
    return result
}
