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
    func solve(_ s: Matrix<Double>, layers: [Range<Int>], start: Matrix<Double>? = nil) throws -> (kappa: [Double], value: Double, v: Matrix<Double>) {
        try solve(LayeredSymmetricMatrix(dense: s, layers: layers), start: start)
    }

    /// The same for a matrix given by its layered parts (no dense matrix is formed).
    ///
    /// Rows of one layer do not couple to each other, so updating them one after the other (the
    /// mixing method's order) is the same as updating the whole layer at once from
    ///
    /// ```
    /// G_k = h_k v₀ᵀ + diag(σ_k) U_k V_{k−1} + U_{k+1}ᵀ diag(σ_{k+1}) V_{k+1}
    /// ```
    /// which two BLAS `gemm`s per layer give: a sweep is row 0, then layer 0, 1, … in turn.
    ///
    /// - Complexity: per sweep two `gemm`s per coupling, O(rank · Σ_k nnz U_k) flops each.
    func solve(_ s: LayeredSymmetricMatrix, start: Matrix<Double>? = nil) throws -> (kappa: [Double], value: Double, v: Matrix<Double>) {
        let n = s.size
        // Rounded up to a multiple of 4 (more columns never hurt).
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
        let layers = s.couplings.layers, couplings = s.couplings.forward
        // The factor split by layer, each layer also scaled by σ (what the layer below multiplies).
        var v0 = Array(v.elements[0..<r])
        var blocks = try layers.map { range in
            try Matrix(rows: range.count, columns: r, elements: Array(v.elements[(range.lowerBound * r)..<(range.upperBound * r)]))
        }
        var scaled = blocks
        for (k, range) in layers.enumerated() where k >= 1 {
            for (t, i) in range.enumerated() { for c in 0..<r { scaled[k][t, c] *= s.rowScale[i] } }
        }
        var g = layers.map { Matrix<Double>(rows: $0.count, columns: r) }
        var product = g
        var kappa = [Double](repeating: 0, count: n)
        let heads = layers.map { Array(s.head[$0]) }

        /// g₀ = Σ_k V_kᵀ h_k.
        func rowZero() throws -> [Double] {
            var g0 = [Double](repeating: 0, count: r)
            for k in layers.indices where !layers[k].isEmpty {
                let part = try blocks[k].apply(heads[k], transposed: true)
                for c in 0..<r { g0[c] += part[c] }
            }
            return g0
        }
        /// G_k (off-diagonal part of layer k's rows).
        func offDiagonal(_ k: Int) throws {
            let range = layers[k]
            let coupledBelow = k >= 1 && !layers[k - 1].isEmpty && !range.isEmpty
            if coupledBelow { try product[k].gemm(1, couplings[k - 1], blocks[k - 1], beta: 0) }
            let head = heads[k]
            g[k].elements.withUnsafeMutableBufferPointer { gp in
                product[k].elements.withUnsafeBufferPointer { pp in
                    for (t, i) in range.enumerated() {
                        let h = head[t], base = t * r
                        for c in 0..<r { gp[base + c] = h * v0[c] }
                        let sigma = s.rowScale[i]
                        if coupledBelow, sigma != 0 { for c in 0..<r { gp[base + c] += sigma * pp[base + c] } }
                    }
                }
            }
            if k + 1 < layers.count, !layers[k + 1].isEmpty, !range.isEmpty {
                try g[k].gemm(1, couplings[k], transposeA: true, scaled[k + 1], beta: 1)
            }
        }
        for _ in 0..<sweeps {
            var moved = 0.0
            let g0 = try rowZero()
            let (change0, kappa0) = v0.withUnsafeMutableBufferPointer { row in
                g0.withUnsafeBufferPointer { Self.maximiseRow(row.baseAddress!, given: $0.baseAddress!, diagonal: s.head[0], width: r, onSphere: true) }
            }
            moved += change0
            kappa[0] = kappa0
            for (k, range) in layers.enumerated() where !range.isEmpty {
                try offDiagonal(k)
                // The rows of layer k in turn (they do not couple to each other), through raw
                // buffers: with Matrix subscripts this loop was half of SDP-cert's time on mnist_2_20.
                g[k].elements.withUnsafeBufferPointer { gp in
                    blocks[k].elements.withUnsafeMutableBufferPointer { bp in
                        scaled[k].elements.withUnsafeMutableBufferPointer { sp in
                            for (t, i) in range.enumerated() {
                                let base = t * r
                                let (change, ki) = Self.maximiseRow(
                                    bp.baseAddress! + base, given: gp.baseAddress! + base, diagonal: s.diagonal[i], width: r, onSphere: false)
                                kappa[i] = ki
                                moved += change
                                if k >= 1 {
                                    let sigma = s.rowScale[i]
                                    for c in 0..<r { sp[base + c] = sigma * bp[base + c] }
                                }
                            }
                        }
                    }
                }
            }
            if (moved / Double(n)).squareRoot() < tolerance { break }
        }
        // value = ⟨S, VVᵀ⟩ = s₀₀|v₀|² + 2 Σ_i h_i v₀·v_i + Σ_i S_ii |v_i|² + 2 Σ_{k≥1} Σ_t σ_t v_t·(U_k V_{k−1})_t.
        // The last sweep left U_k V_{k−1} in `product[k]` with the final V_{k−1} (layer k − 1 is
        // updated before layer k), so no product is formed again.
        if sweeps <= 0 {
            for k in layers.indices where k >= 1 && !layers[k].isEmpty && !layers[k - 1].isEmpty {
                try product[k].gemm(1, couplings[k - 1], blocks[k - 1], beta: 0)
            }
        }
        let g0 = try rowZero()
        var value = 0.0
        for c in 0..<r { value += 2 * v0[c] * g0[c] + s.head[0] * v0[c] * v0[c] }
        for (k, range) in layers.enumerated() where !range.isEmpty {
            let coupled = k >= 1 && !layers[k - 1].isEmpty
            let x = blocks[k].elements, px = product[k].elements
            for (t, i) in range.enumerated() {
                let twiceSigma = coupled ? 2 * s.rowScale[i] : 0, sii = s.diagonal[i], base = t * r
                for c in 0..<r { value += x[base + c] * (sii * x[base + c] + twiceSigma * px[base + c]) }
            }
        }
        // Back to one factor.
        v.elements.replaceSubrange(0..<r, with: v0)
        for (k, range) in layers.enumerated() where !range.isEmpty {
            v.elements.replaceSubrange((range.lowerBound * r)..<(range.upperBound * r), with: blocks[k].elements)
        }
        return (kappa, value, v)
    }

    /// Replaces row v_i by its maximiser with the other rows fixed, given `g = Σ_{j≠i} S_ij v_j`
    /// and `S_ii`: on the sphere `v_i = g/|g|` with `κ_i = |g| + S_ii` (always for row 0, and when
    /// `S_ii ≥ 0` or `|g| ≥ −S_ii`), else inside the ball `v_i = −g/S_ii` with `κ_i = 0`.
    /// Returns the squared change of the row and κ_i.
    ///
    /// - Complexity: O(width).
    @inline(__always)
    static func maximiseRow(
        _ row: UnsafeMutablePointer<Double>, given g: UnsafePointer<Double>, diagonal sii: Double, width r: Int, onSphere: Bool
    ) -> (change: Double, kappa: Double) {
        var norm = 0.0
        for c in 0..<r { norm += g[c] * g[c] }
        norm = norm.squareRoot()
        var change = 0.0
        if onSphere || sii >= 0 || norm >= -sii {
            if norm > 0 {
                for c in 0..<r {
                    let new = g[c] / norm
                    change += (new - row[c]) * (new - row[c])
                    row[c] = new
                }
            }
            return (change, norm + sii)
        }
        for c in 0..<r {
            let new = -g[c] / sii
            change += (new - row[c]) * (new - row[c])
            row[c] = new
        }
        return (change, 0)
    }
}
