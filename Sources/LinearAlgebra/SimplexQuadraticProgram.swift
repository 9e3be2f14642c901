/// A convex quadratic program over the probability simplex, solved exactly by the primal
/// active-set method (Nocedal & Wright, Numerical Optimization, Algorithm 16.3):
///
/// ```
/// minimise ½ λᵀAλ − bᵀλ   subject to   λ ≥ 0,  Σ λ_j = 1        (A symmetric positive semidefinite)
/// ```
/// Each step solves the equality-constrained problem on the support (a KKT system of size
/// |support| + 1, with a ridge of 1e-12 · max A_jj so that repeated or dependent columns keep it
/// regular), then either moves to its solution — stopping at the first weight that reaches 0,
/// which leaves the support — or, at a stationary point, frees the zero weight whose bound
/// multiplier is most negative.
public struct SimplexQuadraticProgram: Sendable {
    /// The matrix A, row-major k × k.
    public var a: [Double]
    public var b: [Double]
    /// Active-set steps at most.
    public var maxSteps = 500

    public init(a: [Double], b: [Double]) {
        self.a = a
        self.b = b
    }

    /// The minimiser, starting from `start` (projected onto the simplex; a vertex when nil).
    ///
    /// - Complexity: per step one dense solve of size |support| + 1 (O(k³)).
    public func solve(start: [Double]? = nil) -> [Double] {
        let k = b.count
        guard k > 1 else { return [Double](repeating: 1, count: k) }
        var ridge = 0.0
        for j in 0..<k { ridge = max(ridge, abs(a[j * k + j])) }
        ridge = max(ridge * 1e-12, 1e-300)
        var lambda: [Double]
        if let start, start.count == k {
            lambda = projectOntoSimplex(start)
        } else {
            let best = (0..<k).min { objectiveAtVertex($0) < objectiveAtVertex($1) } ?? 0
            lambda = [Double](repeating: 0, count: k)
            lambda[best] = 1
        }
        var support = (0..<k).filter { lambda[$0] > 0 }
        // Gradients within this of each other count as equal.
        var magnitude = 0.0
        for v in a { magnitude = max(magnitude, abs(v)) }
        for v in b { magnitude = max(magnitude, abs(v)) }
        let tolerance = 1e-13 * max(magnitude, 1e-300) * Double(k)
        // After a full step the iterate solves the problem on its support (up to rounding).
        var stationary = false
        for _ in 0..<maxSteps {
            // The gradient Aλ − b (with the ridge).
            var gradient = [Double](repeating: 0, count: k)
            for i in 0..<k {
                var s = -b[i] + ridge * lambda[i]
                for j in support { s += a[i * k + j] * lambda[j] }
                gradient[i] = s
            }
            // Stationary on the support when the gradient is constant there (−ν): then a zero
            // weight j may enter if g_j + ν < 0 (moving mass to it lowers the objective).
            let onSupport = support.map { gradient[$0] }
            let spread = (onSupport.max() ?? 0) - (onSupport.min() ?? 0)
            if spread <= tolerance || stationary {
                stationary = false
                let nu = -(onSupport.reduce(0, +) / Double(onSupport.count))
                var entering = -1, most = -max(tolerance, 2 * spread)
                for j in 0..<k where !support.contains(j) {
                    let multiplier = gradient[j] + nu
                    if multiplier < most {
                        most = multiplier
                        entering = j
                    }
                }
                if entering < 0 { break }
                support.append(entering)
                continue
            }
            // The step p on the support: [A_SS 1; 1ᵀ 0][p; ν] = [−g_S; 0].
            let m = support.count
            var system = [Double](repeating: 0, count: (m + 1) * (m + 1))
            var rhs = [Double](repeating: 0, count: m + 1)
            for (r, i) in support.enumerated() {
                for (c, j) in support.enumerated() { system[r * (m + 1) + c] = a[i * k + j] + (i == j ? ridge : 0) }
                system[r * (m + 1) + m] = 1
                system[m * (m + 1) + r] = 1
                rhs[r] = -gradient[i]
            }
            guard let solution = solveDense(system, rhs, size: m + 1) else { break }
            let p = Array(solution[0..<m])
            // The longest step up to 1 that keeps the weights non-negative.
            var length = 1.0, blocking = -1
            for (r, i) in support.enumerated() where p[r] < 0 {
                let limit = -lambda[i] / p[r]
                if limit < length {
                    length = limit
                    blocking = i
                }
            }
            for (r, i) in support.enumerated() { lambda[i] += length * p[r] }
            if blocking >= 0 {
                lambda[blocking] = 0
                support.removeAll { $0 == blocking }
            } else {
                stationary = true
            }
            // Keep the weights on the simplex despite rounding.
            var total = 0.0
            for i in support {
                lambda[i] = max(lambda[i], 0)
                total += lambda[i]
            }
            if total > 0 { for i in support { lambda[i] /= total } }
        }
        return lambda
    }

    private func objectiveAtVertex(_ j: Int) -> Double { 0.5 * a[j * b.count + j] - b[j] }
}

/// Solves the dense system `M y = r` (row-major, size n) by Gaussian elimination with partial
/// pivoting; nil when M is singular to working precision.
///
/// - Complexity: O(n³) flops.
func solveDense(_ matrix: [Double], _ rhs: [Double], size n: Int) -> [Double]? {
    var m = matrix, y = rhs
    var scale = 0.0
    for v in m { scale = max(scale, abs(v)) }
    guard scale > 0 else { return nil }
    for column in 0..<n {
        var pivot = column
        for row in (column + 1)..<max(n, column + 1) where abs(m[row * n + column]) > abs(m[pivot * n + column]) { pivot = row }
        guard abs(m[pivot * n + column]) > 1e-15 * scale else { return nil }
        if pivot != column {
            for c in 0..<n { m.swapAt(column * n + c, pivot * n + c) }
            y.swapAt(column, pivot)
        }
        let d = m[column * n + column]
        for row in (column + 1)..<max(n, column + 1) {
            let factor = m[row * n + column] / d
            if factor == 0 { continue }
            for c in column..<n { m[row * n + c] -= factor * m[column * n + c] }
            y[row] -= factor * y[column]
        }
    }
    for row in stride(from: n - 1, through: 0, by: -1) {
        var s = y[row]
        for c in (row + 1)..<max(n, row + 1) { s -= m[row * n + c] * y[c] }
        y[row] = s / m[row * n + row]
    }
    return y
}
