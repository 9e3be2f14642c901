/// The Cholesky factor `A = RᵀR` of a symmetric positive definite matrix, and what it solves.
///
/// The factor is upper triangular (row-major, zeros below the diagonal). Interior-point methods
/// use it for inverses, linear solves and the largest step that keeps a matrix positive definite.
public struct CholeskyFactor<Scalar: BLASScalar>: Sendable {
    /// The upper-triangular factor R.
    public let factor: Matrix<Scalar>

    /// Factors a symmetric matrix (upper triangle read); `nil` when it is not numerically positive
    /// definite.
    ///
    /// - Throws: `LinearAlgebraError.dimensionMismatch` for a non-square matrix, `.nonFinite` for
    ///   NaN/∞ entries, `.lapack` for an illegal argument.
    /// - Complexity: one `potrf`, n³/3 multiply-adds.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init?(_ a: Matrix<Scalar>) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.dimensionMismatch("potrf needs a square matrix, got \(a.rows)×\(a.columns)")
        }
        guard a.isFinite else { throw LinearAlgebraError.nonFinite("matrix passed to potrf") }
        let n = a.rows
        var r = a
        if n > 0 {
            let info = r.elements.withUnsafeMutableBufferPointer { Scalar.kernels.potrf(n, $0.baseAddress!) }
            if info > 0 { return nil }
            guard info == 0 else { throw LinearAlgebraError.lapack(routine: "potrf", info: Int(info)) }
        }
        for i in 0..<n { for j in 0..<i { r.elements[i * n + j] = 0 } }
        factor = r
    }

    /// Order of the matrix.
    public var order: Int { factor.rows }

    /// `A⁻¹`, symmetric (LAPACK `potri`).
    ///
    /// - Complexity: one `potri`, 2n³/3 multiply-adds.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse() throws -> Matrix<Scalar> {
        var a = try onFactorCopy("potri", Scalar.kernels.potri)
        let n = order
        for i in 0..<n { for j in 0..<i { a.elements[i * n + j] = a.elements[j * n + i] } }
        return a
    }

    /// A LAPACK routine run in place on a copy of R (`potri`, `trtri`), its `info` checked.
    private func onFactorCopy(
        _ routine: String, _ kernel: (Int, UnsafeMutablePointer<Scalar>) -> Int32
    ) throws -> Matrix<Scalar> {
        let n = order
        var a = factor
        if n == 0 { return a }
        let info = a.elements.withUnsafeMutableBufferPointer { kernel(n, $0.baseAddress!) }
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: routine, info: Int(info)) }
        return a
    }

    /// `A⁻¹ b` (`Rᵀ y = b`, then `R x = y`).
    ///
    /// - Complexity: two triangular solves (BLAS `trsv`), 2n² multiply-adds.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func solve(_ b: [Scalar]) throws -> [Scalar] {
        let n = order
        guard b.count == n else {
            throw LinearAlgebraError.dimensionMismatch("potrs: the matrix has order \(n), b has \(b.count) entries")
        }
        var x = b
        if n == 0 { return x }
        factor.elements.withUnsafeBufferPointer { pr in
            x.withUnsafeMutableBufferPointer { Scalar.kernels.potrs(n, pr.baseAddress!, $0.baseAddress!) }
        }
        return x
    }

    /// `R⁻¹`, upper triangular (LAPACK `trtri`).
    ///
    /// - Complexity: one `trtri`, n³/3 multiply-adds.
    public func factorInverse() throws -> Matrix<Scalar> {
        try onFactorCopy("trtri", Scalar.kernels.trtri)
    }

    /// The largest `α ≤ limit` with `A + α D ⪰ 0`, for a symmetric direction `D`:
    ///
    /// ```
    /// α = −1 / λ_min(R⁻ᵀ D R⁻¹)   when λ_min < 0,   else limit
    /// ```
    /// `factorInverse` is R⁻¹ when the caller already has it (several directions from one factor).
    ///
    /// - Complexity: two `gemm`s and one smallest-eigenvalue `syevr`, plus one `trtri` unless
    ///   `factorInverse` is given.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func maximumStep(along d: Matrix<Scalar>, limit: Scalar, factorInverse given: Matrix<Scalar>? = nil) throws -> Scalar {
        let n = order
        guard d.rows == n, d.columns == n else {
            throw LinearAlgebraError.dimensionMismatch("step direction is \(d.rows)×\(d.columns), the matrix \(n)×\(n)")
        }
        if n == 0 { return limit }
        let rInverse = try given ?? factorInverse()
        let left = try rInverse.multiplied(by: d, transposeSelf: true)
        let scaled = try left.multiplied(by: rInverse)
        let lambda = try scaled.symmetricEigen(.smallest, vectors: false).values[0]
        return lambda < 0 ? min(limit, -1 / lambda) : limit
    }
}
