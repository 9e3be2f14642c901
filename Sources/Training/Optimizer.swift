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

    /// Applies one update with learning rate `lr` to `parameters` given their `gradients`;
    /// Adam splits large tensors across `threads` (the result is the same for any count).
    ///
    /// - Complexity: O(number of parameters).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameters: inout [[Scalar]], gradients: [[Scalar]], lr: Double, threads: Int = 1) {
        precondition(parameters.count == first.count && gradients.count == first.count, "tensor count changed")
        step += 1
        switch kind {
        case .sgd(let momentum, let nesterov):
            let mu = Scalar(momentum), rate = Scalar(lr)
            for t in parameters.indices {
                parameters[t].withUnsafeMutableBufferPointer { p in
                    first[t].withUnsafeMutableBufferPointer { v in
                        gradients[t].withUnsafeBufferPointer { g in
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
                b1: Scalar(beta1), b2: Scalar(beta2), rate: Scalar(lr * c2.squareRoot() / c1), eps: Scalar(epsilon * c2.squareRoot()))
            for t in parameters.indices {
                let count = parameters[t].count
                parameters[t].withUnsafeMutableBufferPointer { pb in
                    first[t].withUnsafeMutableBufferPointer { mb in
                        second[t].withUnsafeMutableBufferPointer { vb in
                            gradients[t].withUnsafeBufferPointer { gb in
                                let buffers = AdamBuffers(p: pb.baseAddress!, m: mb.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!)
                                // The update is memory-bound: large tensors are split across threads
                                // (each element's arithmetic is the same, so the result does not
                                // depend on the split).
                                // Threads take whole SIMD blocks; the last count % 8 elements are
                                // done here, as by one thread (measured: done inside a worker,
                                // their rounding could differ in the last bit).
                                let parts = threads > 1 && count >= 1 << 15 ? threads : 1
                                if parts == 1 {
                                    buffers.apply(0..<count, constants)
                                } else {
                                    let blocks = count - count % 8
                                    let chunk = (blocks / parts + 7) / 8 * 8
                                    DispatchQueue.concurrentPerform(iterations: parts) { c in
                                        buffers.apply(min(c * chunk, blocks)..<min((c + 1) * chunk, blocks), constants)
                                    }
                                    buffers.apply(blocks..<count, constants)
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
private struct AdamConstants<Scalar: BLASScalar>: Sendable {
    let b1: Scalar, b2: Scalar, rate: Scalar, eps: Scalar
}

/// One tensor's parameter, moment and gradient storage for a (possibly threaded) Adam update;
/// threads get disjoint ranges.
private struct AdamBuffers<Scalar: BLASScalar>: @unchecked Sendable {
    let p: UnsafeMutablePointer<Scalar>, m: UnsafeMutablePointer<Scalar>, v: UnsafeMutablePointer<Scalar>
    let g: UnsafePointer<Scalar>

    /// `m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  p ← p − rate · m / (√v + ε)` over `range`
    /// (whose lower bound is a multiple of 8).
    @inline(__always)
    func apply(_ range: Range<Int>, _ c: AdamConstants<Scalar>) {
        let (b1, b2, rate, eps) = (c.b1, c.b2, c.rate, c.eps)
        let a1 = 1 - b1, a2 = 1 - b2
        // Eight lanes at a time (the scalar loop does not vectorise by itself).
        typealias V = SIMD8<Scalar>
        let lanes = range.lowerBound + (range.count - range.count % 8)
        let (vb1, va1, vb2, va2) = (V(repeating: b1), V(repeating: a1), V(repeating: b2), V(repeating: a2))
        let (vrate, veps) = (V(repeating: rate), V(repeating: eps))
        var i = range.lowerBound
        while i < lanes {
            let gi = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            let mi = vb1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + va1 * gi
            let vi = vb2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + va2 * gi * gi
            let pi = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - vrate * mi / (vi.squareRoot() + veps)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pi, as: V.self)
            i += 8
        }
        for i in lanes..<range.upperBound {
            let gi = g[i]
            let mi = b1 * m[i] + a1 * gi
            let vi = b2 * v[i] + a2 * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= rate * mi / (vi.squareRoot() + eps)
        }
    }
}
