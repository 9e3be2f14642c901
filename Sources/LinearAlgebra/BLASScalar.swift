import CLAPACKE
import COpenBLAS
@_exported import RealModule

/// A floating-point type with BLAS and LAPACK kernels (`Float` → `s…`, `Double` → `d…`).
///
/// Generic code in the harness is written once over `BLASScalar`; the two conformances below are
/// the only place where the single- and double-precision routines are named. The kernels are an
/// opaque table so that no C pointer appears in the public API.
public protocol BLASScalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// The BLAS/LAPACK routines of this precision.
    static var kernels: BLASKernels<Self> { get }
}

/// The BLAS/LAPACK routines of one precision, called by `Matrix` and the eigen-solvers.
public struct BLASKernels<Scalar>: Sendable {
    /// `C ← α·op(A)·op(B) + β·C` on row-major storage (BLAS `gemm`):
    /// transA, transB, m, n, k, α, A, lda, B, ldb, β, C, ldc.
    let gemm: @Sendable (
        Bool, Bool, Int, Int, Int, Scalar, UnsafePointer<Scalar>, Int,
        UnsafePointer<Scalar>, Int, Scalar, UnsafeMutablePointer<Scalar>, Int) -> Void
    /// `y ← α·op(A)·x + β·y` on row-major storage (BLAS `gemv`): trans, m, n, α, A, lda, x, β, y.
    let gemv: @Sendable (
        Bool, Int, Int, Scalar, UnsafePointer<Scalar>, Int, UnsafePointer<Scalar>, Scalar,
        UnsafeMutablePointer<Scalar>) -> Void
    /// LAPACK `syevr` on a row-major symmetric matrix (upper triangle read, destroyed):
    /// vectors, n, A, 1-based index range or nil for all, w, Z, ldz, isuppz → (info, found).
    let syevr: @Sendable (
        Bool, Int, UnsafeMutablePointer<Scalar>, ClosedRange<Int>?, UnsafeMutablePointer<Scalar>,
        UnsafeMutablePointer<Scalar>, Int, UnsafeMutablePointer<Int32>) -> (info: Int32, found: Int)
    /// LAPACK `potrf` on a row-major symmetric matrix (upper triangle read and overwritten by R
    /// with A = RᵀR): n, A → info (> 0: the leading minor of that order is not positive).
    let potrf: @Sendable (Int, UnsafeMutablePointer<Scalar>) -> Int32
    /// LAPACK `potri`: from the factor R of `potrf` (upper triangle, row-major), the upper triangle
    /// of A⁻¹: n, A → info.
    let potri: @Sendable (Int, UnsafeMutablePointer<Scalar>) -> Int32
    /// `potrs` for one right-hand side: solves A x = b in place from the factor R of `potrf`
    /// (A = RᵀR) by two BLAS `trsv` on the row-major storage: n, R, b. (LAPACKE's row-major
    /// `potrs` copies R transposed and scans it for NaNs on every call: half the one-layer CNN's
    /// BM2 time, whose preconditioner solves with a factor of order 784 once per L-BFGS step.)
    let potrs: @Sendable (Int, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    /// LAPACK `trtri` on an upper-triangular row-major matrix (non-unit diagonal): n, R → info.
    let trtri: @Sendable (Int, UnsafeMutablePointer<Scalar>) -> Int32
}

@inline(__always)
private func cblasTrans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

/// LAPACK's character arguments for `syevr`: jobz, range.
@inline(__always)
private func syevrFlags(_ vectors: Bool, _ range: ClosedRange<Int>?) -> (CChar, CChar) {
    (CChar(UInt8(ascii: vectors ? "V" : "N")), CChar(UInt8(ascii: range == nil ? "A" : "I")))
}

extension Float: BLASScalar {
    public static let kernels = BLASKernels<Float>(
        gemm: { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(
                CblasRowMajor, cblasTrans(transA), cblasTrans(transB), blasint(m), blasint(n),
                blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        },
        gemv: { trans, m, n, alpha, a, lda, x, beta, y in
            cblas_sgemv(
                CblasRowMajor, cblasTrans(trans), blasint(m), blasint(n), alpha, a, blasint(lda),
                x, 1, beta, y, 1)
        },
        syevr: { vectors, n, a, range, w, z, ldz, isuppz in
            var found: Int32 = 0
            let (jobz, which) = syevrFlags(vectors, range)
            let info = LAPACKE_ssyevr(
                clapacke_row_major(), jobz, which, CChar(UInt8(ascii: "U")), Int32(n), a,
                Int32(n), 0, 0, Int32(range?.lowerBound ?? 0),
                Int32(range?.upperBound ?? 0), 0, &found, w, z, Int32(ldz), isuppz)
            return (info, Int(found))
        },
        potrf: { n, a in
            LAPACKE_spotrf(clapacke_row_major(), CChar(UInt8(ascii: "U")), Int32(n), a, Int32(n))
        },
        potri: { n, a in
            LAPACKE_spotri(clapacke_row_major(), CChar(UInt8(ascii: "U")), Int32(n), a, Int32(n))
        },
        potrs: { n, r, b in
            // Rᵀ y = b, then R x = y.
            cblas_strsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, blasint(n), r, blasint(n), b, 1)
            cblas_strsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, blasint(n), r, blasint(n), b, 1)
        },
        trtri: { n, a in
            LAPACKE_strtri(
                clapacke_row_major(), CChar(UInt8(ascii: "U")), CChar(UInt8(ascii: "N")), Int32(n), a, Int32(n))
        })
}

extension Double: BLASScalar {
    public static let kernels = BLASKernels<Double>(
        gemm: { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_dgemm(
                CblasRowMajor, cblasTrans(transA), cblasTrans(transB), blasint(m), blasint(n),
                blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        },
        gemv: { trans, m, n, alpha, a, lda, x, beta, y in
            cblas_dgemv(
                CblasRowMajor, cblasTrans(trans), blasint(m), blasint(n), alpha, a, blasint(lda),
                x, 1, beta, y, 1)
        },
        syevr: { vectors, n, a, range, w, z, ldz, isuppz in
            var found: Int32 = 0
            let (jobz, which) = syevrFlags(vectors, range)
            let info = LAPACKE_dsyevr(
                clapacke_row_major(), jobz, which, CChar(UInt8(ascii: "U")), Int32(n), a,
                Int32(n), 0, 0, Int32(range?.lowerBound ?? 0),
                Int32(range?.upperBound ?? 0), 0, &found, w, z, Int32(ldz), isuppz)
            return (info, Int(found))
        },
        potrf: { n, a in
            LAPACKE_dpotrf(clapacke_row_major(), CChar(UInt8(ascii: "U")), Int32(n), a, Int32(n))
        },
        potri: { n, a in
            LAPACKE_dpotri(clapacke_row_major(), CChar(UInt8(ascii: "U")), Int32(n), a, Int32(n))
        },
        potrs: { n, r, b in
            // Rᵀ y = b, then R x = y.
            cblas_dtrsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, blasint(n), r, blasint(n), b, 1)
            cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, blasint(n), r, blasint(n), b, 1)
        },
        trtri: { n, a in
            LAPACKE_dtrtri(
                clapacke_row_major(), CChar(UInt8(ascii: "U")), CChar(UInt8(ascii: "N")), Int32(n), a, Int32(n))
        })
}
