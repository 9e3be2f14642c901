import LinearAlgebra

/// Problem (B)'s SDP dual over one layer in closed form: the best `y_0` for given multipliers.
///
/// With `y = (ν, η, π, μ) ≥ 0` in `RankTwoLagrangian.constraints`' layout (ν of `z ≥ 0`, η of
/// `z ≥ W x + b`, π of the lifted products, μ of the squared ball) the dual slack is
/// `S = [[s₀₀ + y_0, rᵀ], [r, M]]` with
///
/// ```
/// M = [[I, −½ Wᵀ diag(π)], [−½ diag(π) W, diag(π + μ)]]
/// r = (−x̂ + ½ Wᵀ η,  −½ ν − ½ η − ½ b ⊙ π − μ ẑ)
/// s₀₀ = ‖x̂‖² + ηᵀ b + μ (‖ẑ‖² − ρ²)
/// d(y) = s₀₀ − rᵀ M⁻¹ r            (the dual bound −y_0 that makes S ⪰ 0 singular, M ≻ 0)
/// ```
/// `d` is concave where `M ≻ 0`, and its gradient is the constraints' values at the primal point
/// `(x, z) = −M⁻¹ r`: `(−z, W x + b − z, z ⊙ z − (W x + b) ⊙ z, ‖z − ẑ‖² − ρ²)`. M is reduced to
/// its Schur complement on the input block, `Σ = I − ¼ Wᵀ diag(π² / (π + μ)) W` (order n_0), so
/// one evaluation costs one weighted Gram product and one Cholesky factorisation of order n_0
/// (the one-layer CNN: 784, against 3 489 for the dense slack). The independent reference
/// `scripts/one_layer_dual_reference.py` maximises the same function by a barrier method.
struct OneLayerDual {
    let lag: RankTwoLagrangian

    /// The dual value at `y`, its gradient and the primal point `(x, z) = −M⁻¹ r`.
    struct Evaluation {
        var y: [Double]
        var value: Double
        var gradient: [Double]
        var x: [Double]
        var z: [Double]
    }

    init(lag: RankTwoLagrangian) {
        precondition(lag.problem.layerCount == 1, "OneLayerDual: one layer only")
        self.lag = lag
    }

    /// `d(y)`, its gradient and the primal point; nil where `M` is not (numerically) positive
    /// definite (`d = −∞` there, or π + μ ≤ 0 for some neuron).
    ///
    /// - Complexity: one weighted Gram product `Wᵀ D W`, one Cholesky factorisation of order n_0
    ///   and two of its solves' worth of triangular work, two products with W and two with Wᵀ.
    func evaluate(_ y: [Double]) throws -> Evaluation? {
        let problem = lag.problem, n0 = lag.sizes[0], n = lag.sizes[1]
        precondition(y.count == 3 * n + 1, "OneLayerDual: 3 n + 1 multipliers")
        let b = problem.biases[0], target = problem.target, center = problem.center, rho = problem.radius
        let mu = y[3 * n]
        guard var (sigma, _, diagonal) = try schurGram(y) else { return nil }
        for i in 0..<n0 { sigma[i, i] += 1 }
        guard let factor = try CholeskyFactor(sigma) else { return nil }
        // r = (p, q).
        var q = [Double](repeating: 0, count: n), eta = q
        for m in 0..<n {
            eta[m] = y[n + m]
            q[m] = -0.5 * y[m] - 0.5 * eta[m] - 0.5 * b[m] * y[2 * n + m] - mu * target[m]
        }
        let p = zip(try transposedProduct(eta), center).map { 0.5 * $0 - $1 }
        // Σ v₁ = p + ½ Wᵀ (π ⊙ q / D),  v₂ = (q + ½ π ⊙ W v₁) / D,  (x, z) = −(v₁, v₂).
        let back = (0..<n).map { y[2 * n + $0] * q[$0] / diagonal[$0] }
        let v1 = try factor.solve(zip(p, try transposedProduct(back)).map { $0 + 0.5 * $1 })
        let wv1 = try product(v1)
        let v2 = (0..<n).map { (q[$0] + 0.5 * y[2 * n + $0] * wv1[$0]) / diagonal[$0] }
        let x = v1.map { -$0 }, z = v2.map { -$0 }
        var constant = dot(center, center) + mu * (dot(target, target) - rho * rho)
        for m in 0..<n { constant += eta[m] * b[m] }
        let value = constant - dot(p, v1) - dot(q, v2)
        var gradient = [Double](repeating: 0, count: 3 * n + 1)
        var ball = -rho * rho
        for m in 0..<n {
            let a = b[m] - wv1[m]
            gradient[m] = -z[m]
            gradient[n + m] = a - z[m]
            gradient[2 * n + m] = z[m] * z[m] - a * z[m]
            ball += (z[m] - target[m]) * (z[m] - target[m])
        }
        gradient[3 * n] = ball
        return Evaluation(y: y, value: value, gradient: gradient, x: x, z: z)
    }

    /// The Gram part of M's Schur complement on the input block, with the diagonal block lowered
    /// by `shift`:
    ///
    /// ```
    /// −¼ Wᵀ diag(c) W,   c_m = π_m² / (D_m − m₀),   D_m = (π_m + μ)(1 − lowering)
    /// ```
    /// with the weights c and the diagonal D (unshifted); nil where some `D_m − m₀ ≤ 0`.
    ///
    /// - Complexity: one weighted Gram product of order n_0.
    func schurGram(_ y: [Double], shift m0: Double = 0, lowering: Double = 0) throws
        -> (gram: Matrix<Double>, weights: [Double], diagonal: [Double])?
    {
        let n = lag.sizes[1], mu = y[3 * n]
        var diagonal = [Double](repeating: 0, count: n), weights = diagonal
        for m in 0..<n {
            let pi = y[2 * n + m]
            diagonal[m] = (pi + mu) * (1 - lowering)
            let shifted = diagonal[m] - m0
            guard shifted > 0 else { return nil }
            weights[m] = pi * pi / shifted
        }
        return (try lag.weightedGram(layer: 0, weights.map { -0.25 * $0 }), weights, diagonal)
    }

    /// `W v` (sparse when W is).
    func product(_ v: [Double]) throws -> [Double] {
        try lag.product(try Matrix(rows: 1, columns: v.count, elements: v), layer: 0).elements
    }

    /// `Wᵀ v` (sparse when W is).
    func transposedProduct(_ v: [Double]) throws -> [Double] {
        var out = Matrix<Double>(rows: 1, columns: lag.sizes[0])
        try lag.accumulate(try Matrix(rows: 1, columns: v.count, elements: v), layer: 0, into: &out)
        return out.elements
    }
}
