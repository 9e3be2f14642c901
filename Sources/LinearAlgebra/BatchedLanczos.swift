/// The largest eigenpairs of several symmetric operators of one size, by Lanczos iterations run
/// side by side so that the operators are applied to all current vectors in one call (one row per
/// problem, so the caller can use matrix–matrix products).
///
/// Problem p runs the recurrence of `lanczosLargest` from row p of `starts`, with full
/// re-orthogonalisation (twice, by BLAS `gemv` against its own basis):
///
/// ```
/// β_j q_{j+1} = A_p q_j − α_j q_j − β_{j−1} q_{j−1},   α_j = q_jᵀ A_p q_j
/// (θ_p, u_p) = largest Ritz pair of the tridiagonal T_p, u_p = Q_p s
/// ```
/// A warm start (the previous Ritz vector of a slowly changing operator) makes a few steps enough.
/// The Ritz value θ_p ≤ λ_max(A_p) is an estimate, not a rigorous bound.
///
/// - Parameters:
///   - starts: one start vector per row (a zero row starts from e₀).
///   - steps: Krylov dimension at most.
///   - apply: maps a matrix of row vectors to the matrix of `A_p · row_p`.
/// - Returns: the Ritz values (Double) and unit Ritz vectors (one per row).
/// - Complexity: `steps` calls of `apply`, plus O(problems · steps² · n) for re-orthogonalisation
///   and one eigen-decomposition of a `steps × steps` tridiagonal matrix per problem.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func lanczosLargestBatched<Scalar: BLASScalar>(
    starts: Matrix<Scalar>, steps: Int, apply: (Matrix<Scalar>) throws -> Matrix<Scalar>
) throws -> (values: [Double], vectors: Matrix<Scalar>) {
    let problems = starts.rows, n = starts.columns
    let k = max(1, min(steps, n))
    guard problems > 0, n > 0 else { return ([], starts) }
    // basis[(p·k + j)·n + i] = component i of the j-th basis vector of problem p.
    var basis = [Scalar](repeating: 0, count: problems * k * n)
    var alphas = [[Double]](repeating: [], count: problems)
    var betas = [[Double]](repeating: [], count: problems)
    var active = [Bool](repeating: true, count: problems)
    var q = starts
    for p in 0..<problems {
        var norm = 0.0
        for i in 0..<n { norm += Double(q.elements[p * n + i] * q.elements[p * n + i]) }
        if norm == 0 {
            q.elements[p * n] = 1
            norm = 1
        }
        let scale = Scalar(1 / norm.squareRoot())
        for i in 0..<n { q.elements[p * n + i] *= scale }
    }
    var coefficients = [Scalar](repeating: 0, count: k)
    for j in 0..<k {
        for p in 0..<problems where active[p] {
            for i in 0..<n { basis[(p * k + j) * n + i] = q.elements[p * n + i] }
        }
        var w = try apply(q)
        for p in 0..<problems where active[p] {
            var alpha = 0.0
            for i in 0..<n { alpha += Double(w.elements[p * n + i] * q.elements[p * n + i]) }
            alphas[p].append(alpha)
            basis.withUnsafeBufferPointer { bp in
                w.elements.withUnsafeMutableBufferPointer { wp in
                    coefficients.withUnsafeMutableBufferPointer { cp in
                        let qp = bp.baseAddress! + p * k * n, wrow = wp.baseAddress! + p * n
                        reorthogonalise(wrow, against: qp, count: j + 1, length: n, scratch: cp.baseAddress!)
                    }
                }
            }
            var norm = 0.0
            for i in 0..<n { norm += Double(w.elements[p * n + i] * w.elements[p * n + i]) }
            let beta = norm.squareRoot()
            if j == k - 1 || beta < 1e-7 * max(1, abs(alpha)) {
                active[p] = false
                for i in 0..<n { q.elements[p * n + i] = 0 }
                continue
            }
            betas[p].append(beta)
            let scale = Scalar(1 / beta)
            for i in 0..<n { q.elements[p * n + i] = w.elements[p * n + i] * scale }
        }
        if !active.contains(true) { break }
    }
    var values = [Double](repeating: 0, count: problems)
    var vectors = Matrix<Scalar>(rows: problems, columns: n)
    for p in 0..<problems {
        let m = alphas[p].count
        var t = Matrix<Double>(rows: m, columns: m)
        for i in 0..<m {
            t[i, i] = alphas[p][i]
            if i + 1 < m {
                t[i, i + 1] = betas[p][i]
                t[i + 1, i] = betas[p][i]
            }
        }
        let e = try t.symmetricEigen(.largest)
        guard let s = e.vectors else { throw LinearAlgebraError.lapack(routine: "syevr (no vector)", info: 0) }
        values[p] = e.values[0]
        var norm = 0.0
        for j in 0..<m {
            let c = Scalar(s[j, 0])
            for i in 0..<n { vectors.elements[p * n + i] += c * basis[(p * k + j) * n + i] }
        }
        for i in 0..<n { norm += Double(vectors.elements[p * n + i] * vectors.elements[p * n + i]) }
        let scale = Scalar(1 / max(norm.squareRoot(), Double.leastNormalMagnitude))
        for i in 0..<n { vectors.elements[p * n + i] *= scale }
    }
    return (values, vectors)
}
