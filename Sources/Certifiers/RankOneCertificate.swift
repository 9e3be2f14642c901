import LinearAlgebra

/// Problem (B)'s relaxation over one layer certified at a rank-1 point (paper 2, Section 8 and
/// formulations.md): the KKT point `x` of the nonconvex problem with its activation pattern kept,
/// and the SDP multipliers that make the slack vanish on `g = (1, x, z)`, `z = ReLU(W x + b)`.
///
/// With `a = W x + b`, `A = {m : a_m > 0}` and `μ` the squared ball's multiplier, `x` solves
///
/// ```
/// x − x̂ + μ W_Aᵀ (a − ẑ)_A = 0,     ‖(a − ẑ)_A‖² + ‖ẑ_{∖A}‖² = ρ²   (μ = 0 when x̂ itself is feasible)
/// ```
/// and `S(y) g = 0` leaves one free multiplier per neuron, the product multiplier `π_m ≥ 0`, with
///
/// ```
/// a_m > 0:  η_m = 2μ (a_m − ẑ_m) + π_m a_m ≥ 0,  ν_m = 0,      so π_m ≥ 2μ (ẑ_m − a_m) / a_m
/// a_m ≤ 0:  ν_m = π_m |a_m| − 2μ ẑ_m ≥ 0,        η_m = 0,      so π_m ≥ 2μ ẑ_m / |a_m|
/// ```
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
        /// `‖x − x̂‖²`.
        var objective: Double
        /// `‖z − ẑ‖ − ρ` (≤ 0 up to rounding).
        var violation: Double
    }

    /// The KKT point of problem (B) (one layer) reached from `start` by keeping its activation
    /// pattern, re-solving with the new pattern while it changes (at most `rounds` times); nil when
    /// no pattern settles or the ball cannot be reached within one.
    ///
    /// - Complexity: per round one Gram product `W_Aᵀ W_A` (n_1 n_0² flops), one eigendecomposition
    ///   of order n_0, and a bisection on μ of O(n_1 n_0) per step.
    func polished(from start: [Double], rounds: Int = 6) throws -> Point? {
        guard problem.layerCount == 1 else { return nil }
        let w = problem.weights[0], b = problem.biases[0], target = problem.target, center = problem.center
        let n0 = w.columns, n1 = w.rows, rho = problem.radius
        var active = try preactivation(start).map { $0 > 0 }
        for _ in 0..<rounds {
            let rows = (0..<n1).filter { active[$0] }
            let inactiveSquared = (0..<n1).reduce(0.0) { active[$1] ? $0 : $0 + target[$1] * target[$1] }
            var x = center, mu = 0.0
            let free = try preactivation(center)
            let freeResidual = rows.reduce(inactiveSquared) { $0 + (free[$1] - target[$1]) * (free[$1] - target[$1]) }
            if freeResidual > rho * rho, !rows.isEmpty {
                var wa = Matrix<Double>(rows: rows.count, columns: n0)
                for (i, m) in rows.enumerated() { for j in 0..<n0 { wa[i, j] = w[m, j] } }
                let offset = rows.map { b[$0] - target[$0] }
                let gram = try wa.multiplied(by: wa, transposeSelf: true)
                let e = try gram.symmetricEigen(.all, vectors: true)
                guard let q = e.vectors else { return nil }
                let p = try q.apply(center, transposed: true)
                let c = try q.apply(try wa.apply(offset, transposed: true), transposed: true)
                let basis = try wa.multiplied(by: q)
                func coordinates(_ mu: Double) -> [Double] {
                    (0..<n0).map { (p[$0] - mu * c[$0]) / (1 + mu * max(0, e.values[$0])) }
                }
                func excess(_ mu: Double) throws -> Double {
                    let r = try basis.apply(coordinates(mu))
                    return zip(r, offset).reduce(inactiveSquared) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) } - rho * rho
                }
                // φ(μ) falls from φ(0) > 0; bisect on log μ where it crosses 0.
                var (low, high) = (0.0, 1.0)
                while try excess(high) > 0 {
                    (low, high) = (high, high * 10)
                    if high > 1e16 { return nil }
                }
                for _ in 0..<200 {
                    let middle = low == 0 ? 0.5 * high : (low * high).squareRoot()
                    guard middle > low, middle < high else { break }
                    if try excess(middle) > 0 { low = middle } else { high = middle }
                }
                mu = high
                x = try q.apply(coordinates(mu))
            }
            let a = try preactivation(x)
            let pattern = a.map { $0 > 0 }
            if pattern == active {
                let z = a.map { max(0, $0) }
                let distance = zip(z, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                let objective = zip(x, center).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                return Point(x: x, z: z, preactivation: a, mu: mu, objective: objective, violation: distance - rho)
            }
            active = pattern
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
            if a > 0 {
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
