extension Matrix where Scalar == Double {
    /// A rigorous upper bound on the largest eigenvalue of this symmetric matrix as stored.
    ///
    /// A Lanczos estimate λ̃ (30 steps; λ̃ ≤ λ_max) picks a shift δ a little above it, and a
    /// Cholesky factorisation of `δI − A` certifies `λ_max ≤ δ + ‖ΔB‖` (`shiftedBound`):
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
        try checkSquareAndFinite()
        let n = rows
        if n == 0 { return -.infinity }
        let frobenius = frobeniusNorm
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
            if let bound = try shiftedBound(estimate + relative * rms, frobenius: frobenius) { return bound }
        }
        let top = try symmetricEigen(.largest, vectors: false).values[0]
        return top + (16 * Double(n) + 64) * u * frobenius
    }

    /// A rigorous upper bound on the largest eigenvalue from the first of `candidates` (shifts δ
    /// the caller would be content with, e.g. the largest λ_max that still certifies something)
    /// whose `δI − A` factors; nil when none does (then λ_max > δ for each, up to rounding).
    ///
    /// Where λ_max sits in a cluster (a dual slack at an SDP optimum with several small
    /// eigenvalues) 30 Lanczos steps stay too far below it for `largestEigenvalueUpperBound`'s
    /// shifts to factor, and its `syevr` fallback costs about ten Cholesky factorisations: a
    /// caller that only needs to know whether λ_max ≤ δ asks this instead.
    ///
    /// - Complexity: at most `candidates.count` Cholesky factorisations (n³/3 each).
    public func largestEigenvalueUpperBound(among candidates: [Double]) throws -> Double? {
        try checkSquareAndFinite()
        if rows == 0 { return -.infinity }
        let frobenius = frobeniusNorm
        for delta in candidates where delta.isFinite {
            if let bound = try shiftedBound(delta, frobenius: frobenius) { return bound }
        }
        return nil
    }

    /// `δ − λ_lower(δI − A) + u (√n |δ| + ‖A‖_F)` when `δI − A` factors (forming it rounds the
    /// diagonal once; `choleskyMinimumEigenvalueBound` covers the factorisation), else nil.
    ///
    /// - Complexity: one Cholesky factorisation.
    private func shiftedBound(_ delta: Double, frobenius: Double) throws -> Double? {
        let n = rows
        var b = self
        for t in b.elements.indices { b.elements[t] = -b.elements[t] }
        for i in 0..<n { b.elements[i * n + i] += delta }
        guard let lowest = try b.choleskyMinimumEigenvalueBound() else { return nil }
        return delta - lowest + u * (Double(n).squareRoot() * abs(delta) + frobenius)
    }

    private var u: Double { Double.ulpOfOne / 2 }
    private var frobeniusNorm: Double { (elements.reduce(0) { $0 + $1 * $1 }).squareRoot() }

    private func checkSquareAndFinite() throws {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("eigenvalue bound needs a square matrix, got \(rows)×\(columns)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFinite("matrix passed to the eigenvalue bound") }
    }
}
