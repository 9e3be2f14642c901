/// Adam (Kingma & Ba 2015) on a flat vector of Doubles, for the certifiers' multipliers.
///
/// ```
/// m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   x ← x − lr · m̂ / (√v̂ + 1e-12)
/// ```
struct AdamState {
    var first: [Double], second: [Double]
    var step = 0

    init(size: Int) {
        first = [Double](repeating: 0, count: size)
        second = first
    }

    mutating func step(_ x: inout [Double], gradient: [Double], lr: Double, beta1: Double = 0.9, beta2: Double = 0.999) {
        step += 1
        let c1 = 1 - Double.pow(beta1, Double(step)), c2 = 1 - Double.pow(beta2, Double(step))
        for i in x.indices {
            first[i] = beta1 * first[i] + (1 - beta1) * gradient[i]
            second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] * gradient[i]
            x[i] -= lr * (first[i] / c1) / ((second[i] / c2).squareRoot() + 1e-12)
        }
    }
}
