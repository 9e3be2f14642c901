import CCSDP
import Foundation
import LinearAlgebra
import Networks

/// SDP-cert (paper 1, eq. 7) solved by CSDP's primal-dual interior-point method: the reference
/// backend (method `sdp-csdp`) against which the fast solver is checked. Exact to ~1e-7 but its
/// Schur complement is dense in the number of constraints, so it suits small networks only.
///
/// CSDP's standard form is `max tr(C X) s.t. tr(A_i X) = a_i, X ⪰ 0`; inequalities get slack
/// variables in a diagonal block. The reported bound is not CSDP's objective: CSDP's dual vector
/// gives the multipliers of `SDPDual` (every multiplier = −y_i in this orientation, κ_0 from the
/// y of `P[1] = 1`, κ_i = 0), whose sound bound (dense eigenvalue + rounding margin) is reported.
public struct CSDPCertifier: Sendable {
    /// Which interior-point method solves the SDP.
    public enum Backend: Sendable { case csdp, interiorPoint }
    /// CSDP (method `sdp-csdp`) or the structured interior point of `RowTermSDP` (`sdp-ipm`).
    public var backend: Backend
    /// Iteration limit of the structured interior point (CSDP keeps its own, 100).
    public var maxIterations: Int

    /// Keep the box constraints `P[x x] ≤ (l + u) P[x] − l u` of the hidden layers (paper 1's
    /// SDP). False drops them, the ablation of paper 1's §6 remark (the input box stays). The
    /// reported bound stays sound for the network either way: it is computed with every box
    /// (`SDPDual.soundBound`), which only adds constraints to the program solved.
    public var intermediateBoxes = true
    /// Stop a point at its first uncertified target (targets hardest first); the others report
    /// their interval bound with status `not-attempted`, as in `SDPCertifier.failFast`.
    public var failFast = false

    public init(backend: Backend = .csdp, maxIterations: Int = 250, intermediateBoxes: Bool = true, failFast: Bool = false) {
        self.backend = backend
        self.maxIterations = maxIterations
        self.intermediateBoxes = intermediateBoxes
        self.failFast = failFast
    }

    /// The method name in certificates.
    var methodName: String {
        (backend == .csdp ? "sdp-csdp" : "sdp-ipm") + (intermediateBoxes ? "" : "-no-hidden-box")
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Complexity: one interior-point solve per target, each O(iterations · m³) for m ≈ 3·hidden
    ///   + inputs constraints.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let schedule = try TargetSchedule(network: network, center: center, label: label, intervals: intervals, failFast: failFast) { j in
            let (bound, primal, code) = try solve(SDPProblem(network: network, bounds: intervals, label: label, target: j))
            // CSDP's codes: 0 solved, 3 "partial success" (full accuracy not reached), 4 iteration
            // limit; the bound is sound in every case, only its tightness differs.
            return (bound, primal, code == 0 ? "optimal" : code == 3 ? "partial" : "csdp-code-\(code)")
        }
        let (bounds, gaps, scores) = (schedule.bounds, schedule.gaps, schedule.scores)
        let solved = schedule.statuses.values.filter { $0 != "not-attempted" }
        var status = solved.first { $0 != "optimal" } ?? "optimal"
        if solved.count < schedule.statuses.count { status += "+not-attempted" }
        return Certificate(
            method: methodName, label: label, predicted: argmax(scores), bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: status, gaps: gaps)
    }

    /// The sound bound for one target.
    public func certifyTarget(network: ReLUNetwork<Double>, center: [Double], label: Int, target: Int, epsilon: Double) throws -> Double {
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        return try solve(SDPProblem(network: network, bounds: intervals, label: label, target: target)).bound
    }

    /// The sound bound for one target with the solver's primal value (the relaxation's objective
    /// at its last primal iterate: below the sound bound by the duality gap) and its code (0 solved,
    /// 3 partial, 4 stopped).
    public func referenceTarget(network: ReLUNetwork<Double>, center: [Double], label: Int, target: Int, epsilon: Double) throws
        -> (bound: Double, primal: Double, code: Int32) {
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        return try solve(SDPProblem(network: network, bounds: intervals, label: label, target: target))
    }

    /// Solves one target: the sound bound, the solver's primal objective (+ c0) and its return
    /// code (CSDP's; the structured interior point's mapped to CSDP's 0, 3 and 4).
    func solve(_ p: SDPProblem) throws -> (bound: Double, primal: Double, code: Int32) {
        let model = SDPCertModel(p, intermediateBoxes: intermediateBoxes)
        let y: [Double], pobj: Double, code: Int32
        switch backend {
        case .csdp:
            let solution = model.program.csdpProgram().solve()
            (y, pobj, code) = (solution.y, solution.primalObjective, solution.code)
        case .interiorPoint:
            // min ⟨C, X⟩ = −CSDP's max; its dual vector is −CSDP's.
            // Solved in SDP-cert's centred, scaled variables x = m + r ⊙ z (every box z² ≤ 1): an
            // exact congruence that leaves the constraints and so the dual vector unchanged.
            let shift = [0] + p.center, scale = [1] + p.scale.map { $0 > 0 ? $0 : 1 }
            var options = InteriorPointOptions()
            options.maxIterations = maxIterations
            options.verbose = ProcessInfo.processInfo.environment["SDPCERT_IPM_VERBOSE"] == "1"
            let solution = try model.program.shifted(by: shift, scale: scale).solveInteriorPoint(options)
            y = solution.y.map { -$0 }
            pobj = -solution.primalObjective
            switch solution.status {
            case .optimal: code = 0
            case .partial: code = 3
            case .failed: code = 4
            case .infeasible: code = 1
            }
        }
        guard code == 0 || code == 3 || code == 4 else {
            throw CertifierError.solverFailed("\(backend == .csdp ? "CSDP" : "the interior-point method") returned code \(code)")
        }
        var m = SDPMultipliers(size: p.size)
        for (row, role) in model.roles.enumerated() {
            let value = -y[row]
            switch role {
            case .normalisation: break
            case .nonnegative(let v): m.a[v] = value
            case .aboveAffine(let v): m.b[v] = value
            case .complementarity(let v): m.e[v] = value
            case .box(let v): m.d[v] = value
            }
        }
        m.project(inputCount: p.alive[0].count)
        // CSDP certifies [−y₁ ½gᵀ; ½g Q] ⪯ 0 in the original variables; centring moves
        // gᵀm + mᵀQm into the constant, so κ₀ = y₁ − (const' − const).
        let dual = SDPDual(problem: p)
        let shift = try dual.centred(m).constant - dual.linearPart(m).constant
        m.kappa[0] = y[0] - shift
        return (try dual.soundBound(m), pobj + p.c0, code)
    }
}

/// SDP-cert as a `RowTermSDP` (index 0 is the constant, variable v is v + 1), with the role of
/// every constraint so that the dual vector maps back to `SDPMultipliers`.
struct SDPCertModel {
    enum Role { case normalisation, nonnegative(Int), aboveAffine(Int), complementarity(Int), box(Int) }
    var program: RowTermSDP
    var roles: [Role] = []

    /// ```
    /// min −c⁻ᵀ P[x_L]  s.t.  P[1] = 1,  P[x] ≥ 0,  P[x] ≥ W P[x'] + b,  P[xx] = diag(W P[x'x]) + b P[x],
    ///                        P[xx] ≤ (l + u) P[x] − l u   (every layer, or the input only)
    /// ```
    init(_ p: SDPProblem, intermediateBoxes: Bool = true) {
        func index(_ v: Int) -> Int { v + 1 }
        var q = RowTermSDP(size: p.size + 1)
        var roles: [Role] = []
        func begin(_ role: Role, _ value: Double) {
            q.addConstraint(rhs: value)
            roles.append(role)
        }
        begin(.normalisation, 1)
        q.addTerm(row: 0, [(0, 1)])
        for k in 1..<p.layerCount {
            let w = p.weights[k - 1], bias = p.biases[k - 1]
            let previous = Array(p.block(k - 1))
            for (t, v) in p.block(k).enumerated() {
                let row = previous.enumerated().map { (index: index($0.element), value: w[t, $0.offset]) }
                begin(.nonnegative(v), 0)  // P[x] − s = 0
                q.addTerm(row: 0, [(index(v), 1)])
                q.addSlack()
                begin(.aboveAffine(v), bias[t])  // P[x] − W P[x'] − s = b
                q.addTerm(row: 0, [(index(v), 1)] + row.map { ($0.index, -$0.value) })
                q.addSlack()
                begin(.complementarity(v), 0)  // P[xx] − Σ W P[x'x] − b P[x] = 0
                q.addTerm(row: index(v), [(index(v), 1), (0, -bias[t])] + row.map { ($0.index, -$0.value) })
            }
        }
        for v in 0..<(intermediateBoxes ? p.size : p.block(0).upperBound) {
            begin(.box(v), p.lower[v] * p.upper[v])  // (l+u) P[x] − P[xx] − s = l u
            q.addTerm(row: index(v), [(0, p.lower[v] + p.upper[v]), (index(v), -1)])
            q.addSlack()
        }
        let last = p.block(p.layerCount - 1)
        for (t, v) in last.enumerated() where p.c[t] != 0 { q.addObjective(0, index(v), -0.5 * p.c[t]) }
        program = q
        self.roles = roles
    }
}
