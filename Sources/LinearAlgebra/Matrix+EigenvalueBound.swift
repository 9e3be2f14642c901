extension Matrix where Scalar == Double {
    /// A rigorous upper bound on the largest eigenvalue of this symmetric matrix as stored.
    ///
    /// A Lanczos estimate λ̃ (30 steps; λ̃ ≤ λ_max) picks a shift δ a little above it, and a
    /// Cholesky factorisation of `δI − A` certifies `λ_max ≤ δ + ‖ΔB‖` (forming `δI − A` rounds
    /// the diagonal once; `choleskyMinimumEigenvalueBound` covers the factorisation):
    ///
    /// ```
    /// λ_max(A) ≤ δ − λ_lower(δI − A) + u (√n |δ| + ‖A‖_F),   δ = λ̃ + t · ‖A‖_F / √n,  t ∈ {10⁻⁹, 10⁻⁶}
    /// ```
    /// When neither shift factors, it is LAPACK's largest eigenvalue plus the backward error
    /// `(16n + 64) u ‖A‖_F` of `syevr`. Only errors of the decomposition are covered: errors made
    /// while forming A are the caller's to add.
    ///
    /// - Complexity: 30 matrix-vector products, then one or two Cholesky factorisations (n³/3
    ///   each), or one `syevr` (largest eigenvalue) when they fail.
    public func largestEigenvalueUpperBound() throws -> Double {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("eigenvalue bound needs a square matrix, got \(rows)×\(columns)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFinite("matrix passed to the eigenvalue bound") }
        let n = rows
        if n == 0 { return -.infinity }
        let u = Double.ulpOfOne / 2
        let frobenius = (elements.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let rms = max(frobenius / Double(n).squareRoot(), Double.leastNormalMagnitude)
        var rng = SplitMix64(seed: 7)
        let start = (0..<n).map { _ in 2 * rng.unitInterval() - 1 }
        let matrix = self
        let estimate = try lanczosLargest(dimension: n, steps: min(30, n), start: start) { x in
            var y = [Double](repeating: 0, count: n)
            matrix.elements.withUnsafeBufferPointer { pa in
                x.withUnsafeBufferPointer { px in
                    y.withUnsafeMutableBufferPointer { py in
                        Double.kernels.gemv(false, n, n, 1, pa.baseAddress!, n, px.baseAddress!, 0, py.baseAddress!)
                    }
                }
            }
            return y
        }.value
        for relative in [1e-9, 1e-6] {
            let delta = estimate + relative * rms
            var b = self
            for t in b.elements.indices { b.elements[t] = -b.elements[t] }
            for i in 0..<n { b.elements[i * n + i] += delta }
            if let lowest = try b.choleskyMinimumEigenvalueBound() {
                return delta - lowest + u * (Double(n).squareRoot() * abs(delta) + frobenius)
            }
        }
        let top = try symmetricEigen(.largest, vectors: false).values[0]
        return top + (16 * Double(n) + 64) * u * frobenius
    }
}
