/// Full re-orthogonalisation of a Lanczos vector, shared by `lanczosLargest` and
/// `lanczosLargestBatched`: removes from `w` its components along the `count` orthonormal basis
/// vectors stored as the rows of `basis` (row-major, `length` columns), classical Gram–Schmidt
/// twice (twice is enough):
///
/// ```
/// c = Q w,   w ← w − Qᵀ c
/// ```
/// `scratch` holds at least `count` numbers (the coefficients c).
///
/// - Complexity: four BLAS `gemv` of order `count × length`.
@inline(__always)
func reorthogonalise<Scalar: BLASScalar>(
    _ w: UnsafeMutablePointer<Scalar>, against basis: UnsafePointer<Scalar>, count: Int, length n: Int,
    scratch: UnsafeMutablePointer<Scalar>
) {
    for _ in 0..<2 {
        Scalar.kernels.gemv(false, count, n, 1, basis, n, w, 0, scratch)
        Scalar.kernels.gemv(true, count, n, -1, basis, n, scratch, 1, w)
    }
}
