import LinearAlgebra

/// The inner problem of SDP-cert's dual for fixed constraint multipliers: the max-cut-like SDP
///
/// ```
/// maximise ⟨S, P⟩  subject to  P ⪰ 0,  P_00 = 1,  P_ii ≤ 1 (i ≥ 1)
/// ```
/// solved by the mixing method (Wang, Chang & Kolter 2017): `P = V Vᵀ` with rows v_i, each row
/// replaced in turn by its exact maximiser with the others fixed. Its row-wise KKT values give
/// the diagonal κ of the dual `min κ_0 + Σ κ_i⁺  s.t.  diag κ ⪰ S`; the certifier turns that κ into
/// a sound bound with a dense eigenvalue (`SDPDual.soundBound`), so this solver's accuracy
/// affects only tightness, never soundness.
///
/// S is layered as SDP-cert's matrix is: row 0 couples to every row, and a row of layer k only
/// to layers k − 1 and k + 1 (and itself), so a sweep touches only those blocks.
struct ElliptopeMaximization {
    /// Columns of V (Barvinok–Pataki: ⌈√(2n)⌉ + 1 suffices for a global optimum), rounded up to
    /// a multiple of 4.
    var rank: Int?
    /// Sweeps at most.
    var sweeps = 300
    /// Stops when the rows moved less than this in a sweep (root-mean-square).
    var tolerance = 1e-7
    var seed: UInt64 = 1

    /// The maximiser's factor V, its value ⟨S, VVᵀ⟩, and κ from the KKT conditions
    /// (κ_i = |g_i| + S_ii on rows at the boundary, 0 inside, with g_i = Σ_{j≠i} S_ij v_j).
    ///
    /// - Parameter layers: the index ranges of the layers within 1..<n (row 0 is the constant).
    /// - Complexity: per sweep O(nnz(S) · rank) where nnz counts the coupled blocks.
    func solve(_ s: Matrix<Double>, layers: [Range<Int>], start: Matrix<Double>? = nil) -> (kappa: [Double], value: Double, v: Matrix<Double>) {
        let n = s.rows
        // Rounded up to a multiple of 4 for the vectorised sweep (more columns never hurt).
        let r = ((rank ?? Int((2 * Double(n)).squareRoot().rounded(.up)) + 1) + 3) / 4 * 4
        var v = start.flatMap { $0.columns == r && $0.rows == n ? $0 : nil } ?? Matrix<Double>(rows: n, columns: r)
        if start == nil || start!.columns != r || start!.rows != n {
            var rng = SplitMix64(seed: seed)
            for i in 0..<n {
                var norm = 0.0
                for c in 0..<r {
                    v[i, c] = 2 * rng.unitInterval() - 1
                    norm += v[i, c] * v[i, c]
                }
                for c in 0..<r { v[i, c] /= norm.squareRoot() }
            }
        }
        // Coupled ranges of each row.
        var layerOf = [Int](repeating: -1, count: n)
        for (k, range) in layers.enumerated() { for i in range { layerOf[i] = k } }
        func coupled(_ i: Int) -> [Range<Int>] {
            if i == 0 { return [1..<n] }
            let k = layerOf[i]
            var out = [0..<1]
            if k > 0 { out.append(layers[k - 1]) }
            if k + 1 < layers.count { out.append(layers[k + 1]) }
            return out
        }
        let ranges = (0..<n).map(coupled)
        var kappa = [Double](repeating: 0, count: n)
        var g = [Double](repeating: 0, count: r)
        // g = Σ_j S_ij v_j in chunks of four columns (r is a multiple of 4).
        let chunks = r / 4
        var accumulator = [SIMD4<Double>](repeating: .zero, count: chunks)
        s.elements.withUnsafeBufferPointer { sp in
            v.elements.withUnsafeMutableBufferPointer { vp in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    let vraw = UnsafeRawPointer(vp.baseAddress!)
                    for _ in 0..<sweeps {
                        var moved = 0.0
                        for i in 0..<n {
                            for q in 0..<chunks { acc[q] = .zero }
                            let row = i * n
                            for range in ranges[i] {
                                for j in range {
                                    let sij = sp[row + j]
                                    if sij == 0 { continue }
                                    let base = j * r * MemoryLayout<Double>.stride
                                    for q in 0..<chunks {
                                        acc[q] += sij * vraw.loadUnaligned(
                                            fromByteOffset: base + 4 * q * MemoryLayout<Double>.stride, as: SIMD4<Double>.self)
                                    }
                                }
                            }
                            for q in 0..<chunks {
                                for t in 0..<4 { g[4 * q + t] = acc[q][t] }
                            }
                            var gnorm = 0.0
                            for c in 0..<r { gnorm += g[c] * g[c] }
                            gnorm = gnorm.squareRoot()
                            let sii = sp[row + i]
                            let vi = i * r
                            var change = 0.0
                            if i == 0 || sii >= 0 || gnorm >= -sii {
                                kappa[i] = gnorm + sii
                                if gnorm > 0 {
                                    for c in 0..<r {
                                        let new = g[c] / gnorm
                                        change += (new - vp[vi + c]) * (new - vp[vi + c])
                                        vp[vi + c] = new
                                    }
                                }
                            } else {
                                kappa[i] = 0
                                for c in 0..<r {
                                    let new = -g[c] / sii
                                    change += (new - vp[vi + c]) * (new - vp[vi + c])
                                    vp[vi + c] = new
                                }
                            }
                            moved += change
                        }
                        if (moved / Double(n)).squareRoot() < tolerance { break }
                    }
                }
            }
        }
        // value = Σ_i v_i · (S V)_i = Σ_i κ_i |v_i|² on the boundary rows … computed directly.
        var value = 0.0
        for i in 0..<n {
            for range in ranges[i] + [i..<(i + 1)] {
                for j in range {
                    let sij = s.elements[i * n + j]
                    if sij == 0 { continue }
                    var dot = 0.0
                    for c in 0..<r { dot += v.elements[i * r + c] * v.elements[j * r + c] }
                    value += sij * dot
                }
            }
        }
        return (kappa, value, v)
    }
}
