import LinearAlgebra

/// The products of the constraint terms with one symmetric matrix `A` (`X` or `Z⁻¹`).
struct TermProducts {
    /// `Qᵀ A`, T × n: row t is `(A q_t)ᵀ`.
    var rows: Matrix<Double>
    /// `A Q`, n × T (the transpose of `rows`).
    var columns: Matrix<Double>
    /// `Qᵀ A Q`, T × T.
    var gram: Matrix<Double>
}

extension InteriorPointEngine {
    /// `Qᵀ A`, `A Q` and `Qᵀ A Q` for a symmetric `A`: `gemm`s for the dense terms, sums of a few
    /// rows of `A` (and of `A Q`) for the sparse ones, which are all contiguous.
    ///
    /// ```
    /// (Qᵀ A)_t = Σ_j q_tj A_j,    (Qᵀ A Q)_s = Σ_j q_sj (A Q)_j      (rows; A symmetric)
    /// ```
    ///
    /// - Complexity: O(n² D + n D T) flops for D dense terms (three `gemm`s), plus O(n + T) per
    ///   nonzero of the sparse terms and one transpose of a T × n matrix.
    func termProducts(_ a: Matrix<Double>) throws -> TermProducts {
        let rowsMatrix = try termRows(of: a)
        let columnsMatrix = rowsMatrix.transposed()
        return TermProducts(rows: rowsMatrix, columns: columnsMatrix, gram: try termRows(of: columnsMatrix))
    }

    /// `Qᵀ B` for an n-row `B`: the dense terms' rows by one `gemm`, the sparse terms' rows as
    /// `Σ_j q_tj B_j` (contiguous rows of B).
    private func termRows(of source: Matrix<Double>) throws -> Matrix<Double> {
        let width = source.columns
        var out = Matrix<Double>(rows: termCount, columns: width)
        let dense = denseTerms.isEmpty ? nil : try qtDense.multiplied(by: source)  // D × width
        out.elements.withUnsafeMutableBufferPointer { po in
            if let dense {
                dense.elements.withUnsafeBufferPointer { pd in
                    for (r, t) in denseTerms.enumerated() {
                        (po.baseAddress! + t * width).update(from: pd.baseAddress! + r * width, count: width)
                    }
                }
            }
            source.elements.withUnsafeBufferPointer { ps in
                for sparse in sparseTerms {
                    let row = po.baseAddress! + sparse.term * width
                    for (j, q) in zip(sparse.indices, sparse.values) {
                        let from = ps.baseAddress! + j * width
                        for i in 0..<width { row[i] += q * from[i] }
                    }
                }
            }
        }
        return out
    }

    /// The Schur complement `M_ij = ⟨A_i, X A_j Z⁻¹⟩ + Σ_k c_ik c_jk s_k / w_k`.
    ///
    /// With `U = X Q`, `V = Z⁻¹ Q`, `Ū = QᵀX Q`, `V̄ = QᵀZ⁻¹Q` and the term-by-term matrix
    ///
    /// ```
    /// R_st = U[a_t, s] V[a_s, t] + (Ū_st Z⁻¹[a_s, a_t] + X[a_s, a_t] V̄_st) / 2
    /// M = (Cᵀ R C + Cᵀ Rᵀ C) / 4          (C: term → constraint)
    /// ```
    /// R is formed row by row (contiguous rows of V, Ū, V̄; gathers within one row of `Qᵀ X`, `Z⁻¹`
    /// and `X`) and scattered straight into M, never stored.
    ///
    /// - Complexity: two `termProducts`, then O(T²) for the assembly.
    func schur(zInverse zi: Matrix<Double>) throws -> Matrix<Double> {
        let ux = try termProducts(x)
        let vz = try termProducts(zi)
        let tc = termCount
        var half = Matrix<Double>(rows: m, columns: m)
        half.elements.withUnsafeMutableBufferPointer { ph in
            ux.rows.elements.withUnsafeBufferPointer { pu in
                vz.columns.elements.withUnsafeBufferPointer { pv in
                    ux.gram.elements.withUnsafeBufferPointer { pub in
                        vz.gram.elements.withUnsafeBufferPointer { pvb in
                            zi.elements.withUnsafeBufferPointer { pz in
                                x.elements.withUnsafeBufferPointer { px in
                                    rows.withUnsafeBufferPointer { pa in
                                        owners.withUnsafeBufferPointer { po in
                                            for s in 0..<tc {
                                                let a = pa[s]
                                                let uRow = pu.baseAddress! + s * n  // U[·, s]
                                                let vRow = pv.baseAddress! + a * tc  // V[a_s, ·]
                                                let ubRow = pub.baseAddress! + s * tc, vbRow = pvb.baseAddress! + s * tc
                                                let zRow = pz.baseAddress! + a * n, xRow = px.baseAddress! + a * n
                                                let out = ph.baseAddress! + po[s] * m
                                                for t in 0..<tc {
                                                    let at = pa[t]
                                                    let value = uRow[at] * vRow[t]
                                                        + 0.5 * (ubRow[t] * zRow[at] + xRow[at] * vbRow[t])
                                                    out[po[t]] += value
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        half.elements.withUnsafeMutableBufferPointer { ph in
            for i in 0..<m {
                ph[i * m + i] *= 0.5
                for j in (i + 1)..<max(m, i + 1) {
                    let value = 0.25 * (ph[i * m + j] + ph[j * m + i])
                    ph[i * m + j] = value
                    ph[j * m + i] = value
                }
            }
        }
        var mm = half
        for k in 0..<slackCount {
            let i = slackOwner[k]
            mm.elements[i * m + i] += slackCoefficient[k] * slackCoefficient[k] * s[k] / w[k]
        }
        return mm
    }
}
