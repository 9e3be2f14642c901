import Dispatch
import LinearAlgebra

/// A first-order optimiser and its settings.
public enum OptimizerKind: Equatable, Sendable, Codable {
    /// SGD with (optionally Nesterov) momentum:
    /// ```
    /// v ← μ v + g;   p ← p − lr · (nesterov ? g + μ v : v)
    /// ```
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam (Kingma & Ba 2015) with bias correction:
    /// ```
    /// m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  p ← p − lr · m̂ / (√v̂ + ε)
    /// ```
    case adam(beta1: Double, beta2: Double, epsilon: Double)

    /// Adam with the usual constants (0.9, 0.999, 1e-8).
    public static let defaultAdam = OptimizerKind.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
}

/// The optimiser's state for a list of parameter tensors (flattened).
public struct OptimizerState<Scalar: BLASScalar>: Sendable {
    /// The optimiser.
    public let kind: OptimizerKind
    /// Steps taken so far.
    public private(set) var step: Int = 0
    /// First-moment (momentum) buffers, one per tensor.
    public private(set) var first: [[Scalar]]
    /// Second-moment buffers (Adam only; empty for SGD).
    public private(set) var second: [[Scalar]]

    /// Fresh state (zero moments) for tensors of the given sizes.
    public init(kind: OptimizerKind, sizes: [Int]) {
        self.kind = kind
        first = sizes.map { [Scalar](repeating: 0, count: $0) }
        if case .adam = kind {
            second = sizes.map { [Scalar](repeating: 0, count: $0) }
        } else {
            second = []
        }
    }

    /// State restored from a checkpoint.
    public init(kind: OptimizerKind, step: Int, first: [[Scalar]], second: [[Scalar]]) {
        self.kind = kind
        self.step = step
        self.first = first
        self.second = second
    }

    /// Applies one update with learning rate `lr` to `parameters` given their `gradients`.
    ///
    /// - Complexity: O(number of parameters).
    public mutating func update(_ parameters: inout [[Scalar]], gradients: [[Scalar]], lr: Double) {
        update(&parameters, gradients: GradientParts(gradients), lr: lr)
    }

    /// Applies one update with learning rate `lr` given a gradient in parts (summed in the same
    /// pass), the large tensors split across `threads` threads.
    ///
    /// The result does not depend on `threads`: every entry's update is the same arithmetic.
    /// - Complexity: O(parts · number of parameters).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(
        _ parameters: inout [[Scalar]], gradients: GradientParts<Scalar>, lr: Double, threads: Int = 1
    ) {
        precondition(parameters.count == first.count && gradients.tensorCount == first.count, "tensor count changed")
        step += 1
        switch kind {
        case .sgd(let momentum, let nesterov):
            let mu = Scalar(momentum), rate = Scalar(lr)
            let summed = gradients.summed()
            for t in parameters.indices {
                parameters[t].withUnsafeMutableBufferPointer { p in
                    first[t].withUnsafeMutableBufferPointer { v in
                        summed[t].withUnsafeBufferPointer { g in
                            for i in p.indices {
                                v[i] = mu * v[i] + g[i]
                                p[i] -= rate * (nesterov ? g[i] + mu * v[i] : v[i])
                            }
                        }
                    }
                }
            }
        case .adam(let beta1, let beta2, let epsilon):
            // lr/c₁ · m / (√v/√c₂ + ε) = lr_t · m / (√v + ε√c₂) with lr_t = lr √c₂ / c₁.
            let c1 = 1 - Double.pow(beta1, Double(step))
            let c2 = 1 - Double.pow(beta2, Double(step))
            let constants = AdamConstants(
                b1: Scalar(beta1), b2: Scalar(beta2), rate: Scalar(lr * c2.squareRoot() / c1),
                eps: Scalar(epsilon * c2.squareRoot()))
            for t in parameters.indices {
                let count = parameters[t].count
                parameters[t].withUnsafeMutableBufferPointer { pb in
                    first[t].withUnsafeMutableBufferPointer { mb in
                        second[t].withUnsafeMutableBufferPointer { vb in
                            gradients.withPointers(t) { gs in
                                guard let p = pb.baseAddress, let m = mb.baseAddress, let v = vb.baseAddress else { return }
                                let kernel = AdamKernel(p: p, m: m, v: v, g: gs, w: gradients.weights, constants: constants)
                                // Large tensors in 8-aligned pieces across the threads (the
                                // summed gradient and three state arrays do not fit one core's cache).
                                let pieces = count >= 32_768 && threads > 1 ? threads : 1
                                if pieces == 1 {
                                    kernel.run(0..<count)
                                } else {
                                    let blocks = (count + 7) / 8
                                    DispatchQueue.concurrentPerform(iterations: pieces) { c in
                                        kernel.run(min(count, c * blocks / pieces * 8)..<min(count, (c + 1) * blocks / pieces * 8))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adam's per-step constants (bias corrections folded into the rate and ε).
struct AdamConstants<Scalar: BLASScalar> {
    let b1, b2, rate, eps: Scalar
}

/// One Adam update over a range of one tensor, the gradient summed from its parts on the fly.
///
/// ```
/// g = Σ_c w_c g_c;  m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  p ← p − rate · m / (√v + eps)
/// ```
struct AdamKernel<Scalar: BLASScalar>: @unchecked Sendable {
    // Pointers into arrays the caller holds open; disjoint ranges may run concurrently.
    let p, m, v: UnsafeMutablePointer<Scalar>
    let g: [UnsafePointer<Scalar>]
    let w: [Scalar]
    let constants: AdamConstants<Scalar>

    @inline(__always)
    private func gradient(_ i: Int) -> Scalar {
        var s = w[0] * g[0][i]
        for c in 1..<max(1, g.count) { s += w[c] * g[c][i] }
        return s
    }

    func run(_ range: Range<Int>) {
        let (b1, b2, rate, eps) = (constants.b1, constants.b2, constants.rate, constants.eps)
        let a1 = 1 - b1, a2 = 1 - b2
        // Eight lanes at a time (the scalar loop does not vectorise by itself).
        typealias V = SIMD8<Scalar>
        let (vb1, va1, vb2, va2) = (V(repeating: b1), V(repeating: a1), V(repeating: b2), V(repeating: a2))
        let (vrate, veps) = (V(repeating: rate), V(repeating: eps))
        let vw = w.map { V(repeating: $0) }
        let end = range.lowerBound + (range.count - range.count % 8)
        var i = range.lowerBound
        while i < end {
            var gi = vw[0] * UnsafeRawPointer(g[0] + i).loadUnaligned(as: V.self)
            for c in 1..<max(1, g.count) { gi += vw[c] * UnsafeRawPointer(g[c] + i).loadUnaligned(as: V.self) }
            let mi = vb1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + va1 * gi
            let vi = vb2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + va2 * gi * gi
            let pi = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - vrate * mi / (vi.squareRoot() + veps)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pi, as: V.self)
            i += 8
        }
        for i in end..<range.upperBound {
            let gi = gradient(i)
            let mi = b1 * m[i] + a1 * gi
            let vi = b2 * v[i] + a2 * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= rate * mi / (vi.squareRoot() + eps)
        }
    }
}
