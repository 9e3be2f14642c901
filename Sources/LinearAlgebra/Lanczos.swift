/// The largest eigenpair of a symmetric operator, estimated by the Lanczos method.
///
/// With full re-orthogonalisation, `k` steps build an orthonormal Krylov basis Q and the
/// tridiagonal T = Qᵀ A Q; the largest Ritz pair (θ, Q s) of T approximates (λ_max, v):
///
/// ```
/// β_j q_{j+1} = A q_j − α_j q_j − β_{j−1} q_{j−1},   α_j = q_jᵀ A q_j
/// ```
/// The estimate θ ≤ λ_max is NOT a rigorous upper bound; callers that need one (the certifiers)
/// use a dense eigen-decomposition with a rounding margin for the reported value.
/// - Complexity: `steps` applications of the operator plus O(steps² · n) for re-orthogonalisation
///   (`reorthogonalise`, four `gemv` per step) and one eigen-decomposition of a `steps × steps` matrix.
public func lanczosLargest(
    dimension n: Int, steps: Int, start: [Double], apply: ([Double]) -> [Double]
) throws -> (value: Double, vector: [Double]) {
    precondition(start.count == n && n > 0, "start vector length")
    let k = min(steps, n)
    // The basis vectors q_0, q_1, … as the rows of one row-major block, for BLAS.
    var basis: [Double] = []
    basis.reserveCapacity(k * n)
    var alphas: [Double] = [], betas: [Double] = []
    var q = start
    var norm = (q.reduce(0) { $0 + $1 * $1 }).squareRoot()
    if norm == 0 {
        q = [Double](repeating: 0, count: n)
        q[0] = 1
        norm = 1
    }
    for i in 0..<n { q[i] /= norm }
    var coefficients = [Double](repeating: 0, count: k)
    for j in 0..<k {
        basis += q
        var w = apply(q)
        let alpha = zip(w, q).reduce(0) { $0 + $1.0 * $1.1 }
        alphas.append(alpha)
        basis.withUnsafeBufferPointer { qb in
            coefficients.withUnsafeMutableBufferPointer { cb in
                w.withUnsafeMutableBufferPointer { wb in
                    reorthogonalise(wb.baseAddress!, against: qb.baseAddress!, count: j + 1, length: n, scratch: cb.baseAddress!)
                }
            }
        }
        let beta = (w.reduce(0) { $0 + $1 * $1 }).squareRoot()
        if j == k - 1 || beta < 1e-12 * max(1, abs(alpha)) { break }
        betas.append(beta)
        q = w.map { $0 / beta }
    }
    let m = alphas.count
    var t = Matrix<Double>(rows: m, columns: m)
    for i in 0..<m {
        t[i, i] = alphas[i]
        if i + 1 < m {
            t[i, i + 1] = betas[i]
            t[i + 1, i] = betas[i]
        }
    }
    let e = try t.symmetricEigen(.largest)
    guard let s = e.vectors else { throw LinearAlgebraError.lapack(routine: "syevr (no vector)", info: 0) }
    var v = [Double](repeating: 0, count: n)
    for j in 0..<m {
        let c = s[j, 0]
        for i in 0..<n { v[i] += c * basis[j * n + i] }
    }
    return (e.values[0], v)
}
