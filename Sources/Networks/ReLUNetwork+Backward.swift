import LinearAlgebra

/// The activations a forward pass keeps for the backward pass.
public struct ForwardTrace<Scalar: BLASScalar>: Sendable {
    /// The inputs of each layer: `inputs[0]` is the batch, `inputs[k]` = ReLU output of layer k−1.
    public let inputs: [Matrix<Scalar>]
    /// The class scores (`n × classCount`).
    public let scores: Matrix<Scalar>
}

/// Gradients of a scalar loss with respect to the parameters of each layer.
public struct LayerGradients<Scalar: BLASScalar>: Sendable {
    /// `∂loss/∂W_k`, shaped like `W_k`.
    public var weight: [Matrix<Scalar>]
    /// `∂loss/∂b_k`.
    public var bias: [[Scalar]]
}

extension ReLUNetwork {
    /// The forward pass keeping every layer's input, for `backward`.
    ///
    /// - Complexity: one BLAS `gemm` per layer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func trace(_ batch: Matrix<Scalar>) throws -> ForwardTrace<Scalar> {
        guard batch.columns == inputSize else {
            throw NetworkError.inputSize(expected: inputSize, got: batch.columns)
        }
        var inputs = [batch]
        var x = batch
        for (k, layer) in layers.enumerated() {
            // (β = 0 and the bias added afterwards: a bias-initialised C with β = 1 rounds
            // differently once BLAS splits the inner dimension, and trained networks would change.)
            var y = Matrix<Scalar>(rows: x.rows, columns: layer.outputSize)
            try y.gemm(1, x, layer.weight, transposeB: true, beta: 0)
            y.addToEachRow(layer.bias)
            if k == layers.count - 1 { return ForwardTrace(inputs: inputs, scores: y) }
            y.elements.withUnsafeMutableBufferPointer { ReLUKernels.apply($0) }
            inputs.append(y)
            x = y
        }
        return ForwardTrace(inputs: inputs, scores: x)  // not reached: a network has ≥ 1 layer
    }

    /// Back-propagates `∂loss/∂scores` through the network (the chain rule, layer by layer).
    ///
    /// ```
    /// G_L = ∂loss/∂S;   ∂W_k = G_kᵀ X_k,  ∂b_k = 1ᵀ G_k,  G_{k−1} = (G_k W_k) ⊙ [X_k > 0]
    /// ∂loss/∂X_0 = G_0 W_0
    /// ```
    /// A ReLU's derivative at 0 is taken as 0. Returns the parameter gradients when
    /// `parameters` is true and the input gradient when `input` is true.
    /// - Complexity: up to two BLAS `gemm`s per layer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(
        _ trace: ForwardTrace<Scalar>, scoreGradient: Matrix<Scalar>, parameters: Bool = true, input: Bool = false
    ) throws -> (parameters: LayerGradients<Scalar>?, input: Matrix<Scalar>?) {
        guard scoreGradient.rows == trace.scores.rows, scoreGradient.columns == trace.scores.columns else {
            throw NetworkError.invalid("score gradient is \(scoreGradient.rows)×\(scoreGradient.columns), scores are \(trace.scores.rows)×\(trace.scores.columns)")
        }
        var g = scoreGradient
        var weights: [Matrix<Scalar>] = []
        var biases: [[Scalar]] = []
        var inputGradient: Matrix<Scalar>? = nil
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[k]
            let x = trace.inputs[k]
            if parameters {
                var dw = Matrix<Scalar>(rows: layer.outputSize, columns: layer.inputSize)
                try dw.gemm(1, g, transposeA: true, x, beta: 0)
                weights.append(dw)
                var db = [Scalar](repeating: 0, count: layer.outputSize)
                db.withUnsafeMutableBufferPointer { d in
                    g.elements.withUnsafeBufferPointer { gs in
                        let n = g.columns
                        for i in 0..<g.rows {
                            let row = gs.baseAddress! + i * n
                            for j in 0..<n { d[j] += row[j] }
                        }
                    }
                }
                biases.append(db)
            }
            if k == 0 && !input { break }
            var previous = Matrix<Scalar>(rows: g.rows, columns: layer.inputSize)
            try previous.gemm(1, g, layer.weight, beta: 0)
            if k > 0 {
                previous.elements.withUnsafeMutableBufferPointer { p in
                    x.elements.withUnsafeBufferPointer { ReLUKernels.mask(p, by: $0) }
                }
            } else {
                inputGradient = previous
            }
            g = previous
        }
        let gradients = parameters ? LayerGradients(weight: weights.reversed(), bias: biases.reversed()) : nil
        return (gradients, inputGradient)
    }

    /// Replaces the parameters (same shapes), e.g. after an optimiser step.
    ///
    /// Shapes are checked; finiteness is not (this is the training hot path): a trainer checks its
    /// loss, and `write(to:)` refuses a network with a non-finite weight.
    /// - Throws: `NetworkError.invalid` for a shape change.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func setParameters(weights: [Matrix<Scalar>], biases: [[Scalar]]) throws {
        guard weights.count == layers.count, biases.count == layers.count else {
            throw NetworkError.invalid("expected \(layers.count) layers of parameters")
        }
        for k in 0..<layers.count {
            guard weights[k].rows == layers[k].outputSize, weights[k].columns == layers[k].inputSize,
                biases[k].count == layers[k].outputSize
            else {
                throw NetworkError.invalid("layer \(k): parameter shape changed")
            }
            layers[k].weight = weights[k]
            layers[k].bias = biases[k]
        }
    }

    /// Lends the parameters to `body` as flat tensors `[W_0, b_0, W_1, b_1, …]` (row-major
    /// weights) without copying them, e.g. for an optimiser step; shapes must not change.
    ///
    /// - Complexity: O(layers); the tensors are moved, not copied.
    public mutating func updateParameters(_ body: (inout [[Scalar]]) throws -> Void) throws {
        var tensors: [[Scalar]] = []
        tensors.reserveCapacity(2 * layers.count)
        for k in layers.indices {
            tensors.append(layers[k].weight.elements)
            layers[k].weight.elements = []
            tensors.append(layers[k].bias)
            layers[k].bias = []
        }
        var thrown: Error? = nil
        do { try body(&tensors) } catch { thrown = error }
        var changed = tensors.count != 2 * layers.count
        for k in layers.indices where !changed {
            changed = tensors[2 * k].count != layers[k].outputSize * layers[k].inputSize
                || tensors[2 * k + 1].count != layers[k].outputSize
            if !changed {
                layers[k].weight.elements = tensors[2 * k]
                layers[k].bias = tensors[2 * k + 1]
            }
        }
        if changed { throw NetworkError.invalid("updateParameters changed the shape of the parameters") }
        if let thrown { throw thrown }
    }
}
