import Foundation
import LinearAlgebra

/// Problem (B)'s relaxation over one layer certified at a rank-1 point (paper 2, Section 8 and
/// formulations.md): the KKT point `x` of the nonconvex problem with its activation pattern kept,
/// and the SDP multipliers that make the slack vanish on `g = (1, x, z)`, `z = ReLU(W x + b)`.
///
/// With `a = W x + b`, `A = {m : a_m > 0}` and `μ` the squared ball's multiplier, `x` solves (no kinks)
///
/// ```
/// x − x̂ + μ W_Aᵀ (a − ẑ)_A = 0,     ‖(a − ẑ)_A‖² + ‖ẑ_{∖A}‖² = ρ²   (μ = 0 when x̂ itself is feasible)
/// ```
/// and `S(y) g = 0` leaves one free multiplier per neuron, the product multiplier `π_m ≥ 0`, with
///
/// ```
/// a_m > 0:  η_m = 2μ (a_m − ẑ_m) + π_m a_m ≥ 0,  ν_m = 0,      so π_m ≥ 2μ (ẑ_m − a_m) / a_m
/// a_m < 0:  ν_m = π_m |a_m| − 2μ ẑ_m ≥ 0,        η_m = 0,      so π_m ≥ 2μ ẑ_m / |a_m|
/// a_m = 0:  η_m = λ_m,  ν_m = −2μ ẑ_m − λ_m,  π_m = 0         (λ_m ∈ [0, −2μ ẑ_m], the kink's multiplier)
/// ```
/// (an optimum often holds some neurons at the kink `a_m = 0`, whose multiplier `λ_m` of
/// `a_m = 0` the polish computes and the x equation then carries as `+ ½ W_Kᵀ λ_K`).
/// (ν for `z ≥ 0`, η for `z ≥ W x + b`). Off `g`, `S(y)` is `[I, −½ Wᵀ diag(π); −½ diag(π) W,
/// diag(π + μ)]`, which is ⪰ 0 iff `¼ Wᵀ diag(π² / (π + μ)) W ⪯ I`: monotone in π, so the
/// smallest π of each neuron is the certificate to try, and the relaxation is tight at `g` iff
/// that one holds. The point is feasible for the relaxation (`G = g gᵀ`), so its objective and
/// the dual bound of `y` (rigorous through `BurerMonteiroRank2.gapVerdict`) bracket the optimum.
struct RankOneCertificate {
    let problem: LeastSquaresProblem

    /// The rank-1 point and its ball multiplier.
    struct Point {
        var x: [Double]
        var z: [Double]
        /// `a = W x + b`.
        var preactivation: [Double]
        var mu: Double
        /// The neurons held at the kink `a = 0`, with the multipliers λ_m of `a_m = 0`.
        var kinks: [Int: Double]
        /// `‖x − x̂‖²`.
        var objective: Double
        /// `‖z − ẑ‖ − ρ` (≤ 0 up to rounding).
        var violation: Double
    }

    /// A neuron's state in the polish: `a > 0`, `a ≤ 0`, or held at the kink `a = 0`.
    enum Activation: Equatable { case active, inactive, kink }

    /// The KKT point of problem (B) (one layer) reached from `start` by an active-set method on the
    /// neurons' activations: each round solves, for the current sets A (active), I (inactive) and
    /// K (held at the kink `a = 0`),
    ///
    /// ```
    /// min ‖x − x̂‖² + μ ‖W_A x + b_A − ẑ_A‖²  s.t.  W_K x + b_K = 0,  with μ ≥ 0 such that
    /// ‖W_A x + b_A − ẑ_A‖² + ‖ẑ_{I∪K}‖² = ρ²   (μ = 0 when that is ≤ ρ² at μ = 0)
    /// ```
    /// then moves a neuron of A or I whose sign is wrong to K, and one of K whose multiplier λ_m
    /// leaves `[0, −2μ ẑ_m]` to I (below) or A (above); nil when no set settles within `rounds`
    /// or the ball cannot be reached within one. (An optimum often sits at kinks: on problem (A)
    /// instances a handful of neurons are at `a = 0`, and two-state patterns cycle.)
    ///
    /// - Complexity: per round one Gram product `W_Aᵀ W_A` (n_1 n_0² flops), one eigendecomposition
    ///   of order n_0, and a bisection on μ of O(n_1 n_0 + |K|³) per step.
    func polished(from start: [Double], rounds: Int = 30) throws -> Point? {
        guard problem.layerCount == 1 else { return nil }
        let w = problem.weights[0], b = problem.biases[0], target = problem.target, center = problem.center
        let n0 = w.columns, n1 = w.rows, rho = problem.radius
        let trace = ProcessInfo.processInfo.environment["BM2_TRACE"] != nil
        var state: [Activation] = try preactivation(start).map { $0 > 0 ? .active : .inactive }
        for _ in 0..<rounds {
            let rows = (0..<n1).filter { state[$0] == .active }, kinks = (0..<n1).filter { state[$0] == .kink }
            let fixedSquared = (0..<n1).reduce(0.0) { state[$1] == .active ? $0 : $0 + target[$1] * target[$1] }
            func select(_ list: [Int]) -> Matrix<Double> {
                var out = Matrix<Double>(rows: list.count, columns: n0)
                for (i, m) in list.enumerated() { for j in 0..<n0 { out[i, j] = w[m, j] } }
                return out
            }
            let wa = select(rows), offset = rows.map { b[$0] - target[$0] }
            let e = try wa.multiplied(by: wa, transposeSelf: true).symmetricEigen(.all, vectors: true)
            guard let q = e.vectors else { return nil }
            let p = try q.apply(center, transposed: true)
            let c = rows.isEmpty ? [Double](repeating: 0, count: n0) : try q.apply(try wa.apply(offset, transposed: true), transposed: true)
            let basis = try wa.multiplied(by: q), kinkBasis = try select(kinks).multiplied(by: q)
            /// x's coordinates in the eigenbasis at μ and the kinks' multipliers λ (the |K| × |K|
            /// system `(P_K D P_Kᵀ) λ = 2 (P_K D (p − μ c) + b_K)`, `D = (I + μ Λ)⁻¹`).
            func solution(_ mu: Double) throws -> (d: [Double], lambda: [Double])? {
                let scale = e.values.map { 1 / (1 + mu * max(0, $0)) }
                let free = (0..<n0).map { p[$0] - mu * c[$0] }
                guard !kinks.isEmpty else { return (zip(scale, free).map { $0 * $1 }, []) }
                var m = Matrix<Double>(rows: kinks.count, columns: kinks.count)
                var rhs = [Double](repeating: 0, count: kinks.count)
                for i in kinks.indices {
                    for j in 0...i {
                        var sum = 0.0
                        for t in 0..<n0 { sum += kinkBasis[i, t] * scale[t] * kinkBasis[j, t] }
                        (m[i, j], m[j, i]) = (sum, sum)
                    }
                    var value = b[kinks[i]]
                    for t in 0..<n0 { value += kinkBasis[i, t] * scale[t] * free[t] }
                    rhs[i] = 2 * value
                }
                guard let factor = try CholeskyFactor(m) else { return nil }
                let lambda = try factor.solve(rhs)
                let d = (0..<n0).map { t in
                    scale[t] * (free[t] - 0.5 * kinks.indices.reduce(0) { $0 + kinkBasis[$1, t] * lambda[$1] })
                }
                return (d, lambda)
            }
            func excess(_ mu: Double) throws -> Double? {
                guard let d = try solution(mu)?.d else { return nil }
                let r = rows.isEmpty ? [] : try basis.apply(d)
                return zip(r, offset).reduce(fixedSquared) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) } - rho * rho
            }
            var mu = 0.0
            guard let atZero = try excess(0) else { return nil }
            if atZero > 0 {
                // φ(μ) falls from φ(0) > 0; bisect on log μ where it crosses 0.
                var (low, high) = (0.0, 1.0)
                while let value = try excess(high), value > 0 {
                    (low, high) = (high, high * 10)
                    if high > 1e16 {
                        if trace { print("rank-1 polish: the ball is out of reach of \(rows.count) active neurons") }
                        return nil
                    }
                }
                for _ in 0..<200 {
                    let middle = low == 0 ? 0.5 * high : (low * high).squareRoot()
                    guard middle > low, middle < high, let value = try excess(middle) else { break }
                    if value > 0 { low = middle } else { high = middle }
                }
                mu = high
            }
            guard let (d, lambda) = try solution(mu) else { return nil }
            let x = try q.apply(d)
            let a = try preactivation(x)
            var next = state, kinkMultipliers: [Int: Double] = [:]
            for m in 0..<n1 where state[m] == .active && a[m] <= 0 { next[m] = .kink }
            for m in 0..<n1 where state[m] == .inactive && a[m] > 0 { next[m] = .kink }
            for (i, m) in kinks.enumerated() {
                kinkMultipliers[m] = lambda[i]
                if lambda[i] < 0 { next[m] = .inactive } else if lambda[i] > -2 * mu * target[m] { next[m] = .active }
            }
            if trace {
                let changes = zip(next, state).filter { $0 != $1 }.count
                print(String(format: "rank-1 polish: %d active, %d at the kink, μ %.6e, %d changes", rows.count, kinks.count, mu, changes))
            }
            if next == state {
                let z = zip(a, state).map { $1 == .kink ? 0 : max(0, $0) }
                let objective = distance(x, center)
                return Point(x: x, z: z, preactivation: a, mu: mu, kinks: kinkMultipliers, objective: objective * objective,
                             violation: distance(z, target) - rho)
            }
            state = next
        }
        return nil
    }

    /// `W x + b`.
    private func preactivation(_ x: [Double]) throws -> [Double] {
        zip(try problem.weights[0].apply(x), problem.biases[0]).map { $0 + $1 }
    }

    /// The SDP multipliers at the rank-1 point (layout of `RankTwoLagrangian.constraints`: ν, η, π
    /// per neuron, then the squared ball's), each product multiplier the smallest that keeps the
    /// others ≥ 0; nil when one is not finite (an inactive neuron at `a_m = 0` with `ẑ_m > 0`).
    func multipliers(at point: Point) -> [Double]? {
        let n = problem.weights[0].rows, mu = point.mu
        var y = [Double](repeating: 0, count: 3 * n + 1)
        for m in 0..<n {
            let a = point.preactivation[m], target = problem.target[m]
            let pi: Double
            if let lambda = point.kinks[m] {
                // z = a = 0: ν + η = −2μ ẑ_m with η = λ_m (the kink's pull on x), π free (0).
                pi = 0
                y[n + m] = max(0, lambda)
                y[m] = max(0, -2 * mu * target - lambda)
            } else if a > 0 {
                pi = max(0, 2 * mu * (target - a) / a)
                y[n + m] = max(0, 2 * mu * (a - target) + pi * a)
            } else {
                pi = target > 0 ? 2 * mu * target / -a : 0
                y[m] = max(0, pi * -a - 2 * mu * target)
            }
            y[2 * n + m] = pi
        }
        y[3 * n] = mu
        return y.allSatisfy(\.isFinite) ? y : nil
    }

    /// The rank-1 point as BM2's factor `[x; 0; z; 0]` (`RankTwoLagrangian` layout).
    func factor(_ point: Point) -> [Double] {
        point.x + [Double](repeating: 0, count: point.x.count) + point.z + [Double](repeating: 0, count: point.z.count)
    }
}
