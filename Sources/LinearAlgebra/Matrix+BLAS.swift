import COpenBLAS

/// Matrix products through BLAS.
extension Matrix {
    /// `C ← α·op(A)·op(B) + β·C`, in place on `self` (BLAS `gemm`).
    ///
    /// ```
    /// op(X) = X or Xᵀ
    /// ```
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when the shapes do not fit.
    /// - Complexity: one BLAS `gemm`, O(m·n·k) flops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func gemm(
        _ alpha: Scalar, _ a: Matrix, transposeA: Bool = false, _ b: Matrix,
        transposeB: Bool = false, beta: Scalar
    ) throws {
        let (m, ka) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard ka == kb, m == rows, n == columns else {
            throw LinearAlgebraError.dimensionMismatch(
                "gemm: op(A) is \(m)×\(ka), op(B) is \(kb)×\(n), C is \(rows)×\(columns)")
        }
        if m == 0 || n == 0 { return }
        if ka == 0 {
            for i in elements.indices { elements[i] *= beta }
            return
        }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    Scalar.kernels.gemm(
                        transposeA, transposeB, m, n, ka, alpha, pa.baseAddress!, a.columns,
                        pb.baseAddress!, b.columns, beta, pc.baseAddress!, n)
                }
            }
        }
    }

    /// The product `op(self) · op(other)` (BLAS `gemm`).
    ///
    /// - Complexity: one BLAS `gemm`.
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) throws -> Matrix {
        let m = transposeSelf ? columns : rows
        let n = transposeOther ? other.rows : other.columns
        var c = Matrix(rows: m, columns: n)
        try c.gemm(1, self, transposeA: transposeSelf, other, transposeB: transposeOther, beta: 0)
        return c
    }

    /// `op(self) · x` for a vector `x` (BLAS `gemv`).
    ///
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when `x` has the wrong length.
    /// - Complexity: one BLAS `gemv`, O(rows × columns) flops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply(_ x: [Scalar], transposed: Bool = false) throws -> [Scalar] {
        let (m, n) = transposed ? (columns, rows) : (rows, columns)
        guard x.count == n else {
            throw LinearAlgebraError.dimensionMismatch(
                "gemv: op(A) is \(m)×\(n), x has \(x.count) entries")
        }
        var y = [Scalar](repeating: 0, count: m)
        if m == 0 || n == 0 { return y }
        elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Scalar.kernels.gemv(
                        transposed, rows, columns, 1, pa.baseAddress!, columns, px.baseAddress!,
                        0, py.baseAddress!)
                }
            }
        }
        return y
    }

    /// Adds `v` to every row: `self[i, j] += v[j]` (a bias over a batch of row vectors).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func addToEachRow(_ v: [Scalar]) {
        precondition(v.count == columns, "addToEachRow: vector length \(v.count) ≠ \(columns)")
        elements.withUnsafeMutableBufferPointer { p in
            for i in 0..<rows {
                let base = i * columns
                for j in 0..<columns { p[base + j] += v[j] }
            }
        }
    }
}

/// Control of the BLAS thread pool.
public enum BLASThreads {
    /// The number of threads OpenBLAS uses.
    public static var count: Int {
        get { Int(copenblas_get_threads()) }
        set { copenblas_set_threads(Int32(newValue)) }
    }
}
