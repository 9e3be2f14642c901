import LinearAlgebra
import Networks

/// Elementwise bounds on every layer of a network over an ℓ∞ ball (paper 1, eq. 8, with ReLU).
///
/// ```
/// l_0 = max(x̄ − ε, lo),  u_0 = min(x̄ + ε, hi)
/// ℓ̂_k = [W]₊ l_{k−1} + [W]₋ u_{k−1} + b,   û_k = [W]₊ u_{k−1} + [W]₋ l_{k−1} + b
/// l_k = ReLU(ℓ̂_k),  u_k = ReLU(û_k)
/// ```
/// Each pre-activation bound is widened by the rounding allowance of its sum
/// (`roundingAllowance`), so the boxes contain the exact-arithmetic ones.
public struct IntervalBounds<Scalar: BLASScalar>: Sendable {
    /// Pre-activation lower bounds ℓ̂_k of each layer k = 1 … L+1 (the last is the class scores).
    public let preLower: [[Scalar]]
    /// Pre-activation upper bounds û_k, in the same order.
    public let preUpper: [[Scalar]]
    /// Post-activation lower bounds l_k of the input (k = 0) and of each hidden layer.
    public let lower: [[Scalar]]
    /// Post-activation upper bounds u_k, in the same order.
    public let upper: [[Scalar]]

    /// Interval bounds of `network` over `{x : ‖x − center‖∞ ≤ ε} ∩ [inputLower, inputUpper]`.
    ///
    /// - Throws: `NetworkError.inputSize` for a centre of the wrong length.
    /// - Complexity: two passes through the weights.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(network: ReLUNetwork<Scalar>, center: [Scalar], epsilon: Scalar) throws {
        guard center.count == network.inputSize else {
            throw NetworkError.inputSize(expected: network.inputSize, got: center.count)
        }
        var l = center.map { max($0 - epsilon, network.inputLower) }
        var u = center.map { min($0 + epsilon, network.inputUpper) }
        var lower = [l], upper = [u], preLower: [[Scalar]] = [], preUpper: [[Scalar]] = []
        for (k, layer) in network.layers.enumerated() {
            let w = layer.weight
            var pl = layer.bias, pu = layer.bias
            let unit = Scalar.ulpOfOne / 2
            let gamma = Scalar(2 * (w.columns + 1)) * unit / (1 - Scalar(2 * (w.columns + 1)) * unit)
            for i in 0..<w.rows {
                var lo: Scalar = 0, hi: Scalar = 0, magnitude = abs(layer.bias[i])
                let base = i * w.columns
                for j in 0..<w.columns {
                    let a = w.elements[base + j]
                    if a >= 0 { lo += a * l[j]; hi += a * u[j] } else { lo += a * u[j]; hi += a * l[j] }
                    magnitude += abs(a) * max(abs(l[j]), abs(u[j]))
                }
                pl[i] += lo - gamma * magnitude
                pu[i] += hi + gamma * magnitude
            }
            preLower.append(pl)
            preUpper.append(pu)
            if k < network.layers.count - 1 {
                l = pl.map { max($0, 0) }
                u = pu.map { max($0, 0) }
                lower.append(l)
                upper.append(u)
            }
        }
        self.preLower = preLower
        self.preUpper = preUpper
        self.lower = lower
        self.upper = upper
    }

    /// The interval certificate `U_j = max_{x_L ∈ [l_L, u_L]} c_jᵀ x_L + c0_j` for every class j,
    /// with `c_j = W_Lᵀ(e_j − e_label)`, `c0_j = b_L[j] − b_L[label]`; entry `label` is 0.
    ///
    /// An upper bound on `s_j − s_label` over the ball (formulations.md, interval bounds), with the
    /// rounding allowance of the sum (and of forming `c`) added.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func marginUpperBounds(network: ReLUNetwork<Scalar>, label: Int) -> [Scalar] {
        let last = network.layers[network.layers.count - 1]
        let l = lower[lower.count - 1], u = upper[upper.count - 1]
        return (0..<network.classCount).map { j in
            if j == label { return 0 }
            var bound = last.bias[j] - last.bias[label]
            var magnitude = abs(bound)
            for n in 0..<last.inputSize {
                let c = last.weight[j, n] - last.weight[label, n]
                let term = c >= 0 ? c * u[n] : c * l[n]
                bound += term
                magnitude += abs(term) + abs(c) * Scalar.ulpOfOne * max(abs(l[n]), abs(u[n]))
            }
            let n = Scalar(2 * (last.inputSize + 2)) * Scalar.ulpOfOne / 2
            return bound + n / (1 - n) * magnitude
        }
    }
}
