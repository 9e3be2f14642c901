import LinearAlgebra
import Networks

/// Wong & Kolter's (2018) robust cross-entropy for a one-hidden-layer ReLU network, with its
/// gradient: the loss of paper 1's LP-NN.
///
/// For a point x̄ with label y, the box `[l₀, u₀] = [x̄ − ε, x̄ + ε] ∩ [lo, hi]` (centre c₀, radius
/// r₀), pre-activation bounds `ℓ, u = W₁c₀ + b₁ ∓ |W₁| r₀` (exact for one layer) and fixed slopes
/// `d = u/(u − ℓ)` on unstable units (1 active, 0 dead), the dual network gives for every class j
///
/// ```
/// ν̂_j = W₂ᵀ(e_j − e_y),  ν_j = d ⊙ ν̂_j,  a_j = W₁ᵀ ν_j
/// U_j = b₂[j] − b₂[y] + ν_jᵀ b₁ + a_jᵀ c₀ + |a_j|ᵀ r₀ − Σ_{m unstable} d_m ℓ_m [ν̂_jm]₊   ≥ max (s_j − s_y)
/// loss = mean over points of  log Σ_j exp(U_j)          (U_y = 0)
/// ```
/// (formulations.md, LP-cert section, dual view with α = û/(û − ℓ̂); looser than the LP optimum).
public struct WongKolterLoss<Scalar: BLASScalar> {
    /// The mean robust cross-entropy.
    public var loss: Scalar
    /// The upper bounds U (`n × classes`, zero in each point's label column).
    public var bounds: Matrix<Scalar>
    /// `∂loss/∂parameters` in the order `[W₁, b₁, W₂, b₂]`.
    public var gradients: [[Scalar]]

    /// Evaluates the loss and its gradient on a batch (inputs one per row).
    ///
    /// - Throws: `NetworkError.invalid` unless the network has exactly one hidden layer.
    /// - Complexity: about seven BLAS `gemm`s of size (n·classes) × hidden × inputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(network: ReLUNetwork<Scalar>, inputs: Matrix<Scalar>, labels: [Int], epsilon: Scalar) throws {
        guard network.layers.count == 2 else {
            throw NetworkError.invalid(
                "LP-robust (Wong-Kolter) training supports one hidden layer (paper 1's LP-NN, 784-500-10); "
                    + "\(network.architecture) has \(network.layers.count - 1)")
        }
        guard inputs.columns == network.inputSize, labels.count == inputs.rows else {
            throw NetworkError.inputSize(expected: network.inputSize, got: inputs.columns)
        }
        let w1 = network.layers[0].weight, b1 = network.layers[0].bias
        let w2 = network.layers[1].weight, b2 = network.layers[1].bias
        let n = inputs.rows, d = inputs.columns, h = w1.rows, classes = w2.rows

        // Input box, centre and radius.
        var c0 = inputs, r0 = inputs
        for i in inputs.elements.indices {
            let lo = max(inputs.elements[i] - epsilon, network.inputLower)
            let hi = min(inputs.elements[i] + epsilon, network.inputUpper)
            c0.elements[i] = (lo + hi) / 2
            r0.elements[i] = (hi - lo) / 2
        }
        var absW1 = w1
        for i in absW1.elements.indices { absW1.elements[i] = abs(absW1.elements[i]) }
        var zhat = Matrix<Scalar>(rows: n, columns: h)
        try zhat.gemm(1, c0, w1, transposeB: true, beta: 0)
        zhat.addToEachRow(b1)
        var radius = Matrix<Scalar>(rows: n, columns: h)
        try radius.gemm(1, r0, absW1, transposeB: true, beta: 0)

        // Slopes: d = u/(u − ℓ) on unstable units.
        var lower = zhat, upper = zhat, slope = zhat
        var unstable = [Bool](repeating: false, count: n * h)
        for i in zhat.elements.indices {
            let l = zhat.elements[i] - radius.elements[i], u = zhat.elements[i] + radius.elements[i]
            lower.elements[i] = l
            upper.elements[i] = u
            if l >= 0 { slope.elements[i] = 1 } else if u <= 0 { slope.elements[i] = 0 } else {
                slope.elements[i] = u / (u - l)
                unstable[i] = true
            }
        }

        // Dual variables for every (point, class) pair: row p = i·classes + j.
        let rows = n * classes
        var nuHat = Matrix<Scalar>(rows: rows, columns: h)
        var nu = Matrix<Scalar>(rows: rows, columns: h)
        var constant = [Scalar](repeating: 0, count: rows)
        for i in 0..<n {
            let y = labels[i]
            for j in 0..<classes where j != y {
                let p = i * classes + j
                var c = b2[j] - b2[y]
                for m in 0..<h {
                    let v = w2[j, m] - w2[y, m]
                    let s = slope.elements[i * h + m]
                    nuHat.elements[p * h + m] = v
                    nu.elements[p * h + m] = s * v
                    c += s * v * b1[m]
                    if unstable[i * h + m], v > 0 { c -= s * lower.elements[i * h + m] * v }
                }
                constant[p] = c
            }
        }
        var a = Matrix<Scalar>(rows: rows, columns: d)
        try a.gemm(1, nu, w1, beta: 0)

        // Bounds and the robust cross-entropy.
        var bounds = Matrix<Scalar>(rows: n, columns: classes)
        for i in 0..<n {
            for j in 0..<classes where j != labels[i] {
                let p = i * classes + j
                var u = constant[p]
                for k in 0..<d {
                    let av = a.elements[p * d + k]
                    u += av * c0.elements[i * d + k] + abs(av) * r0.elements[i * d + k]
                }
                bounds[i, j] = u
            }
        }
        let (loss, dBounds) = softmaxCrossEntropy(bounds, labels: labels)

        // Backward pass. G[p] = ∂loss/∂U_ij (zero for j = y).
        var sTilde = Matrix<Scalar>(rows: rows, columns: d)  // G ⊙ (c₀ + sign(a) r₀)
        for i in 0..<n {
            for j in 0..<classes where j != labels[i] {
                let p = i * classes + j
                let g = dBounds[i, j]
                for k in 0..<d {
                    let av = a.elements[p * d + k]
                    let sign: Scalar = av > 0 ? 1 : (av < 0 ? -1 : 0)
                    sTilde.elements[p * d + k] = g * (c0.elements[i * d + k] + sign * r0.elements[i * d + k])
                }
            }
        }
        var gW1 = Matrix<Scalar>(rows: h, columns: d)
        try gW1.gemm(1, nu, transposeA: true, sTilde, beta: 0)  // via a = W₁ᵀν
        var t = Matrix<Scalar>(rows: rows, columns: h)
        try t.gemm(1, sTilde, w1, transposeB: true, beta: 0)  // G · W₁ s_a
        var gB1 = [Scalar](repeating: 0, count: h)
        var gW2 = Matrix<Scalar>(rows: classes, columns: h)
        var gB2 = [Scalar](repeating: 0, count: classes)
        var gSlope = Matrix<Scalar>(rows: n, columns: h)
        var gLower = Matrix<Scalar>(rows: n, columns: h)
        for i in 0..<n {
            let y = labels[i]
            for j in 0..<classes where j != y {
                let p = i * classes + j
                let g = dBounds[i, j]
                gB2[j] += g
                gB2[y] -= g
                for m in 0..<h {
                    let q = i * h + m
                    let v = nuHat.elements[p * h + m]
                    let s = slope.elements[q]
                    let through = t.elements[p * h + m] + g * b1[m]  // ∂/∂ν_m
                    gB1[m] += g * nu.elements[p * h + m]
                    var gNuHat = s * through
                    var gS = v * through
                    if unstable[q], v > 0 {
                        gNuHat -= g * s * lower.elements[q]
                        gS -= g * lower.elements[q] * v
                        gLower.elements[q] -= g * s * v
                    }
                    gSlope.elements[q] += gS
                    gW2[j, m] += gNuHat
                    gW2[y, m] -= gNuHat
                }
            }
        }
        // Through the slopes to the bounds, then to W₁ and b₁.
        var gCentre = Matrix<Scalar>(rows: n, columns: h)
        var gRadius = Matrix<Scalar>(rows: n, columns: h)
        for q in 0..<(n * h) {
            var gl = gLower.elements[q], gu: Scalar = 0
            if unstable[q] {
                let l = lower.elements[q], u = upper.elements[q]
                let width2 = (u - l) * (u - l)
                gl += gSlope.elements[q] * u / width2
                gu += gSlope.elements[q] * (-l) / width2
            }
            gCentre.elements[q] = gl + gu
            gRadius.elements[q] = gu - gl
        }
        try gW1.gemm(1, gCentre, transposeA: true, c0, beta: 1)
        var gAbs = Matrix<Scalar>(rows: h, columns: d)
        try gAbs.gemm(1, gRadius, transposeA: true, r0, beta: 0)
        for e in gW1.elements.indices {
            let wv = w1.elements[e]
            gW1.elements[e] += wv > 0 ? gAbs.elements[e] : (wv < 0 ? -gAbs.elements[e] : 0)
        }
        for i in 0..<n { for m in 0..<h { gB1[m] += gCentre.elements[i * h + m] } }

        self.loss = loss
        self.bounds = bounds
        // softmaxCrossEntropy already divided by n.
        self.gradients = [gW1.elements, gB1, gW2.elements, gB2]
    }
}
