extension Matrix where Scalar == Double {
    /// The weighted Gram matrix of the rows, `AᵀDA = Σ_i d_i a_i a_iᵀ` (weights of any sign).
    ///
    /// - Precondition: `d` has one entry per row.
    /// - Complexity: one `gemm`, `rows · columns²` multiply-adds.
    public func weightedGram(_ d: [Double]) throws -> Matrix<Double> {
        precondition(d.count == rows, "weightedGram: one weight per row")
        var scaled = self
        for i in 0..<rows {
            for j in 0..<columns { scaled.elements[i * columns + j] *= d[i] }
        }
        return try multiplied(by: scaled, transposeSelf: true)
    }
}
