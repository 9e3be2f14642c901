import LinearAlgebra

/// An SDP whose constraint matrices are sums of rank-2 terms `sym(e_a qᵀ)`, with one matrix block
/// `X` and nonnegative slack variables `s`:
///
/// ```
/// min ⟨C, X⟩   s.t.   Σ_{t ∈ T_i} (X q_t)_{a_t} + Σ_{k ∈ S_i} c_k s_k = b_i,   X ⪰ 0,  s ≥ 0
/// ```
/// `(X q)_a = ⟨sym(e_a qᵀ), X⟩` for symmetric X. Every lifted ReLU relaxation has this shape: a
/// first-row entry `X[0, v]` is the term `(0, e_v)`, a diagonal entry `X[v, v]` the term `(v, e_v)`,
/// and the ReLU product `Σ_n W_mn X[z'_n, z_m] + b_m X[0, z_m]` the single term
/// `(z_m, b_m e_0 + Σ_n W_mn e_{z'_n})`. Solvers exploit it: the interior-point method of
/// `RowTermSDP+InteriorPoint.swift` forms its Schur complement from `X Q` and `Qᵀ X Q`, never from
/// constraint matrices; `csdpProgram()` hands the same program to CSDP as a cross-check.
/// Indices are 0-based.
public struct RowTermSDP: Sendable {
    /// One term `sym(e_row qᵀ)` of a constraint, `q` sparse.
    public struct Term: Sendable {
        public var constraint: Int
        public var row: Int
        public var indices: [Int]
        public var values: [Double]
    }

    /// Order of the matrix block.
    public let size: Int
    /// Right-hand sides `b_i`.
    public private(set) var rhs: [Double] = []
    /// The terms of every constraint.
    public private(set) var terms: [Term] = []
    /// Slack variables: the constraint each one enters and its coefficient there.
    public private(set) var slacks: [(constraint: Int, coefficient: Double)] = []
    /// `C` as entries `(i, j, v)`, `i ≤ j`, each meaning `C_ij = C_ji = v` (summed when repeated).
    public private(set) var objective: [(i: Int, j: Int, v: Double)] = []
    /// A constant added to the objective (it changes no solution, only the objective values and
    /// so the relative gap a solver measures).
    public var objectiveOffset = 0.0

    /// An empty program on a `size × size` block.
    public init(size: Int) { self.size = size }

    /// Number of constraints.
    public var constraintCount: Int { rhs.count }

    /// Starts a new constraint with right-hand side `value`; returns its index.
    @discardableResult
    public mutating func addConstraint(rhs value: Double) -> Int {
        rhs.append(value)
        return rhs.count - 1
    }

    /// Adds the term `⟨sym(e_row qᵀ), X⟩ = Σ_j q_j X[row, j]` to the last constraint (zeros dropped).
    public mutating func addTerm(row: Int, _ q: [(index: Int, value: Double)]) {
        let kept = q.filter { $0.value != 0 }
        precondition(!rhs.isEmpty && (0..<size).contains(row) && kept.allSatisfy { (0..<size).contains($0.index) },
                     "RowTermSDP: a term outside the \(size)-square block or before any constraint")
        terms.append(Term(constraint: rhs.count - 1, row: row, indices: kept.map(\.index), values: kept.map(\.value)))
    }

    /// Gives the last constraint a slack `+ coefficient · s`, `s ≥ 0`.
    public mutating func addSlack(coefficient: Double = -1) {
        slacks.append((rhs.count - 1, coefficient))
    }

    /// Adds `v` to `C_ij` and `C_ji`.
    public mutating func addObjective(_ i: Int, _ j: Int, _ v: Double) {
        if v != 0 { objective.append((min(i, j), max(i, j), v)) }
    }

    /// `C` as a dense symmetric matrix.
    func objectiveMatrix() -> Matrix<Double> {
        var c = Matrix<Double>(rows: size, columns: size)
        for (i, j, v) in objective {
            c[i, j] += v
            if i != j { c[j, i] += v }
        }
        return c
    }

    /// `⟨C, X⟩` for a symmetric `X`.
    public func objectiveValue(_ x: Matrix<Double>) -> Double {
        objective.reduce(objectiveOffset) { $0 + ($1.i == $1.j ? 1 : 2) * $1.v * x[$1.i, $1.j] }
    }

    /// The same program in CSDP's form (1-based, `max ⟨−C, X⟩`), one CSDP entry per distinct
    /// position of each constraint.
    func csdpProgram() -> CSDPProgram {
        var program = CSDPProgram(size: size)
        var byConstraint = [[Int]](repeating: [], count: rhs.count)
        for (t, term) in terms.enumerated() { byConstraint[term.constraint].append(t) }
        var slacksOf = [[Double]](repeating: [], count: rhs.count)
        for s in slacks { slacksOf[s.constraint].append(s.coefficient) }
        for c in rhs.indices {
            program.begin(rhs: rhs[c])
            var entries: [Int: Double] = [:]  // key i·size + j with i ≤ j
            for t in byConstraint[c] {
                let term = terms[t]
                for (j, q) in zip(term.indices, term.values) {
                    let (i, k) = (min(term.row, j), max(term.row, j))
                    entries[i * size + k, default: 0] += i == k ? q : q / 2
                }
            }
            for key in entries.keys.sorted() { program.entry(key / size + 1, key % size + 1, entries[key]!) }
            for coefficient in slacksOf[c] { program.slack(coefficient: coefficient) }
        }
        var c: [Int: Double] = [:]
        for (i, j, v) in objective { c[i * size + j, default: 0] += v }
        for key in c.keys.sorted() { program.objective(key / size + 1, key % size + 1, -c[key]!) }
        return program
    }
}
