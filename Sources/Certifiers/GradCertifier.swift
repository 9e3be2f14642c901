import Foundation
import LinearAlgebra
import Networks

/// Grad-cert (Raghunathan, Steinhardt, Liang, ICLR 2018; formulations.md): for a two-layer
/// network f(x) = V ReLU(W x + b) + b₂ and v = V_j − V_i, A = Wᵀ diag(v),
///
/// ```
/// ℓ*_j ≤ f_j(x̄) − f_i(x̄) + (ε/4) · max { ⟨M, P⟩ : P ⪰ 0, diag(P) ≤ 1 }
/// M = [0 (A1)ᵀ 0; A1 0 A; 0 Aᵀ 0]            (blocks 1 | d | m)
/// ```
/// The inner maximum is bounded through any shift κ: with μ = λ_max(M − diag κ),
/// `⟨M, P⟩ ≤ Σ_i max(κ_i + μ, 0)` (M ⪯ diag(κ + μ), 0 ≤ P_ii ≤ 1). κ comes from the mixing method
/// (Wang, Chang & Kolter 2017) on the inner maximum; the reported value uses LAPACK's eigenvalue
/// plus a rounding margin. The bound holds on the whole ε-ball (the input domain is not used).
public struct GradCertifier: Sendable {
    /// Columns of the mixing method's factor.
    public var rank: Int
    /// Mixing sweeps at most per target.
    public var sweeps: Int
    /// Stops the sweeps when the rows move less than this (root-mean-square).
    public var tolerance: Double

    public init(rank: Int = 16, sweeps: Int = 300, tolerance: Double = 1e-5) {
        self.rank = rank
        self.sweeps = sweeps
        self.tolerance = tolerance
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Throws: `CertifierError.unsupported` unless the network has exactly one hidden layer.
    /// - Complexity: per target, up to `sweeps` mixing sweeps (O(d · m · rank) each) and one dense
    ///   eigen-decomposition of size 1 + d + m; both depend on the class pair only, so they are
    ///   computed once per (network, label, target) in a process (`GradInnerBoundCache`).
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        guard network.layers.count == 2 else {
            throw CertifierError.unsupported(
                "Grad-cert applies to two-layer networks (one hidden layer); \(network.name) is \(network.architecture)")
        }
        let start = Date()
        let scores = try network.scores(center)
        var bounds: [Int: Double] = [:]
        for j in 0..<network.classCount where j != label {
            let key = GradInnerBoundCache.Key(
                w: network.layers[0].weight.elements, v: network.layers[1].weight.elements, label: label, target: j,
                rank: rank, sweeps: sweeps, tolerance: tolerance)
            let inner = try GradInnerBoundCache.shared.value(for: key) {
                try innerBound(network: network, label: label, target: j)
            }
            bounds[j] = scores[j] - scores[label] + epsilon / 4 * inner
            bounds[j]! += roundingAllowance(terms: 4, magnitude: abs(scores[j]) + abs(scores[label]) + abs(epsilon / 4 * inner))
                + roundingAllowance(terms: network.inputSize + network.hiddenSizes[0], magnitude: abs(scores[j]) + abs(scores[label]))
        }
        return Certificate(
            method: "grad", label: label, predicted: argmax(scores), bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: "mixing")
    }

    /// A sound upper bound on `max ⟨M, P⟩` for target j: κ from the mixing method's KKT
    /// conditions (`ElliptopeMaximization`), then `GradMatrix.soundBound` (dense eigenvalue).
    func innerBound(network: ReLUNetwork<Double>, label: Int, target j: Int) throws -> Double {
        let matrix = GradMatrix(network: network, label: label, target: j)
        var inner = ElliptopeMaximization()
        inner.rank = rank
        inner.sweeps = sweeps
        inner.tolerance = tolerance
        let d = matrix.d, n = matrix.size
        let result = try inner.solve(matrix.dense(), layers: [1..<(1 + d), (1 + d)..<n])
        return try matrix.soundBound(result.kappa)
    }
}

/// The matrix M of Grad-cert for one target, applied without forming it.
struct GradMatrix {
    let w: Matrix<Double>
    let v: [Double]
    /// A·1 = Wᵀ v.
    let a1: [Double]
    var d: Int { w.columns }
    var m: Int { w.rows }
    var size: Int { 1 + d + m }

    init(network: ReLUNetwork<Double>, label: Int, target j: Int) {
        w = network.layers[0].weight
        let out = network.layers[1].weight
        v = (0..<out.columns).map { out[j, $0] - out[label, $0] }
        a1 = (try? w.apply(v, transposed: true)) ?? []
    }

    /// `(M − diag κ) y`, with `A s = Wᵀ (v ⊙ s)` and `Aᵀ t = v ⊙ (W t)`.
    func apply(_ y: [Double], kappa: [Double]) -> [Double] {
        let t = Array(y[1...d]), s = Array(y[(1 + d)...])
        var out = [Double](repeating: 0, count: size)
        var first = 0.0
        for i in 0..<d { first += a1[i] * t[i] }
        out[0] = first
        let as_ = (try? w.apply(zip(v, s).map { $0 * $1 }, transposed: true)) ?? []
        for i in 0..<d { out[1 + i] = a1[i] * y[0] + as_[i] }
        let wt = (try? w.apply(t)) ?? []
        for k in 0..<m { out[1 + d + k] = v[k] * wt[k] }
        for i in 0..<size { out[i] -= kappa[i] * y[i] }
        return out
    }

    /// The dense matrix `M` (without the shift).
    func dense() -> Matrix<Double> {
        var a = Matrix<Double>(rows: size, columns: size)
        for i in 0..<d {
            a[0, 1 + i] = a1[i]
            a[1 + i, 0] = a1[i]
            for k in 0..<m {
                let value = w[k, i] * v[k]
                a[1 + i, 1 + d + k] = value
                a[1 + d + k, 1 + i] = value
            }
        }
        return a
    }

    /// κ_i = Σ_j |M_ij| (Gershgorin: M − diag κ ⪯ 0).
    var gershgorin: [Double] {
        let a = dense()
        return (0..<size).map { i in a.row(i).reduce(0) { $0 + abs($1) } }
    }

    /// `Σ max(κ_i + μ, 0)` with μ from LAPACK plus a rounding margin.
    func soundBound(_ kappa: [Double]) throws -> Double {
        var a = dense()
        for i in 0..<size { a[i, i] -= kappa[i] }
        let top = try a.symmetricEigen(.largest, vectors: false).values[0]
        let frobenius = (a.elements.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let u = Double.ulpOfOne / 2
        // Entries of A·1 are sums of d products.
        let a1Error = Double(2 * d + 4) * u * (0..<d).map { i in (0..<m).reduce(0) { $0 + abs(w[$1, i] * v[$1]) } }.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let mu = top + (16 * Double(size) + 64) * u * frobenius + 2 * a1Error
        var total = 0.0, magnitude = 0.0
        for k in kappa {
            total += max(k + mu, 0)
            magnitude += abs(k) + abs(mu)
        }
        return total + roundingAllowance(terms: size, magnitude: magnitude)
    }
}
