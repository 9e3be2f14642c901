/// The proximal bundle method (Kiwiel 1990; Lemaréchal's level-free form, as in Hiriart-Urruty &
/// Lemaréchal, Convex Analysis and Minimization Algorithms II, ch. XV) for a convex, possibly
/// nonsmooth function over simple lower bounds:
///
/// ```
/// minimise f(x)  subject to  x ≥ lowerBounds
/// x_trial = argmin_{x ≥ lb} max_j [α_j + g_jᵀ(x − x̂)] + (u/2)‖x − x̂‖²
/// ```
/// where each cut `α_j + g_jᵀ(x − x̂)` is an affine minorant of f returned by the oracle (its
/// value and subgradient at an evaluated point, shifted to the stability centre x̂). The centre
/// moves (a serious step) when f(x_trial) falls by at least a tenth of what the model predicted;
/// otherwise the new cut refines the model (a null step). Where L-BFGS stops at a kink, the cuts
/// collected around it describe the kink, and the method still converges.
///
/// The oracle may be inexact in its value (a lower estimate) as long as every cut it returns is
/// a global minorant; the centre's value is then taken as the largest of its estimate and the
/// cuts' values there, which are all lower bounds of f(x̂).
public struct ProximalBundle: Sendable {
    /// Oracle calls at most.
    public var maxEvaluations: Int
    /// Cuts kept at most; beyond, inactive cuts are dropped and, if needed, the rest folded into
    /// their aggregate (a convex combination of minorants is a minorant).
    public var maxCuts = 40
    /// Stops when the predicted decrease is at most this times max(1, |f(x̂)|).
    public var tolerance: Double
    /// Lower bounds of x (−∞ for a free coordinate).
    public var lowerBounds: [Double]
    /// Rounds of the subproblem's free-set iteration at most.
    public var subproblemIterations = 30
    /// The proximal weight of the first step; nil: chosen so that the linear model predicts a
    /// decrease of 1 % of max(1, |f|).
    public var initialWeight: Double?

    public init(lowerBounds: [Double], maxEvaluations: Int = 300, tolerance: Double = 1e-8) {
        self.lowerBounds = lowerBounds
        self.maxEvaluations = maxEvaluations
        self.tolerance = tolerance
    }

    /// What a run did.
    public struct Report: Sendable {
        /// The value at the final centre (the largest lower estimate known).
        public var value: Double
        public var evaluations: Int
        public var seriousSteps: Int
        /// The last predicted decrease f(x̂) − model(x_trial).
        public var predictedDecrease: Double
        /// The proximal weight at the end.
        public var weight: Double
    }

    /// Minimises `f` from `x` (projected onto the bounds first; updated in place to the final
    /// centre). `f` returns a value and a subgradient.
    ///
    /// - Complexity: per iteration one oracle call and one subproblem of at most
    ///   `subproblemIterations` steps, each O(cuts · n).
    public func minimize(_ x: inout [Double], _ f: ([Double]) throws -> (value: Double, gradient: [Double])) throws -> Report {
        let n = x.count
        guard lowerBounds.count == n else { throw LinearAlgebraError.dimensionMismatch("bundle lower bounds \(lowerBounds.count) for \(n) variables") }
        for i in 0..<n { x[i] = max(x[i], lowerBounds[i]) }
        var (centreValue, g0) = try f(x)
        var evaluations = 1
        // Cuts at the centre: values α_j and subgradients g_j.
        var alphas = [centreValue]
        var gradients = [g0]
        var weights = [1.0]
        // The first step's scale from the projected gradient (components blocked by a bound
        // do not move).
        var g0Norm2 = 0.0
        for i in 0..<n where x[i] > lowerBounds[i] || g0[i] < 0 { g0Norm2 += g0[i] * g0[i] }
        // The first step predicts a decrease of 1 % of max(1, |f|) and moves x by at most 1 % of
        // its norm (a start near the minimum, e.g. after a first-order method, needs short steps).
        let finite = x.map { $0.isFinite ? $0 : 0 }
        let xNorm = dot(finite, finite).squareRoot()
        var u = initialWeight ?? max(g0Norm2 / (0.02 * max(1, abs(centreValue))), xNorm > 0 ? g0Norm2.squareRoot() / (0.01 * xNorm) : 0, 1e-12)
        let minimumWeight = u * 1e-6, maximumWeight = u * 1e8
        var serious = 0
        var predicted = Double.infinity
        // Times the weight was lowered at a small predicted decrease (each costs no evaluation).
        var relaxations = 0
        let maxRelaxations = 50
        while evaluations < maxEvaluations {
            // The subproblem through its dual over the simplex of cut weights.
            let trial = subproblem(centre: x, alphas: alphas, gradients: gradients, weights: &weights, u: u)
            var model = -Double.infinity
            for j in alphas.indices {
                var value = alphas[j]
                for i in 0..<n { value += gradients[j][i] * (trial[i] - x[i]) }
                model = max(model, value)
            }
            predicted = centreValue - model
            let threshold = tolerance * max(1, abs(centreValue))
            if !(predicted > threshold) {
                // A small predicted decrease proves near-optimality only together with a small
                // aggregate subgradient u(x̂ − x_trial) (f ≥ f(x̂) − decrease − ‖ĝ‖‖y − x̂‖); a
                // large weight u can make the first small while the second is not: then lower u.
                var step2 = 0.0, centre2 = 0.0
                for i in 0..<n {
                    step2 += (x[i] - trial[i]) * (x[i] - trial[i])
                    centre2 += x[i] * x[i]
                }
                let slope = u * step2.squareRoot() * max(1, centre2.squareRoot())
                if slope <= threshold || u <= minimumWeight || relaxations >= maxRelaxations { break }
                u = max(u * 0.1, minimumWeight)
                relaxations += 1
                continue
            }
            let (value, gradient) = try f(trial)
            evaluations += 1
            guard value.isFinite else { break }
            // The new cut at the centre.
            var alpha = value
            for i in 0..<n { alpha += gradient[i] * (x[i] - trial[i]) }
            if value <= centreValue - 0.1 * predicted {
                // Serious step: move the centre, shift every cut to it.
                serious += 1
                for j in alphas.indices {
                    for i in 0..<n { alphas[j] += gradients[j][i] * (trial[i] - x[i]) }
                }
                let drop = centreValue - value
                x = trial
                centreValue = value
                alpha = value
                // The model predicted the decrease well: longer steps.
                if drop >= 0.5 * predicted { u = max(u * 0.5, minimumWeight) }
            } else {
                // Null step: the cut refines the model. If the new cut is nearly exact at the
                // centre too (its value there within half the predicted decrease of f(x̂)), f
                // rises steeply between them: the step was too long.
                if alpha > centreValue - 0.5 * predicted { u = min(u * 1.5, maximumWeight) }
            }
            alphas.append(alpha)
            gradients.append(gradient)
            weights.append(0)
            centreValue = max(centreValue, alphas.max() ?? centreValue)
            if alphas.count > maxCuts { compress(alphas: &alphas, gradients: &gradients, weights: &weights) }
        }
        return Report(value: centreValue, evaluations: evaluations, seriousSteps: serious, predictedDecrease: predicted, weight: u)
    }

    /// Drops inactive cuts (oldest first) down to `maxCuts`; if the active ones are still too
    /// many, folds all but the newest half into their aggregate.
    private func compress(alphas: inout [Double], gradients: inout [[Double]], weights: inout [Double]) {
        var keep = Array(alphas.indices)
        var excess = keep.count - maxCuts
        if excess > 0 {
            keep = keep.filter { j in
                if excess > 0, weights[j] == 0, j < alphas.count - 1 {
                    excess -= 1
                    return false
                }
                return true
            }
        }
        if keep.count > maxCuts {
            let folded = Array(keep.prefix(keep.count - maxCuts / 2))
            let total = folded.reduce(0) { $0 + weights[$1] }
            let n = gradients[0].count
            var alpha = 0.0, gradient = [Double](repeating: 0, count: n)
            for j in folded {
                let w = total > 0 ? weights[j] / total : 1 / Double(folded.count)
                alpha += w * alphas[j]
                for i in 0..<n { gradient[i] += w * gradients[j][i] }
            }
            let rest = Array(keep.suffix(maxCuts / 2))
            alphas = [alpha] + rest.map { alphas[$0] }
            gradients = [gradient] + rest.map { gradients[$0] }
            weights = [total] + rest.map { weights[$0] }
            return
        }
        alphas = keep.map { alphas[$0] }
        gradients = keep.map { gradients[$0] }
        weights = keep.map { weights[$0] }
    }

    /// The proximal point of the cutting-plane model, through its dual over the simplex of cut
    /// weights λ:
    ///
    /// ```
    /// x(λ) = max(x̂ − Gλ/u, lb),   λ maximises Σ_j λ_j α_j + (Gλ)ᵀ(x(λ) − x̂) + (u/2)‖x(λ) − x̂‖²
    /// ```
    /// For a fixed set F of coordinates off their bounds this is a quadratic program over the
    /// simplex (`SimplexQuadraticProgram`, exact):
    ///
    /// ```
    /// minimise ½ λᵀ(G_Fᵀ G_F / u)λ − cᵀλ,   c_j = α_j + Σ_{i ∉ F} g_ji (lb_i − x̂_i)
    /// ```
    /// F is then read off x(λ) again, until it no longer changes (a semismooth Newton iteration
    /// on the clamp; at most `subproblemIterations` rounds). Warm started from `weights`.
    ///
    /// - Complexity: per round one Gram matrix over F (O(cuts² · n)) and one simplex QP.
    private func subproblem(centre: [Double], alphas: [Double], gradients: [[Double]], weights: inout [Double], u: Double) -> [Double] {
        let k = alphas.count, n = centre.count
        func point(_ lambda: [Double]) -> [Double] {
            var x = centre
            for j in 0..<k where lambda[j] != 0 {
                let s = lambda[j] / u
                for i in 0..<n { x[i] -= s * gradients[j][i] }
            }
            for i in 0..<n { x[i] = max(x[i], lowerBounds[i]) }
            return x
        }
        /// φ(λ), the dual objective.
        func dualValue(_ lambda: [Double]) -> Double {
            let x = point(lambda)
            var value = 0.0
            for j in 0..<k where lambda[j] != 0 {
                var cut = alphas[j]
                for i in 0..<n { cut += gradients[j][i] * (x[i] - centre[i]) }
                value += lambda[j] * cut
            }
            for i in 0..<n { value += 0.5 * u * (x[i] - centre[i]) * (x[i] - centre[i]) }
            return value
        }
        var lambda = weights.count == k ? projectOntoSimplex(weights) : [Double](repeating: 1 / Double(k), count: k)
        var current = dualValue(lambda)
        var free: [Bool] = []
        for _ in 0..<max(subproblemIterations, 1) {
            let x = point(lambda)
            free = (0..<n).map { x[$0] > lowerBounds[$0] }
            var gram = [Double](repeating: 0, count: k * k)
            var c = alphas
            for p in 0..<k {
                for q in p..<k {
                    var v = 0.0
                    for i in 0..<n where free[i] { v += gradients[p][i] * gradients[q][i] }
                    gram[p * k + q] = v / u
                    gram[q * k + p] = v / u
                }
                for i in 0..<n where !free[i] { c[p] += gradients[p][i] * (lowerBounds[i] - centre[i]) }
            }
            let target = SimplexQuadraticProgram(a: gram, b: c).solve(start: lambda)
            var change = 0.0
            for j in 0..<k { change = max(change, abs(target[j] - lambda[j])) }
            if change <= 1e-12 { break }
            // φ is concave and equals the QP's objective near λ: the segment towards its
            // maximiser ascends; halve the step until φ does not fall (the free set changes
            // along it).
            var t = 1.0, accepted = false
            for _ in 0..<30 {
                let candidate = (0..<k).map { lambda[$0] + t * (target[$0] - lambda[$0]) }
                let value = dualValue(candidate)
                if value >= current {
                    lambda = candidate
                    current = value
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted { break }
        }
        weights = lambda
        return point(lambda)
    }
}

/// The Euclidean projection onto the probability simplex (Held, Wolfe & Crowder 1974).
///
/// - Complexity: one sort, O(k log k).
func projectOntoSimplex(_ y: [Double]) -> [Double] {
    let sorted = y.sorted(by: >)
    var sum = 0.0, shift = 0.0
    for (index, value) in sorted.enumerated() {
        sum += value
        let candidate = (sum - 1) / Double(index + 1)
        if value - candidate > 0 { shift = candidate }
    }
    return y.map { max($0 - shift, 0) }
}
