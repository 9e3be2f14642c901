import LinearAlgebra

extension RankTwoLagrangian {
    /// `W_kᵀ diag(d) W_k` (dense, `n_k × n_k`), from the sparse rows where `W_k` is sparse.
    ///
    /// - Complexity: O(Σ_i nnz(row_i)²) sparse, else one `gemm` (`n_{k+1} n_k²`).
    func weightedGram(layer k: Int, _ d: [Double]) throws -> Matrix<Double> {
        if let sparse = sparseWeights[k] { return sparse.weightedGram(d) }
        return try problem.weights[k].weightedGram(d)
    }
}
