import LinearAlgebra
import Networks

/// The dual-network bound of the LP relaxation (paper 1, eq. 6; Wong & Kolter 2018, Theorem 1):
/// for fixed pre-activation bounds ℓ̂ < 0 < û of the unstable units and any lower slopes
/// α ∈ [0, 1], back-substitution gives an upper bound on `cᵀ x_L + c0`:
///
/// ```
/// ν̂_L = c;  for k = L … 1 (unit m of layer k, d = û/(û − ℓ̂)):
///   dead: ν_m = 0;  active: ν_m = ν̂_m;
///   unstable: ν̂_m ≥ 0 → ν_m = d ν̂_m, U += −d ℓ̂ ν̂_m;   ν̂_m < 0 → ν_m = α_m ν̂_m
///   U += νᵀ b_{k−1};  ν̂_{k−1} = W_{k−1}ᵀ ν
/// U += c0 + Σ_i max(ν̂_0,i l_0,i, ν̂_0,i u_0,i)
/// ```
/// Every α gives a sound bound; the best α gives the LP optimum.
///
/// Rounding: each computed `ν̂_{k−1}` differs from `W_{k−1}ᵀν` by at most `γₙ |W|ᵀ|ν|`
/// elementwise; since every x_{k−1} of the relaxation lies in its interval box, that residual
/// costs at most `Σ_i γₙ (|W|ᵀ|ν|)_i max(|l_i|, |u_i|)`, which is added, together with `γₙ` of the
/// magnitude of every accumulated sum. The reported value is then an upper bound in exact arithmetic.
struct DualNetworkBound {
    let network: ReLUNetwork<Double>
    let bounds: IntervalBounds<Double>
    private let absoluteWeights: [Matrix<Double>]

    init(network: ReLUNetwork<Double>, bounds: IntervalBounds<Double>) {
        self.network = network
        self.bounds = bounds
        absoluteWeights = network.layers.map { layer in
            var a = layer.weight
            for i in a.elements.indices { a.elements[i] = abs(a.elements[i]) }
            return a
        }
    }

    /// Unit status of hidden layer k (1-based), from the pre-activation bounds.
    enum UnitState { case dead, active, unstable }

    func state(layer k: Int, unit m: Int) -> UnitState {
        let l = bounds.preLower[k - 1][m], u = bounds.preUpper[k - 1][m]
        if u <= 0 { return .dead }
        if l >= 0 { return .active }
        return .unstable
    }

    /// The bound for objective `c·x_L + c0` with lower slopes `alpha[k-1][m]` for hidden layer k.
    ///
    /// - Complexity: two `gemv`s per layer.
    func upperBound(c: [Double], c0: Double, alpha: [[Double]]) throws -> Double {
        let hidden = network.layers.count - 1
        var nuHat = c
        var value = c0
        var magnitude = abs(c0)
        var allowance = 0.0
        for k in stride(from: hidden, through: 1, by: -1) {
            let layer = network.layers[k - 1]
            var nu = [Double](repeating: 0, count: nuHat.count)
            for m in nuHat.indices {
                switch state(layer: k, unit: m) {
                case .dead: nu[m] = 0
                case .active: nu[m] = nuHat[m]
                case .unstable:
                    let l = bounds.preLower[k - 1][m], u = bounds.preUpper[k - 1][m]
                    if nuHat[m] >= 0 {
                        let d = u / (u - l)
                        nu[m] = d * nuHat[m]
                        let term = -d * l * nuHat[m]
                        value += term
                        magnitude += abs(term)
                    } else {
                        nu[m] = min(max(alpha[k - 1][m], 0), 1) * nuHat[m]
                    }
                }
                let term = nu[m] * layer.bias[m]
                value += term
                magnitude += abs(term)
            }
            nuHat = try layer.weight.apply(nu, transposed: true)
            let residual = try absoluteWeights[k - 1].apply(nu.map(abs), transposed: true)
            let xMax = zip(bounds.lower[k - 1], bounds.upper[k - 1]).map { max(abs($0), abs($1)) }
            var slack = 0.0
            for i in residual.indices { slack += residual[i] * xMax[i] }
            allowance += roundingAllowance(terms: layer.outputSize, magnitude: slack)
        }
        let l0 = bounds.lower[0], u0 = bounds.upper[0]
        for i in nuHat.indices {
            let term = max(nuHat[i] * l0[i], nuHat[i] * u0[i])
            value += term
            magnitude += abs(term)
        }
        // `value` accumulated c0, up to two terms per hidden unit and one per input.
        let terms = 1 + 2 * network.hiddenSizes.reduce(0, +) + nuHat.count
        allowance += roundingAllowance(terms: terms, magnitude: magnitude)
        return value + allowance * (1 + 1e-6)
    }
}
