import LinearAlgebra

/// One affine layer `x ↦ W x + b` of a ReLU network (PyTorch convention: `W` is `out × in`).
public struct DenseLayer<Scalar: BLASScalar>: Equatable, Sendable {
    /// The weight matrix, `outputSize × inputSize`.
    public var weight: Matrix<Scalar>
    /// The bias, of length `outputSize`.
    public var bias: [Scalar]
    /// The convolution this layer expands, when it is one (`ConvolutionLayout`): a record of its
    /// structure, kept through training and files; `ConvolutionLayout.kernel(of:)` checks it.
    public var convolution: ConvolutionLayout?

    /// A layer; the bias length must equal the number of weight rows, and a convolution's sizes
    /// the matrix's.
    public init(weight: Matrix<Scalar>, bias: [Scalar], convolution: ConvolutionLayout? = nil) throws {
        guard bias.count == weight.rows else {
            throw NetworkError.invalid("bias has \(bias.count) entries, weight has \(weight.rows) rows")
        }
        if let convolution, convolution.outputSize != weight.rows || convolution.inputSize != weight.columns {
            throw NetworkError.invalid(
                "\(convolution) is \(convolution.outputSize)x\(convolution.inputSize), the weight \(weight.rows)x\(weight.columns)")
        }
        self.weight = weight
        self.bias = bias
        self.convolution = convolution
    }

    /// Number of inputs.
    public var inputSize: Int { weight.columns }
    /// Number of outputs.
    public var outputSize: Int { weight.rows }
}

/// A feed-forward ReLU classifier (network-format.md):
///
/// ```
/// x_{k+1} = ReLU(W_k x_k + b_k)   for k < L      (hidden layers)
/// s       =      W_L x_L + b_L                   (class scores)
/// ```
/// The input `x_0` is the flattened input (row-major for an image) and lies in the box
/// `inputLower ≤ x_0 ≤ inputUpper`.
public struct ReLUNetwork<Scalar: BLASScalar>: Equatable, Sendable {
    /// Short name shown in tables (`PGD-NN`, `mnist_2_20`, …).
    public var name: String
    /// Free text: how it was trained or where it came from (the file's `description`).
    public var provenance: String?
    /// The input shape, e.g. `[28, 28]`, `[7, 7]` or `[784]`.
    public var inputShape: [Int]
    /// Lower end of the input domain (e.g. 0).
    public var inputLower: Scalar
    /// Upper end of the input domain (e.g. 1).
    public var inputUpper: Scalar
    /// The layers `0 … L`; the last one gives the class scores (no ReLU after it).
    public internal(set) var layers: [DenseLayer<Scalar>]

    /// A network; checks that consecutive layers fit, the input shape matches the first layer,
    /// every weight is finite and the domain is a non-empty interval.
    ///
    /// - Throws: `NetworkError.invalid` naming the offending layer.
    public init(
        name: String, provenance: String? = nil, inputShape: [Int], inputLower: Scalar = 0,
        inputUpper: Scalar = 1, layers: [DenseLayer<Scalar>]
    ) throws {
        guard !layers.isEmpty else { throw NetworkError.invalid("a network needs at least one layer") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NetworkError.invalid("input shape \(inputShape) must be non-empty and positive")
        }
        let flat = inputShape.reduce(1, *)
        guard layers[0].inputSize == flat else {
            throw NetworkError.invalid(
                "layer 0 takes \(layers[0].inputSize) inputs, input shape \(inputShape) has \(flat)")
        }
        for k in 1..<layers.count where layers[k].inputSize != layers[k - 1].outputSize {
            throw NetworkError.invalid(
                "layer \(k) takes \(layers[k].inputSize) inputs, layer \(k - 1) gives \(layers[k - 1].outputSize)")
        }
        for (k, layer) in layers.enumerated() {
            guard layer.weight.isFinite else { throw NetworkError.invalid("layer \(k) weight has a non-finite entry") }
            guard layer.bias.allSatisfy({ $0.isFinite }) else {
                throw NetworkError.invalid("layer \(k) bias has a non-finite entry")
            }
        }
        guard inputLower.isFinite, inputUpper.isFinite, inputLower < inputUpper else {
            throw NetworkError.invalid("input domain [\(inputLower), \(inputUpper)] is not a finite interval")
        }
        self.name = name
        self.provenance = provenance
        self.inputShape = inputShape
        self.inputLower = inputLower
        self.inputUpper = inputUpper
        self.layers = layers
    }

    /// Number of inputs (the product of `inputShape`).
    public var inputSize: Int { layers[0].inputSize }
    /// Number of classes (outputs of the last layer).
    public var classCount: Int { layers[layers.count - 1].outputSize }
    /// Widths of the hidden (ReLU) layers.
    public var hiddenSizes: [Int] { layers.dropLast().map(\.outputSize) }
    /// The architecture as `784-200-100-50-10`, or `28x28-c16k4s2-c32k4s2-100-10` when the leading
    /// layers are convolutions (`NetworkArchitecture`).
    public var architecture: String {
        let sizes = [inputSize] + layers.map(\.outputSize)
        let convolutions = layers.prefix { $0.convolution != nil }.compactMap(\.convolution)
        return ((try? NetworkArchitecture(sizes: sizes, convolutions: convolutions))
            ?? (try? NetworkArchitecture(sizes: sizes)))?.description ?? sizes.map(String.init).joined(separator: "-")
    }

    /// The same network in another precision.
    public func converted<Other: BLASScalar>(to _: Other.Type = Other.self) throws -> ReLUNetwork<Other> {
        try ReLUNetwork<Other>(
            name: name, provenance: provenance, inputShape: inputShape,
            inputLower: Other(inputLower), inputUpper: Other(inputUpper),
            layers: layers.map {
                try DenseLayer(weight: $0.weight.converted(), bias: $0.bias.map { Other($0) }, convolution: $0.convolution)
            })
    }
}

/// An inconsistent network or input.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// The network's structure or values are invalid.
    case invalid(String)
    /// An input batch has the wrong number of features.
    case inputSize(expected: Int, got: Int)

    /// The message without the `invalid network:` prefix.
    public var reason: String {
        switch self {
        case .invalid(let what): return what
        case .inputSize: return description
        }
    }

    public var description: String {
        switch self {
        case .invalid(let what): return "invalid network: \(what)"
        case .inputSize(let expected, let got):
            return "input has \(got) features, the network expects \(expected)"
        }
    }
}
