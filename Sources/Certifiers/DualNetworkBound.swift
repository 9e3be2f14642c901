import LinearAlgebra
import Networks

/// The dual-network bound of the LP relaxation (paper 1, eq. 6; Wong & Kolter 2018, Theorem 1):
/// for fixed pre-activation bounds ℓ̂ < 0 < û, back-substitution gives an upper bound on
/// `cᵀ x_L + c0` for any choice of the coefficient ν_m passed from an unstable unit's output x to
/// its pre-activation a, because `ν̂ x − ν a` is at most its largest value on the triangle's
/// vertices (ℓ̂, 0), (0, 0), (û, û):
///
/// ```
/// ν̂_L = c;  for k = L … 1 (unit m of layer k):
///   dead: ν_m = 0;  active: ν_m = ν̂_m;
///   unstable: U += max(−ν_m ℓ̂, 0, (ν̂_m − ν_m) û)
///   U += νᵀ b_{k−1};  ν̂_{k−1} = W_{k−1}ᵀ ν
/// U += c0 + Σ_i max(ν̂_0,i l_0,i, ν̂_0,i u_0,i)
/// ```
/// Wong & Kolter's slopes are ν = d ν̂ for ν̂ ≥ 0 (d = û/(û − ℓ̂)) and ν = α ν̂ otherwise; the LP's
/// own optimal multipliers give the LP optimum.
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

    /// How the coefficient ν of each unstable unit is chosen.
    enum Choice {
        /// Wong–Kolter form: ν = d ν̂ when ν̂ ≥ 0, else α ν̂ with these slopes (index k−1, unit m).
        case slopes([[Double]])
        /// The coefficients themselves (e.g. read off an LP solution's multipliers).
        case coefficients([[Double]])
    }

    /// The bound for objective `c·x_L + c0` with the Wong–Kolter lower slopes `alpha`.
    func upperBound(c: [Double], c0: Double, alpha: [[Double]]) throws -> Double {
        try upperBound(c: c, c0: c0, choice: .slopes(alpha))
    }

    /// The bound for objective `c·x_L + c0` with the unstable units' coefficients chosen by `choice`.
    ///
    /// - Complexity: two `gemv`s per layer.
    func upperBound(c: [Double], c0: Double, choice: Choice) throws -> Double {
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
                    switch choice {
                    case .slopes(let alpha):
                        nu[m] = nuHat[m] >= 0 ? u / (u - l) * nuHat[m] : min(max(alpha[k - 1][m], 0), 1) * nuHat[m]
                    case .coefficients(let given):
                        nu[m] = given[k - 1][m]
                    }
                    let term = max(-nu[m] * l, 0, (nuHat[m] - nu[m]) * u)
                    value += term
                    magnitude += abs(term) + abs(nu[m] * l) + abs(nuHat[m] * u)
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
