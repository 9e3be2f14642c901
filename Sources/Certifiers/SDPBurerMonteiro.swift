import LinearAlgebra

/// A low-rank primal solver for SDP-cert (formulations.md, "Known ways to solve SDP-cert fast":
/// Burer–Monteiro): the lifted matrix in centred variables is factored `P̂ = V̂ V̂ᵀ` with
/// `V̂ = [e₁ᵀ; V]` (N × rank), so `z_i = V[i, 0]` and `Ẑ_ij = v_i · v_j`. With the rows of x,
/// `a_i = m_i e₁ + r_i v_i`, and the pre-activation rows `h = W a_{k−1} + bias e₁`, every constraint
/// of SDP-cert is a function of a few rows:
///
/// ```
/// x ≥ 0:            a_i[0] / r_i ≥ 0
/// x ≥ Wx' + b:      (a_i[0] − h_i[0]) / r_i ≥ 0
/// x(x − Wx' − b)=0: a_i · (a_i − h_i) / r_i² = 0
/// box:              1 − |v_i|² ≥ 0
/// ```
/// It is solved by an augmented Lagrangian (Nocedal & Wright, §17.4) with L-BFGS on V. The result
/// is NOT a bound: its multipliers (and the row-wise KKT values of κ) are handed to `SDPDual`,
/// whose eigenvalue bound is what the certifier reports.
struct SDPBurerMonteiro {
    let problem: SDPProblem
    /// Columns of V.
    var rank: Int = 8
    /// Augmented-Lagrangian rounds.
    var rounds: Int = 30
    /// L-BFGS iterations per round.
    var innerIterations: Int = 300
    var seed: UInt64 = 0
    /// Cap on the penalty parameter.
    var maxSigma: Double = 100

    /// The multipliers of the constraints (scaled as in the table above, for the objective
    /// divided by `objectiveScale`), flat over x.
    struct State {
        var v: [Double]
        var yA: [Double], yB: [Double], yE: [Double], yD: [Double]
        var sigma: Double
    }

    /// Largest violation of any constraint at the last evaluation.
    struct Evaluation {
        var value: Double
        var gradient: [Double]
        var violation: Double
    }

    var objectiveScale: Double {
        let p = problem
        let last = p.block(p.layerCount - 1)
        var s = 0.0
        for (t, i) in last.enumerated() { s += abs(p.c[t]) * p.scale[i] }
        return max(s, 1e-12)
    }

    private func radius(_ i: Int) -> Double { max(problem.scale[i], 1e-12) }

    /// The augmented Lagrangian (to be minimised) and its gradient in V.
    ///
    /// - Complexity: two passes through the weights (one `gemm` forward, one back) with `rank` columns.
    func evaluate(_ v: [Double], _ s: State) throws -> Evaluation {
        let p = problem, n = p.size, q = rank
        let sigma = s.sigma
        let objective = 1 / objectiveScale
        var a = Matrix<Double>(rows: n, columns: q)
        for i in 0..<n {
            let r = p.scale[i]
            for c in 0..<q { a.elements[i * q + c] = r * v[i * q + c] }
            a.elements[i * q] += p.center[i]
        }
        var ga = Matrix<Double>(rows: n, columns: q)
        var value = 0.0, violation = 0.0
        let lastLayer = p.layerCount - 1
        for (t, i) in p.block(lastLayer).enumerated() {
            value -= objective * p.c[t] * a.elements[i * q]
            ga.elements[i * q] -= objective * p.c[t]
        }
        for k in 1..<max(p.layerCount, 1) {
            let rows = p.block(k), previous = p.block(k - 1)
            let w = p.weights[k - 1]
            let aPrev = try Matrix(rows: previous.count, columns: q, elements: Array(a.elements[(previous.lowerBound * q)..<(previous.upperBound * q)]))
            var h = try w.multiplied(by: aPrev)
            for t in 0..<rows.count { h.elements[t * q] += p.biases[k - 1][t] }
            var gh = Matrix<Double>(rows: rows.count, columns: q)
            for (t, i) in rows.enumerated() {
                let r = radius(i)
                let ai = i * q, hi = t * q
                // x ≥ 0
                let gA = a.elements[ai] / r
                let yA = max(0, s.yA[i] - sigma * gA)
                value += (yA * yA - s.yA[i] * s.yA[i]) / (2 * sigma)
                ga.elements[ai] -= yA / r
                violation = max(violation, -gA)
                // x ≥ Wx' + b
                let gB = (a.elements[ai] - h.elements[hi]) / r
                let yB = max(0, s.yB[i] - sigma * gB)
                value += (yB * yB - s.yB[i] * s.yB[i]) / (2 * sigma)
                ga.elements[ai] -= yB / r
                gh.elements[hi] += yB / r
                violation = max(violation, -gB)
                // x (x − Wx' − b) = 0
                var aa = 0.0, ah = 0.0
                for c in 0..<q {
                    aa += a.elements[ai + c] * a.elements[ai + c]
                    ah += a.elements[ai + c] * h.elements[hi + c]
                }
                let r2 = r * r
                let hE = (aa - ah) / r2
                let yE = s.yE[i] - sigma * hE
                value += -s.yE[i] * hE + 0.5 * sigma * hE * hE
                violation = max(violation, abs(hE))
                for c in 0..<q {
                    ga.elements[ai + c] -= yE * (2 * a.elements[ai + c] - h.elements[hi + c]) / r2
                    gh.elements[hi + c] += yE * a.elements[ai + c] / r2
                }
            }
            // Back through h = W a_{k−1}.
            let back = try w.multiplied(by: gh, transposeSelf: true)
            for t in 0..<(previous.count * q) { ga.elements[previous.lowerBound * q + t] += back.elements[t] }
        }
        var gradient = [Double](repeating: 0, count: n * q)
        for i in 0..<n {
            var norm = 0.0
            for c in 0..<q { norm += v[i * q + c] * v[i * q + c] }
            let gD = 1 - norm
            let yD = max(0, s.yD[i] - sigma * gD)
            value += (yD * yD - s.yD[i] * s.yD[i]) / (2 * sigma)
            violation = max(violation, -gD)
            let r = p.scale[i]
            for c in 0..<q { gradient[i * q + c] = r * ga.elements[i * q + c] + 2 * yD * v[i * q + c] }
        }
        return Evaluation(value: value, gradient: gradient, violation: violation)
    }

    /// The updated multipliers at V (`y ← max(0, y − σ g)`, `y ← y − σ h`).
    func updatedMultipliers(_ s: State) throws -> State {
        let p = problem, n = p.size, q = rank
        var out = s
        var a = [Double](repeating: 0, count: n * q)
        for i in 0..<n {
            for c in 0..<q { a[i * q + c] = p.scale[i] * s.v[i * q + c] }
            a[i * q] += p.center[i]
        }
        for k in 1..<max(p.layerCount, 1) {
            let rows = p.block(k), previous = p.block(k - 1)
            let aPrev = try Matrix(rows: previous.count, columns: q, elements: Array(a[(previous.lowerBound * q)..<(previous.upperBound * q)]))
            let h = try p.weights[k - 1].multiplied(by: aPrev)
            for (t, i) in rows.enumerated() {
                let r = radius(i)
                let ai = i * q, hi = t * q
                let h0 = h.elements[hi] + p.biases[k - 1][t]
                out.yA[i] = max(0, s.yA[i] - s.sigma * a[ai] / r)
                out.yB[i] = max(0, s.yB[i] - s.sigma * (a[ai] - h0) / r)
                var aa = 0.0, ah = 0.0
                for c in 0..<q {
                    let hc = h.elements[hi + c] + (c == 0 ? p.biases[k - 1][t] : 0)
                    aa += a[ai + c] * a[ai + c]
                    ah += a[ai + c] * hc
                }
                out.yE[i] = s.yE[i] - s.sigma * (aa - ah) / (r * r)
            }
        }
        for i in 0..<n {
            var norm = 0.0
            for c in 0..<q { norm += s.v[i * q + c] * s.v[i * q + c] }
            out.yD[i] = max(0, s.yD[i] - s.sigma * (1 - norm))
        }
        return out
    }

    /// The start: the rank-one point of the clean input (column 0) plus a small seeded
    /// perturbation in the other columns.
    func initialState(cleanZ: [Double]) -> State {
        let n = problem.size, q = rank
        var rng = SplitMix64(seed: seed)
        var v = [Double](repeating: 0, count: n * q)
        for i in 0..<n {
            v[i * q] = max(-1, min(1, cleanZ[i]))
            for c in 1..<q { v[i * q + c] = 0.1 * (2 * rng.unitInterval() - 1) }
        }
        let zero = [Double](repeating: 0, count: n)
        return State(v: v, yA: zero, yB: zero, yE: zero, yD: zero, sigma: 1)
    }

    /// Runs the augmented Lagrangian from `state`; returns the final state and its violation.
    func solve(from state: State) throws -> (state: State, violation: Double) {
        var s = state
        var lastViolation = Double.infinity
        let lbfgs = LBFGS(memory: 10, maxIterations: innerIterations, gradientTolerance: 1e-9)
        var violation = Double.infinity
        for _ in 0..<rounds {
            var v = s.v
            let frozen = s
            _ = try lbfgs.minimize(&v) { x in
                let e = try evaluate(x, frozen)
                return (e.value, e.gradient)
            }
            s.v = v
            violation = try evaluate(v, s).violation
            s = try updatedMultipliers(s)
            if violation > 0.5 * lastViolation { s.sigma = min(s.sigma * 2, maxSigma) }
            lastViolation = violation
        }
        return (s, violation)
    }

    /// The SDP-cert multipliers of a state (unscaled), with κ from the row-wise KKT conditions
    /// of the Lagrangian's maximisation over `P̂ = V̂V̂ᵀ`: `κ_i = (Ŝ V̂)_i · v̂_i`.
    ///
    /// - Complexity: one dense product of the (N+1)² Lagrangian matrix with V̂.
    func multipliers(_ s: State, dual: SDPDual) throws -> SDPMultipliers {
        let p = problem, n = p.size, q = rank
        let scale = objectiveScale
        var m = SDPMultipliers(size: n)
        for i in 0..<n {
            let r = radius(i)
            m.a[i] = scale * s.yA[i] / r
            m.b[i] = scale * s.yB[i] / r
            m.e[i] = scale * s.yE[i] / (r * r)
            m.d[i] = scale * s.yD[i] / (r * r)
        }
        m.project(inputCount: p.alive[0].count)
        let head = try dual.centred(m).head
        let matrix = dual.denseMatrix(m, head: head)
        var vhat = Matrix<Double>(rows: n + 1, columns: q)
        vhat[0, 0] = 1
        for i in 0..<n { for c in 0..<q { vhat[i + 1, c] = s.v[i * q + c] } }
        let product = try matrix.multiplied(by: vhat)
        for i in 0...n {
            var t = 0.0
            for c in 0..<q { t += product[i, c] * vhat[i, c] }
            m.kappa[i] = t
        }
        return m
    }
}
