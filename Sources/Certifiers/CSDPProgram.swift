import CCSDP
import Foundation
import LinearAlgebra

/// An SDP in CSDP's standard form, built one constraint at a time, and its solve.
///
/// ```
/// max tr(C X)   s.t.   tr(A_i X) = rhs_i,   X = diag(X₁, diag(s)) ⪰ 0
/// ```
/// `X₁` is the `size × size` matrix block (indices are 1-based, as CSDP's); every inequality gets a
/// slack `s ≥ 0` in the diagonal block. An entry `(i, j, v)` with `i ≠ j` stands for the symmetric
/// pair, so it contributes `2 v X_ij` to `tr(A X)`.
struct CSDPProgram {
    /// Order of the matrix block.
    let size: Int
    private(set) var objective: [(i: Int32, j: Int32, v: Double)] = []
    private(set) var entries: [(con: Int32, block: Int32, i: Int32, j: Int32, v: Double)] = []
    private(set) var rhs: [Double] = []
    private(set) var slacks = 0

    init(size: Int) { self.size = size }

    /// Number of constraints so far.
    var constraintCount: Int { rhs.count }

    /// Starts constraint `constraintCount + 1` with right-hand side `value`.
    mutating func begin(rhs value: Double) { rhs.append(value) }

    /// Adds `v` at `(i, j)` of the current constraint's matrix block (zero entries are skipped).
    mutating func entry(_ i: Int, _ j: Int, _ v: Double) {
        if v != 0 { entries.append((Int32(rhs.count), 1, Int32(min(i, j)), Int32(max(i, j)), v)) }
    }

    /// Gives the current constraint a slack: `tr(A X) + coefficient · s = rhs`, `s ≥ 0` (by default
    /// `tr(A X) − s = rhs`). Call after its entries.
    mutating func slack(coefficient: Double = -1) {
        slacks += 1
        entries.append((Int32(rhs.count), 2, Int32(slacks), Int32(slacks), coefficient))
    }

    /// Adds `v` at `(i, j)` of `C`.
    mutating func objective(_ i: Int, _ j: Int, _ v: Double) {
        if v != 0 { objective.append((Int32(min(i, j)), Int32(max(i, j)), v)) }
    }

    /// CSDP's answer.
    struct Solution {
        /// CSDP's return code: 0 solved, 1 primal infeasible, 2 dual infeasible, 3 partial success,
        /// 4 iteration limit, 5–10 failures (CSDP user's guide).
        var code: Int32
        /// The dual vector, one entry per constraint.
        var y: [Double]
        var primalObjective: Double
        var dualObjective: Double
        /// The matrix block `X₁` (when asked for).
        var primal: Matrix<Double>?
    }

    /// Solves with CSDP's `easy_sdp` (its progress output discarded unless the environment sets
    /// `SDPCERT_CSDP_VERBOSE=1`).
    ///
    /// - Complexity: one interior-point solve, O(iterations · (k³ + k·size²)) for k constraints.
    func solve(keepPrimal: Bool = false) -> Solution {
        var y = [Double](repeating: 0, count: rhs.count)
        var pobj = 0.0, dobj = 0.0
        var x = [Double](repeating: 0, count: keepPrimal ? size * size : 0)
        let code = x.withUnsafeMutableBufferPointer { px in
            ccsdp_solve(
                Int32(size), Int32(slacks), Int32(rhs.count), rhs,
                Int32(objective.count), objective.map(\.i), objective.map(\.j), objective.map(\.v),
                Int32(entries.count), entries.map(\.con), entries.map(\.block), entries.map(\.i),
                entries.map(\.j), entries.map(\.v), &y, &pobj, &dobj, keepPrimal ? px.baseAddress : nil,
                ProcessInfo.processInfo.environment["SDPCERT_CSDP_VERBOSE"] == "1" ? 0 : 1)
        }
        let primal = keepPrimal ? try? Matrix(rows: size, columns: size, elements: x) : nil
        return Solution(code: code, y: y, primalObjective: pobj, dualObjective: dobj, primal: primal)
    }
}
