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
    /// - Parameter layers: the index ranges of the layers within 1..<n (row 0 is the constant);
    ///   entries of `s` outside the layered pattern are ignored.
    /// - Complexity: per sweep O(nnz(S) · rank) where nnz counts the coupled blocks.
    func solve(_ s: Matrix<Double>, layers: [Range<Int>], start: Matrix<Double>? = nil) -> (kappa: [Double], value: Double, v: Matrix<Double>) {
        solve(LayeredSymmetricMatrix(dense: s, layers: layers), start: start)
    }

    /// The same for a matrix given by its layered parts (no dense matrix is formed).
    ///
    /// - Complexity: per sweep O(rank · Σ_k nnz U_k) multiply-adds (each coupling read twice).
    func solve(_ s: LayeredSymmetricMatrix, start: Matrix<Double>? = nil) -> (kappa: [Double], value: Double, v: Matrix<Double>) {
        let n = s.size
        // Rounded up to a multiple of 4 for the vectorised sweep (more columns never hurt).
        let r = ((rank ?? Int((2 * Double(n)).squareRoot().rounded(.up)) + 1) + 3) / 4 * 4
        var v: Matrix<Double>
        if let start, start.columns == r, start.rows == n {
            v = start
        } else {
            v = Matrix<Double>(rows: n, columns: r)
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
        if r % 8 == 0 { return run(SIMD8<Double>.self, s, v) }
        return run(SIMD4<Double>.self, s, v)
    }

    /// The sweeps with the factor's rows read `Vec.scalarCount` columns at a time, the
    /// accumulators in registers.
    private func run<Vec: SIMD>(_: Vec.Type, _ s: LayeredSymmetricMatrix, _ start: Matrix<Double>) -> (kappa: [Double], value: Double, v: Matrix<Double>)
    where Vec.Scalar == Double {
        let n = s.size, r = start.columns, width = Vec.scalarCount, chunks = r / width
        let layers = s.couplings.layers
        var layerOf = [Int](repeating: -1, count: n)
        for (k, range) in layers.enumerated() { for i in range { layerOf[i] = k } }
        var v = start
        // Rows of layers ≥ 1 scaled by σ (what the rows of the layer below multiply).
        var scaled = Matrix<Double>(rows: n, columns: r)
        for i in 0..<n where layerOf[i] >= 1 {
            for c in 0..<r { scaled[i, c] = s.rowScale[i] * v[i, c] }
        }
        var kappa = [Double](repeating: 0, count: n)
        var g = [Double](repeating: 0, count: r)
        var value = 0.0
        let rowBytes = r * MemoryLayout<Double>.stride
        s.couplings.storage.withUnsafeBufferPointer { up in
        s.head.withUnsafeBufferPointer { hp in
        v.elements.withUnsafeMutableBufferPointer { vp in
        scaled.elements.withUnsafeMutableBufferPointer { sp in
        g.withUnsafeMutableBufferPointer { gp in
            let vraw = UnsafeRawPointer(vp.baseAddress!), sraw = UnsafeRawPointer(sp.baseAddress!)
            // Σ_j c_j · row_j (chunk q) over `count` consecutive rows from `first`.
            @inline(__always) func gather(_ c: UnsafePointer<Double>, _ count: Int, _ rows: UnsafeRawPointer, _ first: Int, _ q: Int) -> Vec {
                var a0 = Vec(), a1 = Vec()
                var p = rows + first * rowBytes + q * width * MemoryLayout<Double>.stride
                var j = 0
                while j + 1 < count {
                    a0 += c[j] * p.loadUnaligned(as: Vec.self)
                    a1 += c[j + 1] * (p + rowBytes).loadUnaligned(as: Vec.self)
                    p += 2 * rowBytes
                    j += 2
                }
                if j < count { a0 += c[j] * p.loadUnaligned(as: Vec.self) }
                return a0 + a1
            }
            // g = Σ_{j ≠ i} S_ij v_j.
            func offDiagonal(_ i: Int) {
                for q in 0..<chunks {
                    var acc: Vec
                    if i == 0 {
                        acc = gather(hp.baseAddress! + 1, n - 1, vraw, 1, q)
                    } else {
                        let k = layerOf[i], t = i - layers[k].lowerBound
                        acc = hp[i] * vraw.loadUnaligned(fromByteOffset: q * width * MemoryLayout<Double>.stride, as: Vec.self)
                        let sigma = s.rowScale[i]
                        if k >= 1, sigma != 0, !layers[k - 1].isEmpty {
                            let below = layers[k - 1]
                            let c = up.baseAddress! + s.couplings.forwardOffsets[k - 1] + t * below.count
                            acc += sigma * gather(c, below.count, vraw, below.lowerBound, q)
                        }
                        if k + 1 < layers.count, !layers[k + 1].isEmpty {
                            let above = layers[k + 1]
                            let c = up.baseAddress! + s.couplings.backwardOffsets[k] + t * above.count
                            acc += gather(c, above.count, sraw, above.lowerBound, q)
                        }
                    }
                    for t in 0..<width { gp[q * width + t] = acc[t] }
                }
            }
            for _ in 0..<sweeps {
                var moved = 0.0
                for i in 0..<n {
                    offDiagonal(i)
                    var gnorm = 0.0
                    for c in 0..<r { gnorm += gp[c] * gp[c] }
                    gnorm = gnorm.squareRoot()
                    let sii = i == 0 ? hp[0] : s.diagonal[i]
                    let vi = i * r
                    var change = 0.0
                    if i == 0 || sii >= 0 || gnorm >= -sii {
                        kappa[i] = gnorm + sii
                        if gnorm > 0 {
                            for c in 0..<r {
                                let new = gp[c] / gnorm
                                change += (new - vp[vi + c]) * (new - vp[vi + c])
                                vp[vi + c] = new
                            }
                        }
                    } else {
                        kappa[i] = 0
                        for c in 0..<r {
                            let new = -gp[c] / sii
                            change += (new - vp[vi + c]) * (new - vp[vi + c])
                            vp[vi + c] = new
                        }
                    }
                    if layerOf[i] >= 1 {
                        let sigma = s.rowScale[i]
                        for c in 0..<r { sp[vi + c] = sigma * vp[vi + c] }
                    }
                    moved += change
                }
                if (moved / Double(n)).squareRoot() < tolerance { break }
            }
            // value = Σ_i v_i · (g_i + S_ii v_i).
            for i in 0..<n {
                offDiagonal(i)
                let sii = i == 0 ? hp[0] : s.diagonal[i]
                var dot = 0.0, norm = 0.0
                for c in 0..<r {
                    dot += vp[i * r + c] * gp[c]
                    norm += vp[i * r + c] * vp[i * r + c]
                }
                value += dot + sii * norm
            }
        }
        }
        }
        }
        }
        return (kappa, value, v)
    }
}
