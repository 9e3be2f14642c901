import LinearAlgebra

extension RankTwoLagrangian {
    /// Per row m of `W_0`: `Σ_j |W_mj x_j|` and the row's number of nonzeros (rounding error bounds
    /// of `W_0 x`).
    ///
    /// - Complexity: one pass over `W_0`'s nonzeros (all entries when dense).
    func absoluteRowProducts(_ x: [Double]) -> (sum: [Double], count: [Int]) {
        let n = sizes[1]
        var sum = [Double](repeating: 0, count: n), count = [Int](repeating: 0, count: n)
        forEachNonzero { m, j, w in
            sum[m] += abs(w * x[j])
            count[m] += 1
        }
        return (sum, count)
    }

    /// Per column j of `W_0`: `Σ_m |W_mj| v_m` (v ≥ 0) and the column's number of nonzeros
    /// (rounding error bounds of `W_0ᵀ v`).
    ///
    /// - Complexity: one pass over `W_0`'s nonzeros.
    func absoluteColumnProducts(_ v: [Double]) -> (sum: [Double], count: [Int]) {
        let n0 = sizes[0]
        var sum = [Double](repeating: 0, count: n0), count = [Int](repeating: 0, count: n0)
        forEachNonzero { m, j, w in
            sum[j] += abs(w) * v[m]
            count[j] += 1
        }
        return (sum, count)
    }

    /// Per column i of `W_0`: `Σ_m |c_m| |W_mi| ‖W_m‖₁`, the absolute row sums of `|W_0|ᵀ |diag(c)| |W_0|`
    /// (a bound on the 2-norm of the rounding error of `W_0ᵀ diag(c) W_0`, times the entries' γ).
    ///
    /// - Complexity: two passes over `W_0`'s nonzeros.
    func absoluteGramRowSums(_ c: [Double]) -> [Double] {
        var rowNorms = [Double](repeating: 0, count: sizes[1])
        forEachNonzero { m, _, w in rowNorms[m] += abs(w) }
        var out = [Double](repeating: 0, count: sizes[0])
        forEachNonzero { m, i, w in out[i] += abs(c[m]) * abs(w) * rowNorms[m] }
        return out
    }

    /// Calls `body(m, j, W_mj)` for every nonzero of `W_0`, row by row.
    private func forEachNonzero(_ body: (Int, Int, Double) -> Void) {
        if let sparse = sparseWeights[0] {
            for m in 0..<sparse.rows {
                for k in sparse.rowStarts[m]..<sparse.rowStarts[m + 1] { body(m, sparse.columnIndices[k], sparse.values[k]) }
            }
            return
        }
        let w = problem.weights[0]
        for m in 0..<w.rows {
            for j in 0..<w.columns where w[m, j] != 0 { body(m, j, w[m, j]) }
        }
    }
}
