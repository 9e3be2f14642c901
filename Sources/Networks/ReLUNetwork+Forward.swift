import LinearAlgebra

extension ReLUNetwork {
    /// Class scores for a batch of inputs, one input per row (`n × inputSize` → `n × classCount`).
    ///
    /// ```
    /// X_{k+1} = ReLU(X_k W_kᵀ + 1 b_kᵀ),   S = X_L W_Lᵀ + 1 b_Lᵀ
    /// ```
    /// - Throws: `NetworkError.inputSize` when the batch has the wrong width.
    /// - Complexity: one BLAS `gemm` per layer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scores(_ batch: Matrix<Scalar>) throws -> Matrix<Scalar> {
        try trace(batch).scores
    }

    /// Class scores of one input.
    ///
    /// - Complexity: one BLAS `gemv` per layer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scores(_ input: [Scalar]) throws -> [Scalar] {
        guard input.count == inputSize else {
            throw NetworkError.inputSize(expected: inputSize, got: input.count)
        }
        var x = input
        for (k, layer) in layers.enumerated() {
            var y = try layer.weight.apply(x)
            for i in y.indices {
                y[i] += layer.bias[i]
                if k < layers.count - 1, y[i] < 0 { y[i] = 0 }
            }
            x = y
        }
        return x
    }

    /// The predicted class (arg-max of the scores, lowest index on ties) of each row.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predictions(_ batch: Matrix<Scalar>) throws -> [Int] {
        let s = try scores(batch)
        return (0..<s.rows).map { argmax(s.row($0)) }
    }
}

/// Index of the largest entry (the first one on ties).
///
/// Inlinable, so that callers get it specialised (it runs once per row of every minibatch).
@inlinable
public func argmax<C: Collection>(_ values: C) -> Int where C.Element: Comparable {
    var best = 0
    var bestValue: C.Element? = nil
    for (i, v) in values.enumerated() where bestValue == nil || v > bestValue! {
        best = i
        bestValue = v
    }
    return best
}
