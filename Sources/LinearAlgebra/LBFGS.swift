/// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Algorithm 7.5) with a
/// backtracking Armijo line search, for smooth unconstrained minimisation.
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
    /// Step halvings per line search before it gives up.
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
    ///   (usually none extra), O(memory · n) work and, with a preconditioner, two applications of it.
    public func minimize(
        _ x: inout [Double], preconditioner: (([Double]) throws -> [Double])? = nil,
        _ f: ([Double]) throws -> (value: Double, gradient: [Double])
    ) throws -> Report {
        let n = x.count
        // P⁻¹y of the newest pair (for γ), when preconditioned.
        var preconditionedY: [Double] = []
        var (value, gradient) = try f(x)
        var evaluations = 1
        var ss: [[Double]] = [], ys: [[Double]] = [], rhos: [Double] = []
        var iteration = 0
        var gnorm = gradient.reduce(0) { max($0, abs($1)) }
        while iteration < maxIterations, gnorm > gradientTolerance, value.isFinite {
            iteration += 1
            // Two-loop recursion: d = −H g.
            var q = gradient
            var alphas = [Double](repeating: 0, count: ss.count)
            for t in stride(from: ss.count - 1, through: 0, by: -1) {
                let a = rhos[t] * dot(ss[t], q)
                alphas[t] = a
                for i in 0..<n { q[i] -= a * ys[t][i] }
            }
            if let precondition = preconditioner {
                q = try precondition(q)
                if let s = ss.last, let y = ys.last, preconditionedY.count == n {
                    let gamma = dot(s, y) / dot(y, preconditionedY)
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
                ss.removeAll(); ys.removeAll(); rhos.removeAll()
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
                step *= 0.5
            }
            if !accepted {
                // No decrease along this direction (noise or a kink): forget the curvature pairs
                // and retry from steepest descent once before giving up.
                if ss.isEmpty { break }
                ss.removeAll(); ys.removeAll(); rhos.removeAll()
                continue
            }
            var s = [Double](repeating: 0, count: n), y = s
            for i in 0..<n {
                s[i] = trial[i] - x[i]
                y[i] = trialGradient[i] - gradient[i]
            }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                ss.append(s); ys.append(y); rhos.append(1 / sy)
                if let precondition = preconditioner { preconditionedY = try precondition(y) }
                if ss.count > memory {
                    ss.removeFirst(); ys.removeFirst(); rhos.removeFirst()
                }
            }
            x = trial
            value = trialValue
            gradient = trialGradient
            gnorm = gradient.reduce(0) { max($0, abs($1)) }
        }
        return Report(value: value, iterations: iteration, evaluations: evaluations, gradientNorm: gnorm)
    }
}
