import Foundation
import LinearAlgebra

/// Importing a feed-forward ReLU MLP from an ONNX model (decoded by `ProtobufReader`, no library).
extension ReLUNetwork where Scalar == Double {
    /// Reads an ONNX model of a fully connected ReLU classifier as a network.
    ///
    /// The graph must be one chain from the single graph input to the single graph output made of
    /// `Gemm` (any `alpha`, `beta`, `transA`, `transB`), `MatMul`, `Relu`, `Flatten`, `Reshape`,
    /// `Identity`, `Constant` and `Add`/`Sub`/`Mul`/`Div` with a constant operand. Element-wise
    /// constants before the first layer (e.g. `Sub` mean, `Div` std) are folded into layer 0, a
    /// `MatMul` + `Add` pair becomes one layer, and two linear maps with no ReLU between them are
    /// multiplied out. Weights may be float32 (`raw_data` or `float_data`) or float64.
    ///
    /// The input shape is the graph input's shape without a leading batch dimension and with
    /// size-1 axes removed (`1×1×28×28` → `[28, 28]`, `1×784×1` → `[784]`), unless `inputShape`
    /// is given (it must have as many elements).
    ///
    /// A graph that ends in a `Relu` does not fit the format, whose last layer is affine, and is
    /// rejected unless `allowFinalReLU` is true: then the final ReLU is dropped, the scores are
    /// the pre-ReLU logits and the description says so. Dropping it keeps the arg-max only when
    /// some logit is positive (when all are ≤ 0 the original scores are all 0 and tie).
    ///
    /// - Parameters:
    ///   - file: the `.onnx` file.
    ///   - name: the network's name; the file name without extension when nil.
    ///   - allowFinalReLU: drop a ReLU after the last linear layer instead of rejecting the file.
    ///   - inputShape: overrides the shape derived from the graph input.
    ///   - inputLower: lower end of the input domain.
    ///   - inputUpper: upper end of the input domain.
    /// - Throws: `NetworkFileError` whose `path` names the node, initializer or input at fault,
    ///   e.g. `graph/node[3] (Gemm)`, for malformed or truncated protobuf, an unsupported operator
    ///   (convolution, pooling, …), a branching graph, a shape mismatch, a non-finite weight or a
    ///   final ReLU.
    public static func importONNX(
        from file: String, name: String? = nil, allowFinalReLU: Bool = false, inputShape: [Int]? = nil,
        inputLower: Double = 0, inputUpper: Double = 1
    ) throws(NetworkFileError) -> ReLUNetwork<Double> {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw NetworkFileError(file: file, path: "model", reason: "no such file or not readable")
        }
        do {
            let model = try ONNXModel(bytes: [UInt8](data))
            var chain = try ONNXChain(graph: model.graph, allowFinalReLU: allowFinalReLU)
            try chain.run()
            let layers = try chain.finish()
            var shape = chain.inputShape
            if let inputShape {
                guard elementCount(inputShape) == elementCount(shape), inputShape.allSatisfy({ $0 > 0 }) else {
                    throw ONNXFailure(chain.inputPath, "inputShape \(inputShape) does not have the \(shape.reduce(1, *)) elements of the graph input")
                }
                shape = inputShape
            }
            let base = URL(fileURLWithPath: file).lastPathComponent
            let origin = "imported from ONNX file \(base) (producer \(model.producer), opset \(model.opset))"
            do {
                return try ReLUNetwork(
                    name: name ?? URL(fileURLWithPath: base).deletingPathExtension().lastPathComponent,
                    provenance: ([origin] + chain.notes).joined(separator: "; "), inputShape: shape,
                    inputLower: inputLower, inputUpper: inputUpper, layers: layers)
            } catch { throw ONNXFailure("graph", "\(error)") }
        } catch let failure as ONNXFailure {
            throw NetworkFileError(file: file, path: failure.path, reason: failure.reason)
        } catch {
            throw NetworkFileError(file: file, path: "model", reason: "\(error)")
        }
    }
}

/// What is wrong with an ONNX file and where (`graph/node[3] (Gemm)`).
struct ONNXFailure: Error {
    var path: String
    var reason: String
    init(_ path: String, _ reason: String) { (self.path, self.reason) = (path, reason) }
}

/// Runs `body`, reporting a protobuf decoding error at `path`.
func decoding<T>(_ path: String, _ body: () throws(ProtobufError) -> T) throws(ONNXFailure) -> T {
    do { return try body() } catch { throw ONNXFailure(path, "malformed or truncated protobuf: \(error)") }
}

/// The number of elements of a shape; nil for a negative size or more than 2⁴⁰ elements.
func elementCount(_ dims: [Int]) -> Int? {
    var n = 1
    for d in dims {
        let (product, overflow) = n.multipliedReportingOverflow(by: d)
        guard d >= 0, !overflow, product < 1 << 40 else { return nil }
        n = product
    }
    return n
}

// MARK: - Interpreting the graph as a chain of affine maps and ReLUs

/// Walks the nodes of an MLP graph in order, keeping the one computed ("live") tensor as an
/// affine function of the last ReLU output (or of the input) and closing a layer at each ReLU.
struct ONNXChain {
    /// The live tensor as a function of the last hidden activation `h` (or the input).
    enum Affine {
        /// `scale ⊙ h + shift`, element-wise.
        case diagonal(scale: [Double], shift: [Double])
        /// `W h + b`.
        case dense(Matrix<Double>, [Double])
    }

    private let graph: ONNXGraph
    private let allowFinalReLU: Bool
    private var constants: [String: ONNXTensor] = [:]
    private var live: String
    /// The ONNX shape of the live tensor, batch size 1.
    private var shape: [Int]
    private var affine: Affine
    private var layers: [DenseLayer<Double>] = []
    private var lastReLU = "graph", lastLinear = "graph"
    /// The network's input shape: no batch dimension, no size-1 axes.
    private(set) var inputShape: [Int]
    /// Where the graph input is declared, for error messages.
    private(set) var inputPath = "graph/input"
    /// Sentences for the network's description (folding, a dropped final ReLU).
    private(set) var notes: [String] = []

    init(graph: ONNXGraph, allowFinalReLU: Bool) throws(ONNXFailure) {
        self.graph = graph
        self.allowFinalReLU = allowFinalReLU
        let initialized = Set(graph.initializers.map(\.name))
        constants = Dictionary(graph.initializers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let inputs = graph.inputs.enumerated().filter { !initialized.contains($0.element.name) }
        guard inputs.count == 1, let (k, input) = inputs.first else {
            throw ONNXFailure("graph/input", "expected one graph input besides the initializers, found \(inputs.map(\.element.name))")
        }
        inputPath = "graph/input[\(k)] (\(input.name))"
        guard var dims = input.dims, !dims.isEmpty else { throw ONNXFailure(inputPath, "the input has no shape") }
        if dims.count >= 2 {  // the batch dimension
            guard dims[0] == nil || dims[0] == 1 else { throw ONNXFailure(inputPath, "batch size \(dims[0] ?? 0); expected 1 or symbolic") }
            dims[0] = 1
        }
        let known = dims.compactMap { $0 }
        guard known.count == dims.count, let width = elementCount(known), width > 0 else {
            throw ONNXFailure(inputPath, "input shape \(dims.map { $0.map(String.init) ?? "?" }) must be known (a symbolic size is allowed only for the batch)")
        }
        live = input.name
        shape = known
        affine = .diagonal(scale: Array(repeating: 1, count: width), shift: Array(repeating: 0, count: width))
        let unbatched = known.count >= 2 ? Array(known.dropFirst()) : known
        inputShape = unbatched.filter { $0 != 1 }
        if inputShape.isEmpty { inputShape = [1] }
    }

    /// Interprets every node.
    mutating func run() throws(ONNXFailure) {
        for (k, node) in graph.nodes.enumerated() {
            let path = "graph/node[\(k)] (\(node.opType)\(node.name.isEmpty ? "" : " '\(node.name)'"))"
            try apply(node, path: path)
        }
    }

    /// The layers, once every node has been interpreted.
    mutating func finish() throws(ONNXFailure) -> [DenseLayer<Double>] {
        guard graph.outputs.count == 1, graph.outputs[0] == live else {
            throw ONNXFailure("graph/output", "the graph must have one output, the end of the chain '\(live)'; it has \(graph.outputs)")
        }
        switch affine {
        case .dense(let w, let b): try append(w, b, path: lastLinear)
        case .diagonal(let scale, let shift):
            guard !layers.isEmpty else { throw ONNXFailure("graph", "no Gemm or MatMul layer") }
            guard allowFinalReLU else {
                throw ONNXFailure(lastReLU, "the graph ends in a ReLU after the last linear layer, but the format's output layer is affine (class scores, no ReLU); pass allowFinalReLU (experiments import --allow-final-relu) to drop it")
            }
            var last = layers.removeLast()
            for i in 0..<last.outputSize {
                for j in 0..<last.inputSize { last.weight[i, j] *= scale[i] }
                last.bias[i] = last.bias[i] * scale[i] + shift[i]
            }
            try append(last.weight, last.bias, path: lastReLU)
            notes.append("the ONNX graph's final ReLU was dropped: the scores are its pre-ReLU logits (same arg-max whenever some logit is positive)")
        }
        return layers
    }

    private mutating func append(_ w: Matrix<Double>, _ b: [Double], path: String) throws(ONNXFailure) {
        guard w.isFinite, b.allSatisfy(\.isFinite) else { throw ONNXFailure(path, "the layer has a non-finite weight or bias") }
        do { layers.append(try DenseLayer(weight: w, bias: b)) } catch { throw ONNXFailure(path, "\(error)") }
    }

    /// The constant tensor named `name`, checked to be finite.
    private func constant(_ name: String, _ path: String) throws(ONNXFailure) -> ONNXTensor {
        guard let t = constants[name] else {
            throw ONNXFailure(path, "input '\(name)' is neither a constant nor the tensor computed so far (only a single chain of operations is supported)")
        }
        guard let i = t.values.firstIndex(where: { !$0.isFinite }) else { return t }
        throw ONNXFailure(path, "constant '\(name)' has the non-finite value \(t.values[i]) at flat index \(i)")
    }

    private mutating func apply(_ node: ONNXNode, path: String) throws(ONNXFailure) {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw ONNXFailure(path, "operator domain '\(node.domain)' is not supported")
        }
        guard let output = node.outputs.first else { throw ONNXFailure(path, "the node has no output") }
        let inputs = node.inputs.filter { !$0.isEmpty }
        if node.opType == "Constant" {
            switch node.attributes["value"] ?? node.attributes["value_float"] ?? node.attributes["value_floats"]
                ?? node.attributes["value_int"] ?? node.attributes["value_ints"] {
            case .tensor(let t)?: constants[output] = t
            case .number(let v)?: constants[output] = ONNXTensor(dims: [], values: [v])
            case .numbers(let v)?: constants[output] = ONNXTensor(dims: [v.count], values: v)
            default: throw ONNXFailure(path, "only numeric Constant values are supported")
            }
            return
        }
        let liveIndex = inputs.firstIndex(of: live)
        if node.opType == "Identity", inputs.count == 1, liveIndex == nil {
            constants[output] = try constant(inputs[0], path)
            return
        }
        guard let liveIndex else { throw ONNXFailure(path, "does not use the tensor computed so far, '\(live)' (only a single chain is supported)") }
        guard inputs.filter({ $0 == live }).count == 1 else { throw ONNXFailure(path, "uses '\(live)' twice") }
        let others = try inputs.enumerated().filter { $0.offset != liveIndex }.map { (_, name) throws(ONNXFailure) in try constant(name, path) }
        switch node.opType {
        case "Identity": break
        case "Flatten":
            var axis = node.integer("axis", default: 1)
            if axis < 0 { axis += shape.count }
            guard (0...shape.count).contains(axis) else { throw ONNXFailure(path, "axis \(axis) out of range for shape \(shape)") }
            shape = [shape[..<axis].reduce(1, *), shape[axis...].reduce(1, *)]
        case "Reshape": shape = try reshape(node, others, path: path)
        case "Gemm", "MatMul": try linear(node, others, liveFirst: liveIndex == 0, path: path)
        case "Add", "Sub", "Mul", "Div": try elementwise(node.opType, others, liveFirst: liveIndex == 0, path: path)
        case "Relu":
            if case .diagonal(let scale, let shift) = affine {
                // Relu(Relu(x)) = Relu(x); any other ReLU must follow a linear layer.
                guard !layers.isEmpty, scale.allSatisfy({ $0 == 1 }), shift.allSatisfy({ $0 == 0 }) else {
                    throw ONNXFailure(path, "a ReLU must follow a Gemm or MatMul layer")
                }
            } else if case .dense(let w, let b) = affine {
                try append(w, b, path: path)
                affine = .diagonal(scale: Array(repeating: 1, count: b.count), shift: Array(repeating: 0, count: b.count))
            }
            lastReLU = path
        default:
            let hint = ["Conv", "MaxPool", "AveragePool", "BatchNormalization"].contains(node.opType)
                ? " (only fully connected ReLU networks can be imported)" : ""
            throw ONNXFailure(path, "unsupported operator \(node.opType)\(hint)")
        }
        live = output
    }

    /// The new shape of a `Reshape` (shape from the second input or, before opset 5, an attribute).
    private func reshape(_ node: ONNXNode, _ others: [ONNXTensor], path: String) throws(ONNXFailure) -> [Int] {
        var target: [Int]
        if let t = others.first { target = t.values.map { Int(exactly: $0) ?? Int.min } } else if case .numbers(let v)? = node.attributes["shape"] {
            target = v.map { Int(exactly: $0) ?? Int.min }
        } else { throw ONNXFailure(path, "Reshape without a constant shape") }
        let allowZero = node.number("allowzero", default: 0) != 0
        for (i, d) in target.enumerated() where d == 0 && !allowZero {
            guard i < shape.count else { throw ONNXFailure(path, "shape \(target) copies axis \(i) of \(shape)") }
            target[i] = shape[i]
        }
        let total = shape.reduce(1, *)
        if let i = target.firstIndex(of: -1), target.filter({ $0 == -1 }).count == 1,
            let rest = elementCount(target.enumerated().filter { $0.offset != i }.map(\.element)), rest > 0, total % rest == 0 {
            target[i] = total / rest
        }
        guard target.allSatisfy({ $0 >= 0 }), elementCount(target) == total else {
            throw ONNXFailure(path, "cannot reshape \(shape) to \(target)")
        }
        return target
    }

    /// `Gemm` (`alpha·op(A)·op(B) + beta·C`) or `MatMul` with the live tensor as the left factor.
    private mutating func linear(_ node: ONNXNode, _ others: [ONNXTensor], liveFirst: Bool, path: String) throws(ONNXFailure) {
        let gemm = node.opType == "Gemm"
        lastLinear = path
        guard liveFirst, let b = others.first, b.dims.count == 2 else {
            throw ONNXFailure(path, "needs the computed tensor as first factor and a 2-D constant weight as second")
        }
        let transA = gemm && node.number("transA", default: 0) != 0
        let transB = gemm && node.number("transB", default: 0) != 0
        let (k, n) = transB ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
        let width = shape.reduce(1, *)
        let fits = gemm ? shape.count == 2 && shape[transA ? 1 : 0] == 1 : shape.last == k
        guard fits, width == k else {
            throw ONNXFailure(path, "shape mismatch: input \(shape)\(transA ? " (transposed)" : "") times weight \(b.dims)\(transB ? " (transposed)" : "") of \(k) inputs")
        }
        let alpha = gemm ? node.number("alpha", default: 1) : 1
        var w = Matrix<Double>(rows: n, columns: k)
        for i in 0..<n {
            for j in 0..<k { w[i, j] = alpha * b.values[transB ? i * k + j : j * n + i] }
        }
        var bias = [Double](repeating: 0, count: n)
        if gemm, others.count > 1 {
            guard let c = broadcast(others[1], to: [1, n]), c.shape == [1, n] else {
                throw ONNXFailure(path, "bias of shape \(others[1].dims) does not broadcast to [1, \(n)]")
            }
            let beta = node.number("beta", default: 1)
            bias = c.values.map { beta * $0 }
        }
        shape = gemm ? [1, n] : (shape.count == 1 ? [n] : shape.dropLast() + [n])
        do {
            switch affine {
            case .diagonal(let scale, let shift):
                if layers.isEmpty, scale.contains(where: { $0 != 1 }) || shift.contains(where: { $0 != 0 }) {
                    notes.append("input normalisation (element-wise Add/Sub/Mul/Div) folded into layer 0")
                }
                bias = zip(try w.apply(shift), bias).map(+)
                for i in 0..<n { for j in 0..<k { w[i, j] *= scale[j] } }
                affine = .dense(w, bias)
            case .dense(let p, let q):
                if !notes.contains(where: { $0.hasPrefix("consecutive") }) { notes.append("consecutive linear layers with no ReLU between them were multiplied out") }
                affine = .dense(try w.multiplied(by: p), zip(try w.apply(q), bias).map(+))
            }
        } catch { throw ONNXFailure(path, "\(error)") }
    }

    /// `Add`, `Sub`, `Mul` or `Div` of the live tensor and a constant, folded into the affine map.
    private mutating func elementwise(_ op: String, _ others: [ONNXTensor], liveFirst: Bool, path: String) throws(ONNXFailure) {
        guard others.count == 1, let c = broadcast(others[0], to: shape), elementCount(c.shape) == elementCount(shape) else {
            throw ONNXFailure(path, "constant of shape \(others.first?.dims ?? []) does not broadcast to the computed tensor's shape \(shape) without enlarging it")
        }
        shape = c.shape
        let width = c.values.count
        // y ↦ m ⊙ y + a
        var m = [Double](repeating: 1, count: width), a = [Double](repeating: 0, count: width)
        switch (op, liveFirst) {
        case ("Add", _): a = c.values
        case ("Sub", true): a = c.values.map { -$0 }
        case ("Sub", false): (m, a) = (Array(repeating: -1, count: width), c.values)
        case ("Mul", _): m = c.values
        case ("Div", true): m = c.values.map { 1 / $0 }
        default: throw ONNXFailure(path, "dividing a constant by the computed tensor is not affine")
        }
        guard m.allSatisfy(\.isFinite) else { throw ONNXFailure(path, "division by zero") }
        switch affine {
        case .diagonal(let scale, let shift):
            affine = .diagonal(scale: (0..<width).map { m[$0] * scale[$0] }, shift: (0..<width).map { m[$0] * shift[$0] + a[$0] })
        case .dense(var w, var b):
            for i in 0..<width {
                for j in 0..<w.columns { w[i, j] *= m[i] }
                b[i] = m[i] * b[i] + a[i]
            }
            affine = .dense(w, b)
        }
    }

    /// The values of `t` broadcast (NumPy rules) against `shape`, with the resulting shape.
    private func broadcast(_ t: ONNXTensor, to shape: [Int]) -> (shape: [Int], values: [Double])? {
        let rank = max(t.dims.count, shape.count)
        let d = Array(repeating: 1, count: rank - t.dims.count) + t.dims
        let s = Array(repeating: 1, count: rank - shape.count) + shape
        var result: [Int] = []
        for (x, y) in zip(d, s) {
            guard x == y || x == 1 || y == 1 else { return nil }
            result.append(max(x, y))
        }
        guard let count = elementCount(result) else { return nil }
        var strides = [Int](repeating: 0, count: rank), step = 1
        for i in stride(from: rank - 1, through: 0, by: -1) {
            strides[i] = d[i] == 1 ? 0 : step
            step *= d[i]
        }
        var values = [Double](repeating: 0, count: count), index = [Int](repeating: 0, count: rank)
        for flat in 0..<count {
            values[flat] = t.values[zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }]
            for i in stride(from: rank - 1, through: 0, by: -1) {
                index[i] += 1
                if index[i] < result[i] { break }
                index[i] = 0
            }
        }
        return (result, values)
    }
}
