import LinearAlgebra

/// A minibatch gradient as the weighted parts its workers computed, summed by the optimiser in
/// the same pass as its update.
///
/// ```
/// G = w_0 G_0 + w_1 G_1 + … + w_{k−1} G_{k−1}   (tensor by tensor, added in this order)
/// ```
/// With one part of weight 1 it is that gradient unchanged (`1·x = x` exactly).
public struct GradientParts<Scalar: BLASScalar>: Sendable {
    /// `parts[c][t]`: worker c's gradient of flat tensor t (`[∂W_0, ∂b_0, …]`).
    public private(set) var parts: [[[Scalar]]]
    /// The weight of each part (its share of the minibatch's rows).
    public private(set) var weights: [Scalar]

    /// One gradient, weight 1.
    public init(_ gradients: [[Scalar]]) {
        parts = [gradients]
        weights = [1]
    }

    /// Weighted parts of the same shapes.
    public init(parts: [[[Scalar]]], weights: [Scalar]) {
        precondition(!parts.isEmpty && parts.count == weights.count, "one weight per part, at least one part")
        precondition(parts.allSatisfy { $0.map(\.count) == parts[0].map(\.count) }, "parts of different shapes")
        self.parts = parts
        self.weights = weights
    }

    /// The number of tensors.
    public var tensorCount: Int { parts[0].count }

    /// The sum as flat tensors (for a step that changes the gradient before the update, e.g. a
    /// regulariser or tied convolution weights).
    ///
    /// - Complexity: O(parts · parameters); none for one part of weight 1.
    public func summed() -> [[Scalar]] {
        if parts.count == 1 && weights[0] == 1 { return parts[0] }
        // Part by part over whole tensors (loops that vectorise): w₀G₀, then + w_c G_c in order.
        return (0..<tensorCount).map { t in
            var sum = parts[0][t]
            sum.withUnsafeMutableBufferPointer { s in
                let w0 = weights[0]
                for i in s.indices { s[i] = w0 * s[i] }
                for c in 1..<parts.count {
                    let w = weights[c]
                    parts[c][t].withUnsafeBufferPointer { g in
                        for i in s.indices { s[i] += w * g[i] }
                    }
                }
            }
            return sum
        }
    }

    /// Lends `body` a base pointer to tensor t of every part.
    func withPointers<R>(_ t: Int, _ body: ([UnsafePointer<Scalar>]) throws -> R) rethrows -> R {
        func open(_ c: Int, _ opened: [UnsafePointer<Scalar>]) throws -> R {
            if c == parts.count { return try body(opened) }
            return try parts[c][t].withUnsafeBufferPointer { buffer in
                // An empty tensor's loops never read: any aligned address stands in for its base.
                let base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Scalar>.alignment)!
                return try open(c + 1, opened + [base])
            }
        }
        return try open(0, [])
    }
}
