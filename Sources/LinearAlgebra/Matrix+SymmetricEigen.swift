/// The eigen-decomposition `A = V diag(λ) Vᵀ` of a symmetric matrix.
public struct SymmetricEigendecomposition<Scalar: BLASScalar>: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Scalar]
    /// Eigenvectors as columns (`n × values.count`), in the order of `values`; `nil` when only
    /// the values were asked for.
    public let vectors: Matrix<Scalar>?
}

/// Which eigenpairs to compute.
public enum EigenSelection: Sendable, Equatable {
    /// Every eigenpair.
    case all
    /// The eigenpairs with 0-based ascending indices in the range (e.g. `n-1...n-1` for λ_max).
    case indices(ClosedRange<Int>)
    /// The largest eigenpair.
    case largest
    /// The smallest eigenpair.
    case smallest
}

extension Matrix {
    /// The eigenvalues (and optionally eigenvectors) of this symmetric matrix (LAPACK `syevr`).
    ///
    /// Only the upper triangle is read. LAPACK's `info` code is checked and any failure is
    /// thrown; non-finite entries are rejected before LAPACK sees them.
    ///
    /// ```
    /// A v = λ v,   λ₁ ≤ λ₂ ≤ … ≤ λₙ
    /// ```
    /// - Throws: `LinearAlgebraError.dimensionMismatch` for a non-square matrix,
    ///   `.nonFinite` for NaN/∞ entries, `.lapack(routine: "syevr", info:)` when LAPACK fails.
    /// - Complexity: one `syevr` eigen-decomposition, O(n³).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func symmetricEigen(
        _ selection: EigenSelection = .all, vectors: Bool = true
    ) throws -> SymmetricEigendecomposition<Scalar> {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("syevr needs a square matrix, got \(rows)×\(columns)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFinite("matrix passed to syevr") }
        let n = rows
        if n == 0 { return SymmetricEigendecomposition(values: [], vectors: vectors ? self : nil) }
        let range: ClosedRange<Int>?
        switch selection {
        case .all: range = nil
        case .largest: range = n...n
        case .smallest: range = 1...1
        case .indices(let r):
            guard r.lowerBound >= 0, r.upperBound < n else {
                throw LinearAlgebraError.dimensionMismatch("eigen indices \(r) outside 0..<\(n)")
            }
            range = (r.lowerBound + 1)...(r.upperBound + 1)
        }
        let count = range.map { $0.count } ?? n
        var a = elements
        var w = [Scalar](repeating: 0, count: n)
        var z = [Scalar](repeating: 0, count: vectors ? n * count : 1)
        var isuppz = [Int32](repeating: 0, count: 2 * n)
        let ldz = vectors ? count : 1
        let result = a.withUnsafeMutableBufferPointer { pa in
            w.withUnsafeMutableBufferPointer { pw in
                z.withUnsafeMutableBufferPointer { pz in
                    isuppz.withUnsafeMutableBufferPointer { ps in
                        Scalar.kernels.syevr(
                            vectors, n, pa.baseAddress!, range, pw.baseAddress!, pz.baseAddress!,
                            ldz, ps.baseAddress!)
                    }
                }
            }
        }
        guard result.info == 0 else {
            throw LinearAlgebraError.lapack(routine: "syevr", info: Int(result.info))
        }
        guard result.found == count else {
            throw LinearAlgebraError.lapack(routine: "syevr (found \(result.found) of \(count))", info: 0)
        }
        let values = Array(w[0..<count])
        let v = vectors ? try Matrix(rows: n, columns: count, elements: z) : nil
        return SymmetricEigendecomposition(values: values, vectors: v)
    }
}
