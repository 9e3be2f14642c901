import LinearAlgebra

/// The shape of a 2-D convolution (no padding), which the harness stores and certifies as the
/// dense layer it equals.
///
/// Input and output are flattened channel-major (c, h, w), as PyTorch's `flatten` does:
/// ```
/// input  index  (c·H + y)·W + x            c < C, y < H, x < W
/// output index  (f·H' + i)·W' + j          f < F, i < H', j < W',  H' = ⌊(H − k)/s⌋ + 1, W' likewise
/// W[(f, i, j), (c, s·i + u, s·j + v)] = K[f, c, u, v]   for u, v < k;  every other entry of W is 0
/// b[(f, i, j)] = β[f]
/// ```
/// `K` (`F × C × k × k`, row-major) is the kernel and `β` the per-filter bias. `expand` builds
/// `W, b` from `K, β`; `tie` is its adjoint (it sums a dense gradient over the positions each kernel
/// entry occupies); `kernel(of:)` reads `K, β` back and checks the dense layer has this structure.
public struct ConvolutionLayout: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Input channels C.
    public let inputChannels: Int
    /// Input height H.
    public let inputHeight: Int
    /// Input width W.
    public let inputWidth: Int
    /// Output channels F (number of filters).
    public let filters: Int
    /// Kernel side k (square kernels).
    public let kernel: Int
    /// Stride s (both directions).
    public let stride: Int

    /// A layout; the kernel must fit the input.
    ///
    /// - Throws: `NetworkError.invalid` for a non-positive size or a kernel larger than the input.
    public init(inputChannels: Int, inputHeight: Int, inputWidth: Int, filters: Int, kernel: Int, stride: Int) throws(NetworkError) {
        guard [inputChannels, inputHeight, inputWidth, filters, kernel, stride].allSatisfy({ $0 > 0 }) else {
            throw .invalid("convolution sizes must be positive: input \(inputChannels)x\(inputHeight)x\(inputWidth), \(filters) filters, kernel \(kernel), stride \(stride)")
        }
        guard kernel <= inputHeight, kernel <= inputWidth else {
            throw .invalid("a \(kernel)x\(kernel) kernel does not fit a \(inputHeight)x\(inputWidth) input")
        }
        (self.inputChannels, self.inputHeight, self.inputWidth) = (inputChannels, inputHeight, inputWidth)
        (self.filters, self.kernel, self.stride) = (filters, kernel, stride)
    }

    /// Output height H' = ⌊(H − k)/s⌋ + 1.
    public var outputHeight: Int { (inputHeight - kernel) / stride + 1 }
    /// Output width W' = ⌊(W − k)/s⌋ + 1.
    public var outputWidth: Int { (inputWidth - kernel) / stride + 1 }
    /// The input shape `[C, H, W]`.
    public var inputShape: [Int] { [inputChannels, inputHeight, inputWidth] }
    /// The output shape `[F, H', W']`.
    public var outputShape: [Int] { [filters, outputHeight, outputWidth] }
    /// Dense input width C·H·W.
    public var inputSize: Int { inputChannels * inputHeight * inputWidth }
    /// Dense output width F·H'·W'.
    public var outputSize: Int { filters * outputHeight * outputWidth }
    /// Kernel entries F·C·k·k.
    public var kernelSize: Int { filters * inputChannels * kernel * kernel }
    /// PyTorch's fan-in of a kernel entry, C·k·k.
    public var fanIn: Int { inputChannels * kernel * kernel }

    /// `c16k4s2 (1x28x28 -> 16x13x13)`.
    public var description: String {
        "c\(filters)k\(kernel)s\(stride) (\(inputShape.map(String.init).joined(separator: "x")) -> \(outputShape.map(String.init).joined(separator: "x")))"
    }

    /// Calls `body(kernelIndex, row, column)` for every structural entry of the dense matrix.
    ///
    /// Rows are visited in order; within a row, kernel entries in `K`'s row-major order.
    @inline(__always)
    private func forEachEntry(_ body: (Int, Int, Int) -> Void) {
        let (h, w, k, s) = (inputHeight, inputWidth, kernel, stride)
        let (oh, ow) = (outputHeight, outputWidth)
        for f in 0..<filters {
            for i in 0..<oh {
                for j in 0..<ow {
                    let row = (f * oh + i) * ow + j
                    var q = f * fanIn
                    for c in 0..<inputChannels {
                        for u in 0..<k {
                            let base = (c * h + s * i + u) * w + s * j
                            for v in 0..<k {
                                body(q, row, base + v)
                                q += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The dense layer `W, b` of the kernel `K` (`F·C·k·k`, row-major) and bias `β` (`F`).
    ///
    /// The layer records this layout in `DenseLayer.convolution`.
    /// - Throws: `NetworkError.invalid` when a length does not match.
    /// - Complexity: O(outputSize · inputSize) to clear the matrix, O(outputSize · C·k²) to fill it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func expand<Scalar: BLASScalar>(kernel k: [Scalar], bias: [Scalar]) throws -> DenseLayer<Scalar> {
        guard k.count == kernelSize, bias.count == filters else {
            throw NetworkError.invalid("\(self) takes \(kernelSize) kernel and \(filters) bias entries, got \(k.count) and \(bias.count)")
        }
        var w = Matrix<Scalar>(rows: outputSize, columns: inputSize)
        var b = [Scalar](repeating: 0, count: outputSize)
        expand(kernel: k, bias: bias, intoWeight: &w.elements, bias: &b)
        return try DenseLayer(weight: w, bias: b, convolution: self)
    }

    /// Overwrites the dense `weight` (row-major, zeros outside the structure) and `denseBias` with
    /// the expansion of `K, β`; lengths are the caller's responsibility.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func expand<Scalar: BLASScalar>(kernel k: [Scalar], bias: [Scalar], intoWeight weight: inout [Scalar], bias denseBias: inout [Scalar]) {
        let columns = inputSize
        let positions = outputHeight * outputWidth
        weight.withUnsafeMutableBufferPointer { w in
            k.withUnsafeBufferPointer { kp in
                for e in w.indices { w[e] = 0 }
                forEachEntry { q, row, column in w[row * columns + column] = kp[q] }
            }
        }
        for r in 0..<outputSize { denseBias[r] = bias[r / positions] }
    }

    /// The adjoint of `expand`: the gradient with respect to `K, β` of a loss whose gradient with
    /// respect to the dense `W, b` is `G, g`.
    ///
    /// ```
    /// ∂K[f, c, u, v] = Σ_{i, j} G[(f, i, j), (c, s·i + u, s·j + v)],   ∂β[f] = Σ_{i, j} g[(f, i, j)]
    /// ```
    /// so that `⟨expand(K, β), (G, g)⟩ = ⟨(K, β), tie(G, g)⟩`. Entries of `G` outside the structure
    /// do not contribute.
    /// - Complexity: O(outputSize · C·k²).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tie<Scalar: BLASScalar>(weightGradient g: [Scalar], biasGradient gb: [Scalar]) -> (kernel: [Scalar], bias: [Scalar]) {
        precondition(g.count == outputSize * inputSize && gb.count == outputSize, "dense gradient does not fit \(self)")
        let columns = inputSize
        let positions = outputHeight * outputWidth
        var k = [Scalar](repeating: 0, count: kernelSize)
        k.withUnsafeMutableBufferPointer { kp in
            g.withUnsafeBufferPointer { gp in
                forEachEntry { q, row, column in kp[q] += gp[row * columns + column] }
            }
        }
        var b = [Scalar](repeating: 0, count: filters)
        for r in 0..<outputSize { b[r / positions] += gb[r] }
        return (k, b)
    }

    /// Replaces a dense gradient `G, g` by `expand(tie(G, g))`: the gradient of the tied
    /// parameters, written back in dense form (zero outside the structure).
    ///
    /// A first-order optimiser applied to the projected gradient moves every copy of a kernel entry
    /// alike, so a layer that starts with this structure keeps it exactly.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tieInPlace<Scalar: BLASScalar>(weightGradient g: inout [Scalar], biasGradient gb: inout [Scalar]) {
        let (k, b) = tie(weightGradient: g, biasGradient: gb)
        expand(kernel: k, bias: b, intoWeight: &g, bias: &gb)
    }

    /// The kernel `K` and bias `β` of a dense layer with this structure.
    ///
    /// - Throws: `NetworkError.invalid` naming the first entry that breaks the structure: a shape
    ///   mismatch, a nonzero outside it, or two copies of a kernel or bias entry that differ.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func kernel<Scalar: BLASScalar>(of layer: DenseLayer<Scalar>) throws(NetworkError) -> (kernel: [Scalar], bias: [Scalar]) {
        guard layer.outputSize == outputSize, layer.inputSize == inputSize else {
            throw .invalid("a \(layer.outputSize)x\(layer.inputSize) matrix cannot be \(self) (\(outputSize)x\(inputSize))")
        }
        let columns = inputSize
        let positions = outputHeight * outputWidth
        let w = layer.weight.elements
        var k = [Scalar](repeating: 0, count: kernelSize)
        var seen = [Bool](repeating: false, count: kernelSize)
        var structural = [Bool](repeating: false, count: w.count)
        var mismatch: (row: Int, column: Int)? = nil
        forEachEntry { q, row, column in
            let e = row * columns + column
            structural[e] = true
            if !seen[q] {
                (k[q], seen[q]) = (w[e], true)
            } else if w[e] != k[q], mismatch == nil {
                mismatch = (row, column)
            }
        }
        if let mismatch {
            throw .invalid("\(self): weight [\(mismatch.row), \(mismatch.column)] differs from the other copies of its kernel entry")
        }
        if let e = w.indices.first(where: { !structural[$0] && w[$0] != 0 }) {
            throw .invalid("\(self): weight [\(e / columns), \(e % columns)] is \(w[e]) outside the convolution's structure")
        }
        let b = (0..<filters).map { layer.bias[$0 * positions] }
        if let r = (0..<outputSize).first(where: { layer.bias[$0] != b[$0 / positions] }) {
            throw .invalid("\(self): bias [\(r)] differs from the other outputs of filter \(r / positions)")
        }
        return (k, b)
    }
}
