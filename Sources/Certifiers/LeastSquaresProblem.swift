import LinearAlgebra
import Networks

/// Paper 2's problem (B): the nearest input whose hidden output lands in a ball (formulations.md).
///
/// ```
/// L* = min ‖x − x̂‖   s.t.   ‖f(x) − ẑ‖ ≤ ρ,     f(x) = z_ℓ,  z_k = ReLU(W_{k−1} z_{k−1} + b_{k−1}),  z_0 = x
/// ```
/// `f` is the output of the last *hidden* layer kept (no affine output layer) and there is no input
/// box. Problem (A) (the smallest ℓ₂ attack flipping class i to j) is (B) as ρ → ∞ with the ball
/// centred at `ẑ = −w (b/‖w‖² + ρ/‖w‖)`, `w = W_outᵀ(e_i − e_j)`; `attack(…)` builds that instance.
public struct LeastSquaresProblem: Sendable, Equatable {
    /// `W_0 … W_{ℓ−1}`, each `n_{k+1} × n_k`.
    public let weights: [Matrix<Double>]
    /// `b_0 … b_{ℓ−1}`.
    public let biases: [[Double]]
    /// The centre `x̂` in input space (length `n_0`).
    public let center: [Double]
    /// The target `ẑ` in the output space of layer ℓ (length `n_ℓ`).
    public let target: [Double]
    /// The radius `ρ > 0`.
    public let radius: Double
    /// An input whose output lies strictly inside the ball, when one is known (Figure 5a's
    /// instances: the image whose output is ẑ). BM's slightly infeasible points are combined with
    /// it into feasible ones for the duality-gap certificate (`feasibleUpperBound`).
    public var interiorPoint: [Double]?

    /// A problem from explicit layers; shapes must chain and every number be finite.
    ///
    /// - Throws: `CertifierError.unsupported` naming the mismatch.
    public init(weights: [Matrix<Double>], biases: [[Double]], center: [Double], target: [Double], radius: Double) throws {
        guard !weights.isEmpty, weights.count == biases.count else {
            throw CertifierError.unsupported("problem (B) needs at least one layer and one bias per layer")
        }
        guard weights[0].columns == center.count else {
            throw CertifierError.unsupported("problem (B): x̂ has \(center.count) entries, layer 0 takes \(weights[0].columns)")
        }
        for k in weights.indices {
            guard biases[k].count == weights[k].rows else {
                throw CertifierError.unsupported("problem (B): layer \(k) has \(weights[k].rows) rows, bias \(biases[k].count)")
            }
            if k > 0, weights[k].columns != weights[k - 1].rows {
                throw CertifierError.unsupported("problem (B): layer \(k) takes \(weights[k].columns) inputs, layer \(k - 1) gives \(weights[k - 1].rows)")
            }
        }
        guard target.count == weights[weights.count - 1].rows else {
            throw CertifierError.unsupported("problem (B): ẑ has \(target.count) entries, layer \(weights.count - 1) gives \(weights[weights.count - 1].rows)")
        }
        guard radius > 0, radius.isFinite, center.allSatisfy(\.isFinite), target.allSatisfy(\.isFinite),
              weights.allSatisfy(\.isFinite), biases.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw CertifierError.unsupported("problem (B): ρ must be positive and every number finite (ρ = \(radius))")
        }
        self.weights = weights
        self.biases = biases
        self.center = center
        self.target = target
        self.radius = radius
    }

    /// Problem (B) over the first `layers` hidden layers of `network`.
    public init(network: ReLUNetwork<Double>, layers: Int, center: [Double], target: [Double], radius: Double) throws {
        let hidden = network.layers.count - 1
        guard (1...max(hidden, 1)).contains(layers), layers <= hidden else {
            throw CertifierError.unsupported("\(network.name) has \(hidden) hidden layers; problem (B) asked for \(layers)")
        }
        try self.init(
            weights: network.layers[0..<layers].map(\.weight), biases: network.layers[0..<layers].map(\.bias),
            center: center, target: target, radius: radius)
    }

    /// Paper 2's instance for Figure 5a: `x̂ = center`, `ẑ = f_k(previous)` (the output of the first
    /// `layers` hidden layers at another input, so the target is reachable).
    public static func instance(
        network: ReLUNetwork<Double>, layers: Int, center: [Double], previous: [Double], radius: Double
    ) throws -> LeastSquaresProblem {
        let first = network.layers.prefix(max(0, min(layers, network.layers.count - 1)))
        let target = try Self.forward(previous, weights: first.map(\.weight), biases: first.map(\.bias)).last ?? []
        var problem = try LeastSquaresProblem(network: network, layers: layers, center: center, target: target, radius: radius)
        problem.interiorPoint = previous
        return problem
    }

    /// Problem (A) through (B) at radius ρ (paper 2, §8): all hidden layers of `network`, and the
    /// ball of radius ρ tangent to the decision boundary `⟨w, z⟩ + b = 0` from the side of `target`:
    ///
    /// ```
    /// w = W_Lᵀ (e_label − e_target),  b = b_L[label] − b_L[target],  ẑ = −w (b/‖w‖² + ρ/‖w‖)
    /// ```
    public static func attack(
        network: ReLUNetwork<Double>, center: [Double], label: Int, target j: Int, radius: Double
    ) throws -> (problem: LeastSquaresProblem, w: [Double], b: Double) {
        let last = network.layers[network.layers.count - 1]
        guard (0..<last.outputSize).contains(label), (0..<last.outputSize).contains(j), label != j else {
            throw CertifierError.unsupported("problem (A): classes \(label) and \(j) must differ and lie in 0..<\(last.outputSize)")
        }
        let w = (0..<last.inputSize).map { last.weight[label, $0] - last.weight[j, $0] }
        let b = last.bias[label] - last.bias[j]
        let norm2 = w.reduce(0) { $0 + $1 * $1 }
        guard norm2 > 0 else { throw CertifierError.unsupported("problem (A): classes \(label) and \(j) have equal weights") }
        let scale = b / norm2 + radius / norm2.squareRoot()
        let problem = try LeastSquaresProblem(
            network: network, layers: network.layers.count - 1, center: center, target: w.map { -$0 * scale },
            radius: radius)
        return (problem, w, b)
    }

    /// Widths `n_0 … n_ℓ`.
    public var sizes: [Int] { [weights[0].columns] + weights.map(\.rows) }
    /// Number of hidden layers ℓ.
    public var layerCount: Int { weights.count }

    /// `f(x) = z_ℓ` and every hidden output on the way (`[z_1, …, z_ℓ]`).
    ///
    /// - Complexity: ℓ `gemv`s.
    public func hiddenOutputs(_ x: [Double]) throws -> [[Double]] {
        try Self.forward(x, weights: weights, biases: biases)
    }

    /// `[z_1, …, z_ℓ]` for `z_k = ReLU(W_{k−1} z_{k−1} + b_{k−1})`, `z_0 = x`.
    static func forward(_ x: [Double], weights: [Matrix<Double>], biases: [[Double]]) throws -> [[Double]] {
        var z = x, outputs: [[Double]] = []
        for k in weights.indices {
            z = zip(try weights[k].apply(z), biases[k]).map { max($0 + $1, 0) }
            outputs.append(z)
        }
        return outputs
    }

    /// The value of problem (B)'s objective and constraint at an input:
    /// `(‖x − x̂‖, ‖f(x) − ẑ‖)`; x is feasible when the second is ≤ ρ.
    public func evaluate(_ x: [Double]) throws -> (distance: Double, residual: Double) {
        let f = try hiddenOutputs(x).last!
        return (distance(x, center), distance(f, target))
    }
}

/// Euclidean distance.
func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}
