/// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Algorithm 7.5) with a
/// backtracking Armijo line search (safeguarded quadratic interpolation), for smooth
/// unconstrained minimisation.
///
/// ```
/// x_{t+1} = x_t − α_t H_t ∇f(x_t),   H_t from the last `memory` pairs (s, y) by the two-loop recursion
/// ```
/// Pairs with `sᵀy ≤ 0` are skipped, so the search direction stays a descent direction.
///
/// With a preconditioner `P` (an approximation of the Hessian, `minimize(_:preconditioner:_:)`)
/// the recursion starts from `H_0 = γ P⁻¹`, `γ = sᵀy / yᵀP⁻¹y` of the newest pair (Nocedal &
/// Wright, (7.20) with `P`), and the first step is `−P⁻¹∇f`; without one `H_0 = (sᵀy / yᵀy) I`.
public struct LBFGS: Sendable {
    /// Number of (s, y) pairs kept.
    public var memory: Int
    /// Iterations at most.
    public var maxIterations: Int
    /// Stops when ‖∇f‖_∞ ≤ this.
    public var gradientTolerance: Double
    /// Step reductions (each to 0.1–0.5 of the last trial) per line search before it gives up.
    public var maxHalvings = 40
    /// When positive, a step is also accepted under Hager and Zhang's approximate Wolfe
    /// conditions (SIAM J. Optim. 16, 2005): `f(x + αd) ≤ f(x) + approximateWolfe·|f(x)|` and
    /// `0.9 φ'(0) ≤ φ'(α) ≤ 0.8 |φ'(0)|` (φ' the slope along d). Near a minimum the Armijo decrease
    /// drowns in the rounding of f; this lets the gradient keep falling. 0 (default): Armijo only.
    public var approximateWolfe = 0.0

    public init(memory: Int = 10, maxIterations: Int = 500, gradientTolerance: Double = 1e-8) {
        self.memory = memory
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
    }

    /// What a run did.
    public struct Report: Sendable {
        public var value: Double
        public var iterations: Int
        public var evaluations: Int
        public var gradientNorm: Double
    }

    /// Minimises `f` from `x` (updated in place). `f` returns the value and the gradient;
    /// `preconditioner`, when given, returns `P⁻¹v` for a symmetric positive definite `P` that
    /// approximates the Hessian (kept fixed for the whole run).
    ///
    /// - Complexity: per iteration one gradient evaluation plus line-search evaluations
    ///   (usually none extra), O(memory · n) work and, with a preconditioner, one application of it.
    public func minimize(
        _ x: inout [Double], preconditioner: (([Double]) throws -> [Double])? = nil,
        _ f: ([Double]) throws -> (value: Double, gradient: [Double])
    ) throws -> Report {
        let n = x.count
        var (value, gradient) = try f(x)
        var evaluations = 1
        var ss: [[Double]] = [], ys: [[Double]] = [], rhos: [Double] = []
        // With a preconditioner: P⁻¹∇f at x and P⁻¹y of each pair. P being fixed, the two-loop
        // recursion's P⁻¹q is their combination, `P⁻¹q = P⁻¹∇f − Σ α_t P⁻¹y_t`, so P is applied
        // once per iteration (to the new gradient) and `P⁻¹y = P⁻¹∇f_new − P⁻¹∇f_old`.
        var preconditionedGradient = try preconditioner?(gradient) ?? []
        var preconditionedYs: [[Double]] = []
        var iteration = 0
        var gnorm = gradient.reduce(0) { max($0, abs($1)) }
        while iteration < maxIterations, gnorm > gradientTolerance, value.isFinite {
            iteration += 1
            // Two-loop recursion: d = −H g.
            var q = gradient
            var alphas = [Double](repeating: 0, count: ss.count)
            var preconditionedQ = preconditionedGradient
            for t in stride(from: ss.count - 1, through: 0, by: -1) {
                let a = rhos[t] * dot(ss[t], q)
                alphas[t] = a
                for i in 0..<n { q[i] -= a * ys[t][i] }
                if preconditioner != nil { for i in 0..<n { preconditionedQ[i] -= a * preconditionedYs[t][i] } }
            }
            if preconditioner != nil {
                q = preconditionedQ
                if let s = ss.last, let y = ys.last, let py = preconditionedYs.last {
                    let gamma = dot(s, y) / dot(y, py)
                    if gamma.isFinite, gamma > 0 { for i in 0..<n { q[i] *= gamma } }
                }
            } else if let s = ss.last, let y = ys.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in 0..<n { q[i] *= gamma }
            } else {
                let scale = 1 / max(gradient.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
                for i in 0..<n { q[i] *= scale }
            }
            for t in 0..<ss.count {
                let b = rhos[t] * dot(ys[t], q)
                for i in 0..<n { q[i] += ss[t][i] * (alphas[t] - b) }
            }
            var direction = q.map { -$0 }
            var slope = dot(gradient, direction)
            if !(slope < 0) {
                // Not a descent direction (numerical trouble): restart with steepest descent.
                ss.removeAll(); ys.removeAll(); rhos.removeAll(); preconditionedYs.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
                if !(slope < 0) { break }
            }
            var step = 1.0
            var accepted = false
            var trial = x, trialValue = value, trialGradient = gradient
            for _ in 0..<maxHalvings {
                for i in 0..<n { trial[i] = x[i] + step * direction[i] }
                (trialValue, trialGradient) = try f(trial)
                evaluations += 1
                if trialValue.isFinite, trialValue <= value + 1e-4 * step * slope {
                    accepted = true
                    break
                }
                if approximateWolfe > 0, trialValue.isFinite, trialValue <= value + approximateWolfe * abs(value) {
                    let trialSlope = dot(trialGradient, direction)
                    if trialSlope >= 0.9 * slope, trialSlope <= -0.8 * slope {
                        accepted = true
                        break
                    }
                }
                step = Self.backtrack(step, slope: slope, rise: trialValue - value)
            }
            if !accepted {
                // No decrease along this direction (noise or a kink): forget the curvature pairs
                // and retry from steepest descent once before giving up.
                if ss.isEmpty { break }
                ss.removeAll(); ys.removeAll(); rhos.removeAll(); preconditionedYs.removeAll()
                continue
            }
            var s = [Double](repeating: 0, count: n), y = s
            for i in 0..<n {
                s[i] = trial[i] - x[i]
                y[i] = trialGradient[i] - gradient[i]
            }
            let sy = dot(s, y)
            let preconditionedTrial = try preconditioner?(trialGradient) ?? []
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                ss.append(s); ys.append(y); rhos.append(1 / sy)
                if preconditioner != nil { preconditionedYs.append(zip(preconditionedTrial, preconditionedGradient).map { $0 - $1 }) }
                if ss.count > memory {
                    ss.removeFirst(); ys.removeFirst(); rhos.removeFirst()
                    if preconditioner != nil { preconditionedYs.removeFirst() }
                }
            }
            preconditionedGradient = preconditionedTrial
            x = trial
            value = trialValue
            gradient = trialGradient
            gnorm = gradient.reduce(0) { max($0, abs($1)) }
        }
        return Report(value: value, iterations: iteration, evaluations: evaluations, gradientNorm: gnorm)
    }

    /// The next trial step after `step` failed the Armijo test: the minimiser of the quadratic
    /// through `φ(0)`, `φ'(0) = slope` and `φ(step) = φ(0) + rise`, kept within [0.1, 0.5] · step
    /// (Nocedal & Wright, (3.57)); halving when the quadratic says nothing (`rise` not finite).
    static func backtrack(_ step: Double, slope: Double, rise: Double) -> Double {
        let curvature = rise - slope * step
        guard rise.isFinite, curvature > 0 else { return 0.5 * step }
        let minimiser = -slope * step * step / (2 * curvature)
        return min(0.5 * step, max(0.1 * step, minimiser))
    }
}
