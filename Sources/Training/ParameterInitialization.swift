import LinearAlgebra
import Networks

extension ReLUNetwork {
    /// A network with PyTorch's default `nn.Linear` and `nn.Conv2d` initialisation, drawn from
    /// SplitMix64.
    ///
    /// ```
    /// W_k[i, j], b_k[i] ~ U(−1/√fan_in, 1/√fan_in)        dense layer, fan_in = its input width
    /// K_k[f, c, u, v], β_k[f] ~ U(−1/√fan_in, 1/√fan_in)  convolution, fan_in = C·k², then expanded
    /// ```
    /// `sizes` lists the layer widths from input to classes, e.g. `[784, 200, 100, 50, 10]`; the
    /// first `convolutions.count` layers are those convolutions (`NetworkArchitecture`).
    /// - Throws: `NetworkError.invalid` for fewer than two sizes, convolutions that do not fit the
    ///   sizes, or a size mismatch with `inputShape`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomlyInitialized(
        name: String, sizes: [Int], convolutions: [ConvolutionLayout] = [], inputShape: [Int],
        inputLower: Scalar = 0, inputUpper: Scalar = 1, seed: UInt64
    ) throws -> ReLUNetwork {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw NetworkError.invalid("an architecture needs an input and an output size, got \(sizes)")
        }
        _ = try NetworkArchitecture(sizes: sizes, convolutions: convolutions)
        var rng = SplitMix64.stream(seed: seed, index: 0x1A17)
        func uniform(_ count: Int, fanIn: Int) -> [Scalar] {
            let bound = 1 / Double(fanIn).squareRoot()
            return (0..<count).map { _ in Scalar((2 * rng.unitInterval() - 1) * bound) }
        }
        var layers: [DenseLayer<Scalar>] = []
        for k in 0..<(sizes.count - 1) {
            if k < convolutions.count {
                let c = convolutions[k]
                let kernel = uniform(c.kernelSize, fanIn: c.fanIn)
                layers.append(try c.expand(kernel: kernel, bias: uniform(c.filters, fanIn: c.fanIn)))
                continue
            }
            let (fanIn, fanOut) = (sizes[k], sizes[k + 1])
            let w = try Matrix<Scalar>(rows: fanOut, columns: fanIn, elements: uniform(fanOut * fanIn, fanIn: fanIn))
            layers.append(try DenseLayer(weight: w, bias: uniform(fanOut, fanIn: fanIn)))
        }
        return try ReLUNetwork(
            name: name, inputShape: inputShape, inputLower: inputLower, inputUpper: inputUpper, layers: layers)
    }

    /// The parameters as flat tensors `[W_0, b_0, W_1, b_1, …]` (the optimiser's view).
    public var flatParameters: [[Scalar]] {
        layers.flatMap { [$0.weight.elements, $0.bias] }
    }

    /// Replaces the parameters from flat tensors in the order of `flatParameters`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func setFlatParameters(_ tensors: [[Scalar]]) throws {
        guard tensors.count == 2 * layers.count else {
            throw NetworkError.invalid("expected \(2 * layers.count) tensors, got \(tensors.count)")
        }
        var weights: [Matrix<Scalar>] = []
        var biases: [[Scalar]] = []
        for (k, layer) in layers.enumerated() {
            weights.append(try Matrix(rows: layer.outputSize, columns: layer.inputSize, elements: tensors[2 * k]))
            biases.append(tensors[2 * k + 1])
        }
        try setParameters(weights: weights, biases: biases)
    }
}

extension LayerGradients {
    /// The gradients as flat tensors `[∂W_0, ∂b_0, …]`, matching `flatParameters`.
    public var flat: [[Scalar]] { zip(weight, bias).flatMap { [$0.elements, $1] } }
}
