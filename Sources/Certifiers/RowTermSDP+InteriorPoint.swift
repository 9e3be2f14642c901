import Foundation
import LinearAlgebra

/// What the interior-point method returns.
public struct InteriorPointSolution: Sendable {
    /// How the solve ended.
    public enum Status: String, Sendable {
        /// Relative gap and infeasibilities below the tolerance.
        case optimal
        /// Stopped (stalled or iteration limit) with gap and infeasibilities within 1000 times the
        /// tolerance: the answer stands, at lower accuracy (CSDP's "partial success", same rule).
        case partial
        /// A Farkas certificate: the program has no feasible point.
        case infeasible
        /// Stopped without an answer (stalled, iteration limit, loss of positive definiteness).
        case failed
    }

    public var status: Status
    /// The matrix block `X`.
    public var x: Matrix<Double>
    /// The slack variables.
    public var slacks: [Double]
    /// The dual vector y of `𝒜*(y) + Z = C` (in the program's own units, not the solver's scaling).
    public var y: [Double]
    /// `⟨C, X⟩` plus the program's objective offset.
    public var primalObjective: Double
    /// `bᵀy` plus the offset (equal to the primal objective at optimality).
    public var dualObjective: Double
    /// Iterations taken.
    public var iterations: Int
    /// The relative gap the stopping rule used (`InteriorPointOptions.gap`), `‖b − 𝒜X‖/(1 + ‖b‖)`
    /// and the dual analogue at the end.
    public var relativeGap: Double
    public var primalInfeasibility: Double
    public var dualInfeasibility: Double
    /// `|pobj − dobj| / (1 + |pobj| + |dobj|)` at the end, whichever gap the stopping rule used.
    public var objectiveGap: Double
}

/// Settings of the interior-point method.
public struct InteriorPointOptions: Sendable {
    /// Stop when relative gap and relative infeasibilities are all below this.
    public var tolerance = 1e-8
    /// Which relative gap the stopping rule measures.
    public var gap = GapMeasure.objective
    /// The relative duality gaps a stopping rule can measure (both over `1 + |pobj| + |dobj|`).
    public enum GapMeasure: Sendable {
        /// `|pobj − dobj|`: CSDP with `usexzgap = 0`.
        case objective
        /// The complementarity `⟨X, Z⟩ + sᵀw`: CSDP's default (`usexzgap = 1`). It differs from the
        /// objective gap by `yᵀ(b − 𝒜X) + ⟨R_d, X⟩`, so where the dual vector is large (a ball of
        /// small radius ρ has a multiplier ~1/ρ) a primal residual at the tolerance can keep the
        /// objective gap far above it while X with (y, Z) is a complementary (to the tolerance)
        /// primal–dual pair of a program whose right-hand side and cost differ by the residuals.
        case complementarity
    }
    /// Iteration limit.
    public var maxIterations = 100
    /// Fraction of the step to the boundary taken.
    public var stepFraction = 0.95
    /// Print one line per iteration to standard error.
    public var verbose = false

    public init() {}
}

extension RowTermSDP {
    /// Solves the program by a primal-dual infeasible interior-point method: HKM direction,
    /// Mehrotra predictor–corrector, on the constraints scaled to unit Frobenius norm.
    ///
    /// Each iteration forms the Schur complement `M_ij = ⟨A_i, X A_j Z⁻¹⟩` from the terms alone:
    /// with `Q = [q_t]`, `U = X Q`, `V = Z⁻¹ Q`, `Ū = QᵀX Q`, `V̄ = QᵀZ⁻¹Q`,
    ///
    /// ```
    /// 4 M_st = U[a_t, s] V[a_s, t] + U[a_s, t] V[a_t, s] + Ū_st Z⁻¹[a_s, a_t] + X[a_s, a_t] V̄_st
    /// ```
    /// summed over the terms s of constraint i and t of constraint j (plus `c_k² s_k / z_k` from the
    /// slacks), so a term with a full row of weights costs no more than any other. Primal
    /// infeasibility is reported from a Farkas ray `bᵀy > 0`, `𝒜*(y) ⪯ 0` in the limit.
    ///
    /// - Complexity: per iteration four `gemm`s of `n × n × T` and `T × n × T` (T terms), a Cholesky
    ///   factorisation of the m × m Schur complement, and O(1) Cholesky factorisations, inverses and
    ///   smallest-eigenvalue solves of `n × n` matrices.
    public func solveInteriorPoint(_ options: InteriorPointOptions = InteriorPointOptions()) throws -> InteriorPointSolution {
        var engine = try InteriorPointEngine(self)
        return try engine.run(options)
    }
}

/// The scaled data and the iterates of one interior-point solve.
struct InteriorPointEngine {
    let n: Int, m: Int, termCount: Int, slackCount: Int
    /// `Qᵀ`, `T × n`, row t = q_t scaled.
    let qt: Matrix<Double>
    /// Terms with more than `sparseLimit` nonzeros (rows of weights), their rows of `Qᵀ`; the
    /// others (first-row and diagonal entries, a few nonzeros each) by their nonzeros.
    let denseTerms: [Int], qtDense: Matrix<Double>
    let sparseTerms: [(term: Int, indices: [Int], values: [Double])]
    /// Terms with at most this many nonzeros count as sparse: 16, or n/32 for large programs (the
    /// convolution rows of the CNN).
    let sparseLimit: Int
    let rows: [Int], owners: [Int]
    let slackOwner: [Int], slackCoefficient: [Double]
    let b: [Double]
    let c: Matrix<Double>
    let offset: Double
    let scale: [Double]

    var x: Matrix<Double>, s: [Double], y: [Double], z: Matrix<Double>, w: [Double]

    init(_ p: RowTermSDP) throws {
        n = p.size
        m = p.constraintCount
        termCount = p.terms.count
        slackCount = p.slacks.count
        // Scale each constraint to unit Frobenius norm (approximately: terms summed as if orthogonal).
        var norm2 = [Double](repeating: 0, count: m)
        for term in p.terms {
            var q2 = 0.0, qa = 0.0
            for (j, v) in zip(term.indices, term.values) {
                q2 += v * v
                if j == term.row { qa = v }
            }
            norm2[term.constraint] += (q2 + qa * qa) / 2
        }
        for sl in p.slacks { norm2[sl.constraint] += sl.coefficient * sl.coefficient }
        let factors = norm2.map { $0 > 0 ? 1 / $0.squareRoot() : 1 }
        scale = factors
        var qt = Matrix<Double>(rows: termCount, columns: n)
        for (t, term) in p.terms.enumerated() {
            for (j, v) in zip(term.indices, term.values) { qt[t, j] += v * factors[term.constraint] }
        }
        self.qt = qt
        sparseLimit = max(16, n / 32)
        var dense: [Int] = [], sparse: [(term: Int, indices: [Int], values: [Double])] = []
        for t in 0..<termCount {
            let nonzeros = (0..<n).filter { qt[t, $0] != 0 }
            if nonzeros.count > sparseLimit { dense.append(t) } else { sparse.append((t, nonzeros, nonzeros.map { qt[t, $0] })) }
        }
        var qtDense = Matrix<Double>(rows: dense.count, columns: n)
        for (r, t) in dense.enumerated() { for j in 0..<n { qtDense[r, j] = qt[t, j] } }
        denseTerms = dense
        sparseTerms = sparse
        self.qtDense = qtDense
        rows = p.terms.map(\.row)
        owners = p.terms.map(\.constraint)
        slackOwner = p.slacks.map(\.constraint)
        slackCoefficient = p.slacks.map { $0.coefficient * factors[$0.constraint] }
        b = zip(p.rhs, factors).map { $0 * $1 }
        c = p.objectiveMatrix()
        offset = p.objectiveOffset

        // Starting point (SDPT3's rule): X = ξ I, Z = η I, y = 0.
        let root = Double(n).squareRoot()
        let bMax = b.map { 1 + abs($0) }.max() ?? 1
        let xi = max(10, root, root * bMax / 2)
        let cNorm = c.elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let eta = max(10, root, cNorm, 1)
        x = Matrix<Double>.identity(n)
        for i in 0..<n { x[i, i] = xi }
        z = Matrix<Double>.identity(n)
        for i in 0..<n { z[i, i] = eta }
        s = [Double](repeating: xi, count: slackCount)
        w = [Double](repeating: eta, count: slackCount)
        y = [Double](repeating: 0, count: m)
    }

    // MARK: the linear maps

    /// `𝒜(H) + A_s h` for a symmetric `H`.
    func apply(_ h: Matrix<Double>, slacks hs: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: m)
        h.elements.withUnsafeBufferPointer { ph in
            forEachTerm { t, indices, values in
                let hr = ph.baseAddress! + rows[t] * n
                var sum = 0.0
                if let indices {
                    for (j, q) in zip(indices, values) { sum += hr[j] * q }
                } else {
                    for j in 0..<n { sum += hr[j] * values[j] }
                }
                out[owners[t]] += sum
            }
        }
        for k in 0..<slackCount { out[slackOwner[k]] += slackCoefficient[k] * hs[k] }
        return out
    }

    /// `𝒜*(v) = Σ_t v_{i(t)} sym(e_{a_t} q_tᵀ)` and `A_sᵀ v`.
    func adjoint(_ v: [Double]) -> (Matrix<Double>, [Double]) {
        var out = Matrix<Double>(rows: n, columns: n)
        out.elements.withUnsafeMutableBufferPointer { po in
            forEachTerm { t, indices, values in
                let f = v[owners[t]] / 2, a = rows[t]
                if f == 0 { return }
                func add(_ j: Int, _ q: Double) {
                    po[a * n + j] += f * q
                    po[j * n + a] += f * q
                }
                if let indices {
                    for (j, q) in zip(indices, values) { add(j, q) }
                } else {
                    for j in 0..<n where values[j] != 0 { add(j, values[j]) }
                }
            }
        }
        return (out, (0..<slackCount).map { slackCoefficient[$0] * v[slackOwner[$0]] })
    }

    /// Calls `body(t, indices, values)` for every term t: a dense term with `indices` nil and its
    /// full row of `Qᵀ` as `values`, a sparse one with its nonzeros.
    private func forEachTerm(_ body: (Int, [Int]?, UnsafeBufferPointer<Double>) -> Void) {
        qtDense.elements.withUnsafeBufferPointer { pd in
            for (r, t) in denseTerms.enumerated() {
                body(t, nil, UnsafeBufferPointer(rebasing: pd[(r * n)..<((r + 1) * n)]))
            }
        }
        for sparse in sparseTerms {
            sparse.values.withUnsafeBufferPointer { body(sparse.term, sparse.indices, $0) }
        }
    }

    // MARK: the iteration

    struct Direction {
        var dx: Matrix<Double>, ds: [Double], dy: [Double], dz: Matrix<Double>, dw: [Double]
    }

    /// Solves the Newton system for complementarity right-hand side `K` (passed as `K Z⁻¹`) and `k`:
    /// `𝒜(ΔX) + A_sΔs = r_p`, `𝒜*(Δy) + ΔZ = R_d`, `ΔX Z + X ΔZ = K` (and the slacks' analogue).
    func direction(
        kzi: Matrix<Double>, k: [Double], rp: [Double], rd: Matrix<Double>, rdSlack: [Double],
        xRdZi: Matrix<Double>, zi: Matrix<Double>, schur: CholeskyFactor<Double>
    ) throws -> Direction {
        var h = kzi
        for i in h.elements.indices { h.elements[i] -= xRdZi.elements[i] }
        symmetrize(&h)
        let hs = (0..<slackCount).map { k[$0] / w[$0] - s[$0] / w[$0] * rdSlack[$0] }
        let ah = apply(h, slacks: hs)
        let rhs = (0..<m).map { rp[$0] - ah[$0] }
        var dy = try schur.solve(rhs)
        var result = try complete(dy: dy, kzi: kzi, k: k, rd: rd, rdSlack: rdSlack, zi: zi)
        // Iterative refinement: near the optimum M is ill-conditioned and the primal residual
        // 𝒜(ΔX) + A_sΔs − r_p of the solved direction, not of M, is what must vanish.
        for _ in 0..<2 {
            let a = apply(result.dx, slacks: result.ds)
            let residual = (0..<m).map { rp[$0] - a[$0] }
            if norm(residual) <= 1e-3 * norm(rp) { break }
            let correction = try schur.solve(residual)
            for i in 0..<m { dy[i] += correction[i] }
            result = try complete(dy: dy, kzi: kzi, k: k, rd: rd, rdSlack: rdSlack, zi: zi)
        }
        return result
    }

    /// The rest of the direction from Δy: `ΔZ = R_d − 𝒜*(Δy)`, `ΔX = sym(K Z⁻¹ − X ΔZ Z⁻¹)`.
    func complete(
        dy: [Double], kzi: Matrix<Double>, k: [Double], rd: Matrix<Double>, rdSlack: [Double], zi: Matrix<Double>
    ) throws -> Direction {
        let (ady, adySlack) = adjoint(dy)
        var dz = rd
        for i in dz.elements.indices { dz.elements[i] -= ady.elements[i] }
        let dw = (0..<slackCount).map { rdSlack[$0] - adySlack[$0] }
        let xdz = try x.multiplied(by: dz)
        var dx = kzi
        try dx.gemm(-1, xdz, zi, beta: 1)
        symmetrize(&dx)
        let ds = (0..<slackCount).map { (k[$0] - s[$0] * dw[$0]) / w[$0] }
        return Direction(dx: dx, ds: ds, dy: dy, dz: dz, dw: dw)
    }

    /// The largest steps (≤ 1) keeping `X, s` and `Z, w` in their cones.
    /// `xFactor` and `zFactor` with their inverse factors, computed once per iteration for both
    /// the predictor and the corrector.
    func steps(
        _ d: Direction, xFactor: (CholeskyFactor<Double>, Matrix<Double>), zFactor: (CholeskyFactor<Double>, Matrix<Double>)
    ) throws -> (Double, Double) {
        var ap = try xFactor.0.maximumStep(along: d.dx, limit: 1, factorInverse: xFactor.1)
        var ad = try zFactor.0.maximumStep(along: d.dz, limit: 1, factorInverse: zFactor.1)
        for k in 0..<slackCount {
            if d.ds[k] < 0 { ap = min(ap, -s[k] / d.ds[k]) }
            if d.dw[k] < 0 { ad = min(ad, -w[k] / d.dw[k]) }
        }
        return (ap, ad)
    }

    mutating func run(_ options: InteriorPointOptions) throws -> InteriorPointSolution {
        let bNorm = norm(b), cNorm = norm(c.elements)
        let order = Double(n + slackCount)
        var iteration = 0
        var stalls = 0
        var last = (gap: Double.infinity, pinf: Double.infinity, dinf: Double.infinity, pobj: 0.0, dobj: 0.0, objectiveGap: Double.infinity)
        // The iterate with the smallest max(gap, pinf, dinf): near the end rounding can make the
        // primal residual creep up again while μ keeps falling, and the best iterate is the answer.
        var best: InteriorPointSolution?
        var sinceBest = 0
        var clock = PhaseClock(), lastSteps = (0.0, 0.0)
        if options.verbose {
            let nonzeros = sparseTerms.reduce(0) { $0 + $1.indices.count }
            FileHandle.standardError.write(Data(
                "ipm: n = \(n), m = \(m), \(termCount) terms (\(denseTerms.count) dense, \(sparseTerms.count) sparse with \(nonzeros) nonzeros; limit \(sparseLimit)), \(slackCount) slacks\n".utf8))
        }
        func current(_ status: InteriorPointSolution.Status) -> InteriorPointSolution {
            InteriorPointSolution(
                status: status, x: x, slacks: s, y: zip(y, scale).map { $0 * $1 }, primalObjective: last.pobj, dualObjective: last.dobj,
                iterations: iteration, relativeGap: last.gap, primalInfeasibility: last.pinf,
                dualInfeasibility: last.dinf, objectiveGap: last.objectiveGap)
        }
        func merit(_ a: InteriorPointSolution) -> Double { max(a.relativeGap, a.primalInfeasibility, a.dualInfeasibility) }
        func finish(_ status: InteriorPointSolution.Status) -> InteriorPointSolution {
            if status == .infeasible { return current(status) }
            var answer = current(status)
            if let best, merit(best) < merit(answer) { answer = best }
            answer.iterations = iteration
            answer.status = merit(answer) < options.tolerance ? .optimal : (merit(answer) < 1000 * options.tolerance ? .partial : .failed)
            return answer
        }
        while true {
            let ax = apply(x, slacks: s)
            let rp = (0..<m).map { b[$0] - ax[$0] }
            let (ay, aySlack) = adjoint(y)
            var rd = c
            for i in rd.elements.indices { rd.elements[i] -= ay.elements[i] + z.elements[i] }
            let rdSlack = (0..<slackCount).map { -aySlack[$0] - w[$0] }
            let by = dot(b, y)
            let pobj = dot(c.elements, x.elements) + offset, dobj = by + offset
            let complementarity = dot(x.elements, z.elements) + dot(s, w)
            let mu = complementarity / order
            let pinf = norm(rp) / (1 + bNorm)
            let dinf = (dot(rd.elements, rd.elements) + dot(rdSlack, rdSlack)).squareRoot() / (1 + cNorm)
            let objectiveGap = abs(pobj - dobj) / (1 + abs(pobj) + abs(dobj))
            let gap = options.gap == .objective ? objectiveGap : complementarity / (1 + abs(pobj) + abs(dobj))
            last = (gap, pinf, dinf, pobj, dobj, objectiveGap)
            if options.verbose {
                let line = String(
                    format: "ipm %3d  pobj % .8e  dobj % .8e  gap %.1e (objective %.1e)  pinf %.1e  dinf %.1e  mu %.1e  |y| %.1e  steps %.2f %.2f  s: ",
                    iteration, pobj, dobj, gap, objectiveGap, pinf, dinf, mu, zip(y, scale).reduce(0) { max($0, abs($1.0 * $1.1)) },
                    lastSteps.0, lastSteps.1) + clock.summary + "\n"
                FileHandle.standardError.write(Data(line.utf8))
                clock = PhaseClock()
            }
            if max(gap, pinf, dinf) < options.tolerance { return finish(.optimal) }
            if best == nil || max(gap, pinf, dinf) < merit(best!) {
                best = current(.partial)
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            // Farkas: y/bᵀy with 𝒜*(y) + Z = C − R_d small against bᵀy proves primal infeasibility.
            if by > 0 {
                var ray = 0.0
                for i in rd.elements.indices { let e = c.elements[i] - rd.elements[i]; ray += e * e }
                ray = (ray + dot(rdSlack, rdSlack)).squareRoot()
                if ray / by < 1e-8, pinf > options.tolerance { return finish(.infeasible) }
            }
            if iteration >= options.maxIterations || stalls >= 3 || (sinceBest >= 5 && merit(best!) < 1000 * options.tolerance) {
                return finish(.failed)
            }
            iteration += 1
            guard let zFactor = try CholeskyFactor(z), let xFactor = try CholeskyFactor(x) else { return finish(.failed) }
            let zi = try zFactor.inverse()
            let xStep = (xFactor, try xFactor.factorInverse()), zStep = (zFactor, try zFactor.factorInverse())
            clock.lap("factors")
            var mm = try schur(zInverse: zi)
            clock.lap("schur")
            var schurFactor = try CholeskyFactor(mm)
            var shift = 1e-14 * (mm.elements.lazy.map(abs).max() ?? 1)
            while schurFactor == nil, shift < 1 {
                for i in 0..<m { mm[i, i] += shift }
                schurFactor = try CholeskyFactor(mm)
                shift *= 100
            }
            guard let schurFactor else { return finish(.failed) }
            clock.lap("chol")
            let xRdZi = try x.multiplied(by: rd).multiplied(by: zi)

            // Predictor: K = −XZ, so K Z⁻¹ = −X.
            var kzi = x
            for i in kzi.elements.indices { kzi.elements[i] = -kzi.elements[i] }
            var k = (0..<slackCount).map { -s[$0] * w[$0] }
            let predictor = try direction(
                kzi: kzi, k: k, rp: rp, rd: rd, rdSlack: rdSlack, xRdZi: xRdZi, zi: zi, schur: schurFactor)
            clock.lap("dir")
            let (pa, da) = try steps(predictor, xFactor: xStep, zFactor: zStep)
            clock.lap("step")
            var nextGap = 0.0
            for i in x.elements.indices {
                nextGap += (x.elements[i] + pa * predictor.dx.elements[i]) * (z.elements[i] + da * predictor.dz.elements[i])
            }
            for j in 0..<slackCount { nextGap += (s[j] + pa * predictor.ds[j]) * (w[j] + da * predictor.dw[j]) }
            let sigma = min(1, pow(max(nextGap, 0) / complementarity, 3))

            // Corrector: K = σμI − XZ − ΔX_a ΔZ_a, so K Z⁻¹ = σμZ⁻¹ − X − ΔX_a ΔZ_a Z⁻¹.
            let cross = try predictor.dx.multiplied(by: predictor.dz).multiplied(by: zi)
            for i in kzi.elements.indices {
                kzi.elements[i] = sigma * mu * zi.elements[i] - x.elements[i] - cross.elements[i]
            }
            k = (0..<slackCount).map { sigma * mu - s[$0] * w[$0] - predictor.ds[$0] * predictor.dw[$0] }
            let corrector = try direction(
                kzi: kzi, k: k, rp: rp, rd: rd, rdSlack: rdSlack, xRdZi: xRdZi, zi: zi, schur: schurFactor)
            clock.lap("dir")
            let (pc, dc) = try steps(corrector, xFactor: xStep, zFactor: zStep)
            clock.lap("step")
            let alphaP = min(1, options.stepFraction * pc), alphaD = min(1, options.stepFraction * dc)
            lastSteps = (alphaP, alphaD)
            stalls = max(alphaP, alphaD) < 1e-8 ? stalls + 1 : 0
            for i in x.elements.indices {
                x.elements[i] += alphaP * corrector.dx.elements[i]
                z.elements[i] += alphaD * corrector.dz.elements[i]
            }
            for j in 0..<slackCount {
                s[j] += alphaP * corrector.ds[j]
                w[j] += alphaD * corrector.dw[j]
            }
            for i in 0..<m { y[i] += alphaD * corrector.dy[i] }
        }
    }
}

/// Wall-clock seconds per phase of an iteration, for the verbose trace.
private struct PhaseClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private var seconds: [(String, Double)] = []

    /// Charges the time since the previous lap to `phase`.
    mutating func lap(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = Double(now - last) / 1e9
        last = now
        if let i = seconds.firstIndex(where: { $0.0 == phase }) { seconds[i].1 += elapsed } else { seconds.append((phase, elapsed)) }
    }

    var summary: String { seconds.map { $0.0 + String(format: " %.1f", $0.1) }.joined(separator: ", ") }
}

/// `(H + Hᵀ)/2` in place.
private func symmetrize(_ h: inout Matrix<Double>) {
    let n = h.rows
    for i in 0..<n {
        for j in (i + 1)..<max(n, i + 1) {
            let v = (h.elements[i * n + j] + h.elements[j * n + i]) / 2
            h.elements[i * n + j] = v
            h.elements[j * n + i] = v
        }
    }
}

private func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
