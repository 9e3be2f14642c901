import LinearAlgebra

extension RowTermSDP {
    /// The same program in shifted and scaled variables: with `v = (1, u)` the lifted vector of
    /// `X = E[v vᵀ]` and `v = T v'`, `T = diag(d) + c e₀ᵀ` (`c₀ = 0`, `d₀ = 1`, `d > 0`), every
    /// `X = T X' Tᵀ`, so
    ///
    /// ```
    /// ⟨sym(e_a qᵀ), X⟩ = ⟨sym((d_a e_a + c_a e₀)(d ⊙ q + (cᵀq) e₀)ᵀ), X'⟩,    ⟨C, X⟩ = ⟨TᵀC T, X'⟩
    /// ```
    /// An invertible congruence: feasibility, optimal values, ranks and the dual vector y are
    /// unchanged. Centring the variables where the solution must lie (x̂ for the input, ẑ for
    /// problem (B)'s last layer) removes the cancellation in `tr Z − 2⟨z, ẑ⟩ + ‖ẑ‖² ≤ ρ²` when
    /// ρ ≪ ‖ẑ‖; scaling by the radii of SDP-cert's boxes (`u = m + r ⊙ u'`) puts every variable on
    /// the same scale, so that the interior point starts near the central path.
    ///
    /// - Complexity: O(n² + Σ_t nnz(q_t)).
    public func shifted(by c: [Double], scale d: [Double]? = nil) -> RowTermSDP {
        let d = d ?? [Double](repeating: 1, count: size)
        precondition(c.count == size && c[0] == 0 && d.count == size && d[0] == 1 && d.allSatisfy { $0 > 0 },
                     "RowTermSDP.shifted: c and d must have \(size) entries, c₀ = 0, d₀ = 1, d > 0")
        var p = RowTermSDP(size: size)
        p.objectiveOffset = objectiveOffset
        var slacksOf = [[Double]](repeating: [], count: rhs.count)
        for s in slacks { slacksOf[s.constraint].append(s.coefficient) }
        var next = 0
        for (i, value) in rhs.enumerated() {
            p.addConstraint(rhs: value)
            while next < terms.count, terms[next].constraint == i {
                let term = terms[next]
                var q = zip(term.indices, term.values).map { (index: $0, value: d[$0] * $1) }
                let shift = zip(term.indices, term.values).reduce(0) { $0 + c[$1.0] * $1.1 }
                if let k = q.firstIndex(where: { $0.index == 0 }) { q[k].value += shift } else { q.append((0, shift)) }
                p.addTerm(row: term.row, q.map { ($0.index, d[term.row] * $0.value) })
                if term.row != 0, c[term.row] != 0 { p.addTerm(row: 0, q.map { ($0.index, c[term.row] * $0.value) }) }
                next += 1
            }
            for coefficient in slacksOf[i] { p.addSlack(coefficient: coefficient) }
        }
        precondition(next == terms.count, "RowTermSDP.shifted: terms out of constraint order")
        // TᵀC T = D C D + (D C c) e₀ᵀ + e₀ (cᵀC D) + (cᵀC c) e₀ e₀ᵀ
        let dense = objectiveMatrix()
        let cc = (0..<size).map { i in (0..<size).reduce(0) { $0 + dense[i, $1] * c[$1] } }
        let ccc = zip(c, cc).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<size {
            for j in i..<size {
                var v = d[i] * dense[i, j] * d[j]
                if i == 0 { v += d[j] * cc[j] }
                if j == 0 { v += d[i] * cc[i] }
                if i == 0 && j == 0 { v += ccc }
                p.addObjective(i, j, v)
            }
        }
        return p
    }

    /// `X = T X' Tᵀ` for `T = diag(d) + c e₀ᵀ`: a solution of `shifted(by: c, scale: d)` in the
    /// original variables.
    ///
    /// - Complexity: O(n²).
    public static func unshift(_ x: Matrix<Double>, by c: [Double], scale d: [Double]? = nil) -> Matrix<Double> {
        let n = x.rows
        let d = d ?? [Double](repeating: 1, count: n)
        var out = x
        for i in 0..<n {
            for j in 0..<n {
                out[i, j] = d[i] * x[i, j] * d[j] + c[i] * x[0, j] * d[j] + d[i] * x[i, 0] * c[j] + c[i] * c[j] * x[0, 0]
            }
        }
        return out
    }
}
