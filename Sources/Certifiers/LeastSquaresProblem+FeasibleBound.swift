extension LeastSquaresProblem {
    /// An upper bound on the relaxation's optimum from a point `G` of objective `objective` that
    /// meets every ReLU constraint but whose ball residual `ψ = √(tr(Z) − 2ẑᵀz + ‖ẑ‖²)` may exceed ρ:
    /// `objective` itself when `ψ ≤ ρ`, else, with the interior point's rank-1 matrix `G'` (residual
    /// `ψ' < ρ`, objective `f' = ‖x' − x̂‖²`), the feasible combination `(1 − θ) G + θ G'`,
    ///
    /// ```
    /// θ = (ψ² − ρ²) / (ψ² − ψ'²),    bound = (1 − θ) · objective + θ · f'
    /// ```
    /// (every constraint but the ball is linear in G and holds at both; the ball's left side is
    /// linear in G too). nil when `ψ > ρ` and no interior point is known.
    ///
    /// - Complexity: one forward pass (the interior point's residual).
    public func feasibleUpperBound(objective: Double, residual psi: Double) throws -> Double? {
        guard psi > radius else { return objective }
        guard let inner = interiorPoint else { return nil }
        let (distance, innerResidual) = try evaluate(inner)
        guard innerResidual < radius else { return nil }
        let theta = (psi * psi - radius * radius) / (psi * psi - innerResidual * innerResidual)
        return (1 - theta) * objective + theta * distance * distance
    }
}
