import LinearAlgebra

extension LayeredSymmetricMatrix {
    /// The product `S V` for a factor V with `size` rows:
    ///
    /// ```
    /// (S V)_0 = s₀₀ v₀ + Σ_i h_i v_i
    /// (S V)_k = h_k v₀ᵀ + diag(δ_k) V_k + diag(σ_k) U_k V_{k−1} + U_{k+1}ᵀ diag(σ_{k+1}) V_{k+1}
    /// ```
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when V does not have `size` rows.
    /// - Complexity: two `gemm`s per coupling, O(V.columns · Σ_k nnz U_k) flops each.
    func multiplied(by v: Matrix<Double>) throws -> Matrix<Double> {
        let n = size, r = v.columns
        guard v.rows == n else {
            throw LinearAlgebraError.dimensionMismatch("layered product: V has \(v.rows) rows, S is \(n)×\(n)")
        }
        var out = Matrix<Double>(rows: n, columns: r)
        for c in 0..<r { out[0, c] = head[0] * v[0, c] }
        for i in 1..<max(n, 1) {
            let h = head[i], d = diagonal[i]
            for c in 0..<r {
                out[0, c] += h * v[i, c]
                out[i, c] = h * v[0, c] + d * v[i, c]
            }
        }
        let layers = couplings.layers
        func rows(_ range: Range<Int>, scaledBy sigma: [Double]? = nil) throws -> Matrix<Double> {
            var block = try Matrix(rows: range.count, columns: r, elements: Array(v.elements[(range.lowerBound * r)..<(range.upperBound * r)]))
            if let sigma {
                for (t, i) in range.enumerated() { for c in 0..<r { block[t, c] *= sigma[i] } }
            }
            return block
        }
        for k in 1..<max(layers.count, 1) where !layers[k].isEmpty && !layers[k - 1].isEmpty {
            let u = couplings.forward[k - 1]
            let down = try u.multiplied(by: rows(layers[k - 1]))
            for (t, i) in layers[k].enumerated() {
                let sigma = rowScale[i]
                for c in 0..<r { out[i, c] += sigma * down[t, c] }
            }
            let up = try u.multiplied(by: rows(layers[k], scaledBy: rowScale), transposeSelf: true)
            for (t, i) in layers[k - 1].enumerated() { for c in 0..<r { out[i, c] += up[t, c] } }
        }
        return out
    }
}
