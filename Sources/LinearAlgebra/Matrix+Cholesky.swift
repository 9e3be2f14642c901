extension Matrix {
    /// A rigorous lower bound on the smallest eigenvalue of this symmetric matrix from a
    /// floating-point Cholesky factorisation (LAPACK `potrf`), or nil when the factorisation
    /// breaks down (the matrix is not numerically positive definite).
    ///
    /// When Cholesky runs to completion, the computed factor R satisfies (Higham, *Accuracy and
    /// Stability of Numerical Algorithms*, Thm. 10.3)
    ///
    /// ```
    /// RᵀR = A + ΔA,   |ΔA| ≤ γ_{n+1} |Rᵀ||R|,   γ_k = k u / (1 − k u)
    /// ```
    /// so `A ⪰ −ΔA` and `λ_min(A) ≥ −‖ΔA‖₂ ≥ −γ_{n+1} ‖R‖_F²`. The returned value is that bound,
    /// with ‖R‖_F² itself rounded up. It concerns the matrix as stored: errors made while forming
    /// it are the caller's to add. Only the upper triangle is read.
    ///
    /// - Throws: `LinearAlgebraError.dimensionMismatch` for a non-square matrix, `.nonFinite` for
    ///   NaN/∞ entries, `.lapack(routine: "potrf", info:)` for an illegal argument.
    /// - Complexity: one `potrf` Cholesky factorisation, n³/3 multiply-adds (a quarter of an
    ///   eigen-decomposition's).
    public func choleskyMinimumEigenvalueBound() throws -> Scalar? {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("potrf needs a square matrix, got \(rows)×\(columns)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFinite("matrix passed to potrf") }
        let n = rows
        if n == 0 { return 0 }
        var a = elements
        let info = a.withUnsafeMutableBufferPointer { Scalar.kernels.potrf(n, $0.baseAddress!) }
        if info > 0 { return nil }
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "potrf", info: Int(info)) }
        var squares: Scalar = 0
        for i in 0..<n {
            for j in i..<n { squares += a[i * n + j] * a[i * n + j] }
        }
        let u = Scalar.ulpOfOne / 2
        // The sum of n(n+1)/2 squares: relative error at most γ_{n²}; then γ_{n+1}.
        let count = Scalar(n * n + n + 2)
        let gamma = Scalar(n + 1) * u / (1 - Scalar(n + 1) * u)
        return -gamma * squares * (1 + 2 * count * u)
    }
}
