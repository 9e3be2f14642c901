extension SparseRowMatrix {
    /// The weighted Gram matrix of the rows, dense (`columns × columns`):
    ///
    /// ```
    /// AᵀDA = Σ_i d_i a_i a_iᵀ     (a_i the i-th row, D = diag(d))
    /// ```
    /// Rows with `d_i = 0` are skipped.
    ///
    /// - Precondition: `d` has one entry per row.
    /// - Complexity: O(Σ_i nnz(a_i)²) multiply-adds (16² per row of a 4 × 4 convolution).
    public func weightedGram(_ d: [Double]) -> Matrix<Double> {
        precondition(d.count == rows, "weightedGram: one weight per row")
        var out = Matrix<Double>(rows: columns, columns: columns)
        out.elements.withUnsafeMutableBufferPointer { o in
            for i in 0..<rows where d[i] != 0 {
                let range = rowStarts[i]..<rowStarts[i + 1]
                for k in range {
                    let scaled = d[i] * values[k], base = columnIndices[k] * columns
                    for l in range { o[base + columnIndices[l]] += scaled * values[l] }
                }
            }
        }
        return out
    }
}
