/// A layer stack as text: dense widths `784-200-100-50-10`, or an image input, leading
/// convolutions and dense widths `28x28-c16k4s2-c32k4s2-100-10`.
///
/// ```
/// architecture := input ("-" conv)* ("-" width)+
/// input        := N | HxW | CxHxW          (an image input is flattened to C·H·W; HxW means C = 1)
/// conv         := "c" F "k" k ["s" s]      (F filters of k × k, stride s, default 1, no padding)
/// width        := N                        (a dense layer of N outputs; the last one gives the classes)
/// ```
/// Every layer is stored as a dense layer: a convolution is its expansion (`ConvolutionLayout`),
/// so `sizes` lists the flattened widths, e.g. `[784, 2704, 800, 100, 10]`.
public struct NetworkArchitecture: Equatable, Sendable, CustomStringConvertible {
    /// Flattened widths from input to classes.
    public var sizes: [Int]
    /// The convolutions, layers `0 ..< convolutions.count`.
    public var convolutions: [ConvolutionLayout]

    /// An architecture from its parts; the convolutions' sizes must chain and match `sizes`.
    ///
    /// - Throws: `NetworkError.invalid` naming the layer that does not fit.
    public init(sizes: [Int], convolutions: [ConvolutionLayout] = []) throws(NetworkError) {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw .invalid("an architecture needs ≥ 2 positive widths, got \(sizes)")
        }
        guard convolutions.count < sizes.count - 1 else {
            throw .invalid("the last layer (the classes) must be dense, got \(convolutions.count) convolutions for \(sizes.count - 1) layers")
        }
        for (k, c) in convolutions.enumerated() {
            guard c.inputSize == sizes[k], c.outputSize == sizes[k + 1] else {
                throw .invalid("layer \(k), \(c), maps \(c.inputSize) to \(c.outputSize), the widths say \(sizes[k]) to \(sizes[k + 1])")
            }
            if k > 0, c.inputShape != convolutions[k - 1].outputShape {
                throw .invalid("layer \(k), \(c), does not take layer \(k - 1)'s output \(convolutions[k - 1].outputShape)")
            }
        }
        self.sizes = sizes
        self.convolutions = convolutions
    }

    /// Parses the text form.
    ///
    /// - Throws: `NetworkError.invalid` naming the offending token.
    public init(parsing text: String) throws(NetworkError) {
        let tokens = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func positive(_ s: Substring) -> Int? { Int(s).flatMap { $0 > 0 ? $0 : nil } }
        let dims = tokens[0].split(separator: "x", omittingEmptySubsequences: false).map(positive)
        guard (1...3).contains(dims.count), dims.allSatisfy({ $0 != nil }) else {
            throw .invalid("input '\(tokens[0])' must be a width (784) or an image HxW / CxHxW (28x28), in '\(text)'")
        }
        var shape: [Int]? = dims.count == 1 ? nil : (dims.count == 2 ? [1] : []) + dims.map { $0! }
        var sizes = [dims.map { $0! }.reduce(1, *)]
        var convolutions: [ConvolutionLayout] = []
        for token in tokens.dropFirst() {
            if let width = positive(Substring(token)) {
                sizes.append(width)
                shape = nil  // a dense layer's output has no image shape
                continue
            }
            guard let conv = Self.parseConvolution(token) else {
                throw .invalid("layer '\(token)' must be a width (100) or a convolution c<filters>k<kernel>[s<stride>] (c16k4s2), in '\(text)'")
            }
            guard let input = shape else {
                throw .invalid("convolution '\(token)' needs an image input (28x28, or a convolution before it), in '\(text)'")
            }
            let layout: ConvolutionLayout
            do {
                layout = try ConvolutionLayout(
                    inputChannels: input[0], inputHeight: input[1], inputWidth: input[2],
                    filters: conv.filters, kernel: conv.kernel, stride: conv.stride)
            } catch {
                throw .invalid("convolution '\(token)': \(error)")
            }
            convolutions.append(layout)
            sizes.append(layout.outputSize)
            shape = layout.outputShape
        }
        guard sizes.count >= 2 else { throw .invalid("'\(text)' has no layers after the input") }
        guard convolutions.count < sizes.count - 1 else {
            throw .invalid("'\(text)' must end in a dense layer (the classes), not a convolution")
        }
        try self.init(sizes: sizes, convolutions: convolutions)
    }

    /// `c16k4s2` → (16, 4, 2); `c8k3` → (8, 3, 1); nil for anything else.
    private static func parseConvolution(_ token: String) -> (filters: Int, kernel: Int, stride: Int)? {
        guard token.first == "c" else { return nil }
        var fields: [Character: Int] = [:]
        var key: Character? = nil
        var digits = ""
        for ch in token + "$" {
            if ch.isASCII, ch.isNumber { digits.append(ch); continue }
            if let k = key {
                guard let v = Int(digits), v > 0, fields[k] == nil else { return nil }
                fields[k] = v
            }
            guard ch == "$" || ["c", "k", "s"].contains(ch), digits.isEmpty == (key == nil) else { return nil }
            (key, digits) = (ch, "")
        }
        guard let f = fields["c"], let k = fields["k"] else { return nil }
        return (f, k, fields["s"] ?? 1)
    }

    /// The text form: widths joined by `-`, or `HxW-c…-…` when there are convolutions.
    public var description: String {
        guard let first = convolutions.first else { return sizes.map(String.init).joined(separator: "-") }
        let input = (first.inputChannels == 1 ? Array(first.inputShape.dropFirst()) : first.inputShape)
            .map(String.init).joined(separator: "x")
        let convs = convolutions.map { "c\($0.filters)k\($0.kernel)s\($0.stride)" }
        let dense = sizes.dropFirst(convolutions.count + 1).map(String.init)
        return ([input] + convs + dense).joined(separator: "-")
    }
}
