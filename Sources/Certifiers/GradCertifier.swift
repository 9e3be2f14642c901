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
/// `⟨M, P⟩ ≤ Σ_i max(κ_i + μ, 0)` (M ⪯ diag(κ + μ), 0 ≤ P_ii ≤ 1). κ is improved by Adam with
/// Lanczos eigenvectors from the Gershgorin start; the reported value uses LAPACK's eigenvalue
/// plus a rounding margin. The bound holds on the whole ε-ball (the input domain is not used).
public struct GradCertifier: Sendable {
    /// Optimiser iterations per target.
    public var iterations: Int
    /// Adam's step size relative to the start value.
    public var learningRate: Double

    public init(iterations: Int = 500, learningRate: Double = 0.01) {
        self.iterations = iterations
        self.learningRate = learningRate
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Throws: `CertifierError.unsupported` unless the network has exactly one hidden layer.
    /// - Complexity: per target, `iterations` Lanczos runs on the (1 + d + m)-square matrix (two
    ///   passes through W each) and one dense eigen-decomposition.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        guard network.layers.count == 2 else {
            throw CertifierError.unsupported(
                "Grad-cert applies to two-layer networks (one hidden layer); \(network.name) is \(network.architecture)")
        }
        let start = Date()
        let scores = try network.scores(center)
        var bounds: [Int: Double] = [:]
        for j in 0..<network.classCount where j != label {
            let inner = try innerBound(network: network, label: label, target: j)
            bounds[j] = scores[j] - scores[label] + epsilon / 4 * inner
            bounds[j]! += roundingAllowance(terms: 4, magnitude: abs(scores[j]) + abs(scores[label]) + abs(epsilon / 4 * inner))
                + roundingAllowance(terms: network.inputSize + network.hiddenSizes[0], magnitude: abs(scores[j]) + abs(scores[label]))
        }
        return Certificate(
            method: "grad", label: label, predicted: argmax(scores), bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: "iterations")
    }

    /// A sound upper bound on `max ⟨M, P⟩` for target j.
    func innerBound(network: ReLUNetwork<Double>, label: Int, target j: Int) throws -> Double {
        let matrix = GradMatrix(network: network, label: label, target: j)
        let n = matrix.size
        var kappa = matrix.gershgorin
        var best = try matrix.soundBound(kappa)
        var adam = AdamState(size: n)
        var v = [Double](repeating: 1, count: n)
        let scale = max(best / Double(n), 1e-6)
        for iteration in 1...max(iterations, 1) {
            let eig = try lanczosLargest(dimension: n, steps: 20, start: v) { y in matrix.apply(y, kappa: kappa) }
            v = eig.vector
            let mu = eig.value
            var active = 0.0
            for k in kappa where k + mu > 0 { active += 1 }
            let gradient = (0..<n).map { (kappa[$0] + mu > 0 ? 1 : 0) - active * v[$0] * v[$0] }
            let decay = 1 - 0.9 * Double(iteration - 1) / Double(max(iterations - 1, 1))
            adam.step(&kappa, gradient: gradient, lr: learningRate * scale * decay)
            if iteration % 100 == 0 || iteration == iterations { best = min(best, try matrix.soundBound(kappa)) }
        }
        return best
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
