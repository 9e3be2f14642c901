import LinearAlgebra

extension RankTwoLagrangian {
    /// The dual slack `S(y) = C + Σ y_i A_i + y_0 E_00` as a dense symmetric matrix of the lifted
    /// space `(t, x_0, …, x_ℓ)`, column by column through `slackProduct` (blocks of `block`
    /// identity columns at once), symmetrised as `(S + Sᵀ)/2`.
    ///
    /// - Complexity: `⌈N / block⌉` slack products on `block` columns (two passes through the
    ///   weights each), `N = 1 + Σ n_k`; N² numbers.
    func denseSlack(_ y: [Double], constant y0: Double, block: Int = 256) throws -> Matrix<Double> {
        let offsets = vectorOffsets, dimension = 1 + sizes.reduce(0, +)
        var s = Matrix<Double>(rows: dimension, columns: dimension)
        var start = 0
        while start < dimension {
            let count = min(block, dimension - start)
            var t = [Double](repeating: 0, count: count)
            var x = sizes.map { Matrix<Double>(rows: count, columns: $0) }
            for c in 0..<count {
                let j = start + c
                if j == 0 { t[c] = 1; continue }
                let k = offsets.lastIndex(where: { $0 <= j })!
                x[k][c, j - offsets[k]] = 1
            }
            let (tOut, out) = try slackProduct(y, constant: y0, t: t, x: x, wx: try forward(x))
            for c in 0..<count {
                let j = start + c
                s[0, j] = tOut[c]
                for k in sizes.indices {
                    for i in 0..<sizes[k] { s[offsets[k] + i, j] = out[k][c, i] }
                }
            }
            start += count
        }
        for i in 0..<dimension {
            for j in (i + 1)..<dimension {
                let mean = 0.5 * (s[i, j] + s[j, i])
                s[i, j] = mean
                s[j, i] = mean
            }
        }
        return s
    }

    /// A rigorous lower bound on `λ_min` of `denseSlack(y, constant: y0)` as formed:
    /// `−λ_upper(−S)` by `Matrix.largestEigenvalueUpperBound` (a shifted Cholesky factorisation,
    /// or LAPACK with its backward error). Errors made while forming S (each entry a short sum,
    /// rounded relative to its terms) are not covered.
    ///
    /// - Complexity: `denseSlack`, then one or two Cholesky factorisations of an N × N matrix
    ///   (N³/3 each), or one `syevr`.
    func slackMinimumEigenvalueBound(_ y: [Double], constant y0: Double) throws -> Double {
        var s = try denseSlack(y, constant: y0)
        for i in s.elements.indices { s.elements[i] = -s.elements[i] }
        return -(try s.largestEigenvalueUpperBound())
    }
}
