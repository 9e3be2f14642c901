import LinearAlgebra

extension OneLayerReduction {
    /// A Gauss–Newton model of the Hessian of the inner problem `f + (m² − μ²)/(2σ)`,
    /// `m = max(0, μ + σ (ψ − ρ))`, for L-BFGS to start its recursion from (`LBFGS`'s
    /// preconditioner). With `q_m(a_m, c_m)` each neuron's projection of `(ẑ_m, 0)` and
    /// `ψ² = Σ_m ‖q_m − (ẑ_m, 0)‖²`, the Gauss–Newton part of `∇²(ψ²/2)` is `JᵀJ`, so
    /// `∇²ψ ≈ (JᵀJ − ∇ψ∇ψᵀ)/ψ` and
    ///
    /// ```
    /// P = 2I + (m/ψ) JᵀJ + max(0, σ − m/ψ) ∇ψ∇ψᵀ,    JᵀJ ≈ ⊕_j W_0ᵀ diag(d_j) W_0
    /// ```
    /// block diagonal over the factor's columns (the weights of `eliminatedBallCurvature`; the
    /// cross terms are dropped) and the rank-1 term by Sherman–Morrison. At small ρ the multiplier
    /// over ψ is large and `JᵀJ` spreads over the layer's singular values (2 704 neurons over 784
    /// inputs on the CNN), which slows plain L-BFGS: on the one-layer CNN (ρ = 0.01, instance 1)
    /// the inner solves before the stall need 2–10× fewer iterations with it, and at ρ = 0.1–3.16
    /// Figure 5a's solves end in 0.5–0.8 of the time (README, "Preconditioned inner solves"). The
    /// stall at ρ ≤ 0.03 is the caps' kinks, which it does not remove.
    struct Preconditioner {
        /// Cholesky factors of the diagonal blocks, one per factor column.
        let blocks: [CholeskyFactor<Double>]
        /// The rank-1 term through `h = P_0⁻¹ ∇ψ` and `β / (1 + β ∇ψᵀh)` (P_0 the blocks).
        let h: [Double], scale: Double

        /// `P⁻¹ x`.
        ///
        /// - Complexity: two triangular solves of order n_0 per factor column, O(r n_0).
        func solve(_ x: [Double]) throws -> [Double] {
            var out = try blockSolve(x)
            if scale != 0 {
                let t = scale * dot(h, x)
                for i in out.indices { out[i] -= t * h[i] }
            }
            return out
        }

        fileprivate func blockSolve(_ x: [Double]) throws -> [Double] {
            let n0 = blocks[0].order
            var out: [Double] = []
            out.reserveCapacity(x.count)
            for (j, block) in blocks.enumerated() { out += try block.solve(Array(x[j * n0..<(j + 1) * n0])) }
            return out
        }
    }

    /// The preconditioner at `v` with the current point's values (`point`), the ball's multiplier
    /// μ, penalty σ and radius ρ; `nil` while `m/ψ < threshold` (the ball's curvature does not
    /// dominate the objective's 2I, and the residuals, which Gauss–Newton drops, are large: on the
    /// one-layer CNN at ρ = 31.6 the model slowed L-BFGS down) or when a block is not positive
    /// definite (rounding).
    ///
    /// - Complexity: 4 projections per neuron (`eliminatedBallCurvature`), one weighted Gram `W_0ᵀ D W_0` and one Cholesky
    ///   factorisation of order n_0 per factor column.
    func preconditioner(
        _ v: [Double], _ point: Point, mu: Double, sigma: Double, radius: Double, threshold: Double
    ) throws -> Preconditioner? {
        let n0 = lag.sizes[0], rows = v.count / n0
        let psi = point.residual, m = max(0, mu + sigma * (psi - radius))
        let kappa = psi > 1e-300 ? m / psi : 0
        guard kappa >= threshold, kappa > 0 else { return nil }
        let wx = try lag.forward([try Matrix(rows: rows, columns: n0, elements: v)])[0]
        let weights = lag.eliminatedBallCurvature(wx).map { $0.map { kappa * $0 } }
        var blocks: [CholeskyFactor<Double>] = []
        for j in 0..<rows {
            var block = try lag.weightedGram(layer: 0, weights[j])
            for i in 0..<n0 { block[i, i] += 2 }
            guard let factor = try CholeskyFactor(block) else { return nil }
            blocks.append(factor)
        }
        let beta = m > 0 ? max(0, sigma - kappa) : 0
        let partial = Preconditioner(blocks: blocks, h: [], scale: 0)
        guard beta > 0 else { return partial }
        let g = point.residualGradient, h = try partial.blockSolve(g)
        return Preconditioner(blocks: blocks, h: h, scale: beta / (1 + beta * dot(g, h)))
    }
}
