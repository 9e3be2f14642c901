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
    public init() {}

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Complexity: one interior-point solve per target, each O(iterations · m³) for m ≈ 3·hidden
    ///   + inputs constraints.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        var bounds: [Int: Double] = [:], gaps: [Int: Double] = [:]
        var status = "optimal"
        for j in 0..<network.classCount where j != label {
            let problem = SDPProblem(network: network, bounds: intervals, label: label, target: j)
            let (bound, primal, code) = try solve(problem)
            bounds[j] = bound
            gaps[j] = (bound - primal) / max(1, abs(bound))
            // CSDP's codes: 0 solved, 3 "partial success" (full accuracy not reached), 4 iteration
            // limit; the bound is sound in every case, only its tightness differs.
            if code != 0 { status = code == 3 ? "partial" : "csdp-code-\(code)" }
        }
        return Certificate(
            method: "sdp-csdp", label: label, predicted: argmax(try network.scores(center)), bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: status, gaps: gaps)
    }

    /// The sound bound for one target.
    public func certifyTarget(network: ReLUNetwork<Double>, center: [Double], label: Int, target: Int, epsilon: Double) throws -> Double {
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        return try solve(SDPProblem(network: network, bounds: intervals, label: label, target: target)).bound
    }

    /// Solves one target: the sound bound, CSDP's primal objective (+ c0) and CSDP's return code.
    func solve(_ p: SDPProblem) throws -> (bound: Double, primal: Double, code: Int32) {
        let model = CSDPModel(p)
        var y = [Double](repeating: 0, count: model.rhs.count)
        var pobj = 0.0, dobj = 0.0
        let code = ccsdp_solve(
            Int32(p.size + 1), Int32(model.slacks), Int32(model.rhs.count), model.rhs,
            Int32(model.c.count), model.c.map { $0.i }, model.c.map { $0.j }, model.c.map { $0.v },
            Int32(model.a.count), model.a.map { $0.con }, model.a.map { $0.block }, model.a.map { $0.i },
            model.a.map { $0.j }, model.a.map { $0.v }, &y, &pobj, &dobj, 1)
        guard code == 0 || code == 3 || code == 4 else {
            throw CertifierError.solverFailed("CSDP returned code \(code)")
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

/// SDP-cert in CSDP's coordinate form (1-based indices; index 1 is the constant, variable v is v+2).
struct CSDPModel {
    enum Role { case normalisation, nonnegative(Int), aboveAffine(Int), complementarity(Int), box(Int) }
    var c: [(i: Int32, j: Int32, v: Double)] = []
    var a: [(con: Int32, block: Int32, i: Int32, j: Int32, v: Double)] = []
    var rhs: [Double] = []
    var roles: [Role] = []
    var slacks = 0

    init(_ p: SDPProblem) {
        func index(_ v: Int) -> Int32 { Int32(v + 2) }
        var con: Int32 = 0
        func begin(_ role: Role, _ value: Double) {
            con += 1
            rhs.append(value)
            roles.append(role)
        }
        func entry(_ i: Int32, _ j: Int32, _ v: Double) {
            if v != 0 { a.append((con, 1, min(i, j), max(i, j), v)) }
        }
        func slack() {
            slacks += 1
            a.append((con, 2, Int32(slacks), Int32(slacks), -1))
        }
        begin(.normalisation, 1)
        entry(1, 1, 1)
        for k in 1..<p.layerCount {
            let w = p.weights[k - 1], bias = p.biases[k - 1]
            let previous = Array(p.block(k - 1))
            for (t, v) in p.block(k).enumerated() {
                begin(.nonnegative(v), 0)  // P[x] − s = 0
                entry(1, index(v), 0.5)
                slack()
                begin(.aboveAffine(v), bias[t])  // P[x] − W P[x'] − s = b
                entry(1, index(v), 0.5)
                for (s, u) in previous.enumerated() { entry(1, index(u), -0.5 * w[t, s]) }
                slack()
                begin(.complementarity(v), 0)  // P[xx] − Σ W P[x'x] − b P[x] = 0
                entry(index(v), index(v), 1)
                for (s, u) in previous.enumerated() { entry(index(u), index(v), -0.5 * w[t, s]) }
                entry(1, index(v), -0.5 * bias[t])
            }
        }
        for v in 0..<p.size {
            begin(.box(v), p.lower[v] * p.upper[v])  // (l+u) P[x] − P[xx] − s = l u
            entry(1, index(v), 0.5 * (p.lower[v] + p.upper[v]))
            entry(index(v), index(v), -1)
            slack()
        }
        let last = p.block(p.layerCount - 1)
        for (t, v) in last.enumerated() where p.c[t] != 0 { c.append((1, index(v), 0.5 * p.c[t])) }
    }
}
