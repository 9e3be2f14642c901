import LinearAlgebra
import Networks

/// The data of SDP-cert (paper 1, eq. 7 with biases and the box on every layer; formulations.md)
/// for one point, with dead units removed (they are exactly 0).
///
/// Variables: `x = [x_0; x_1; …; x_L]` (alive units only), N of them, lifted with the constant
/// to `P = [1 xᵀ; x X] ⪰ 0`. The solver works in centred variables `x = m + r ⊙ z`
/// (`m = (l + u)/2`, `r = (u − l)/2`): the box `(x − l)(x − u) ≤ 0` is `z² ≤ 1`, so every feasible
/// lifted `P̂ = [1 zᵀ; z Ẑ]` has `P̂_00 = 1` and diagonal in [0, 1] (formulations.md).
struct SDPProblem {
    /// Alive units of each layer k = 0 … L (indices into the layer); inputs with r = 0 dropped too.
    let alive: [[Int]]
    /// Offset of layer k's block in x.
    let offsets: [Int]
    /// Weights between alive units: `weights[k]` maps layer k−1 to layer k (k = 1 … L).
    let weights: [Matrix<Double>]
    /// Their absolute values (for rounding allowances).
    let absoluteWeights: [Matrix<Double>]
    /// Biases of the alive units of layer k (k = 1 … L), index k−1.
    let biases: [[Double]]
    /// Box of every variable (interval bounds, post-activation for hidden units).
    let lower: [Double], upper: [Double]
    /// Centre `m_i = (l_i + u_i)/2` of every variable's box.
    let center: [Double]
    /// Radius `r_i = (u_i − l_i)/2` of every variable's box.
    let scale: [Double]
    /// The objective `c·x_L + c0` (c over the alive units of layer L).
    let c: [Double]
    let c0: Double

    /// Number of variables N (the lifted matrix is (N+1) × (N+1)).
    var size: Int { offsets[offsets.count - 1] }
    /// Number of layers including the input (L + 1).
    var layerCount: Int { alive.count }

    func block(_ k: Int) -> Range<Int> { offsets[k]..<offsets[k + 1] }

    /// The problem of target `j` against `label` at the point with interval bounds `bounds`.
    init(network: ReLUNetwork<Double>, bounds: IntervalBounds<Double>, label: Int, target j: Int) {
        let hidden = network.layers.count - 1
        var alive: [[Int]] = []
        var lower: [Double] = [], upper: [Double] = []
        for k in 0...hidden {
            let l = bounds.lower[k], u = bounds.upper[k]
            let units = (0..<l.count).filter { k == 0 ? max(abs(l[$0]), abs(u[$0])) > 0 : bounds.preUpper[k - 1][$0] > 0 }
            alive.append(units)
            lower += units.map { l[$0] }
            upper += units.map { u[$0] }
        }
        var offsets = [0]
        for a in alive { offsets.append(offsets[offsets.count - 1] + a.count) }
        var weights: [Matrix<Double>] = [], biases: [[Double]] = []
        // A dead or dropped unit of layer k−1 is 0, except dropped inputs with r = 0 (l = u = 0): also 0.
        for k in 1...max(hidden, 1) where k <= hidden {
            let layer = network.layers[k - 1]
            var w = Matrix<Double>(rows: alive[k].count, columns: alive[k - 1].count)
            for (r, m) in alive[k].enumerated() {
                for (col, n) in alive[k - 1].enumerated() { w[r, col] = layer.weight[m, n] }
            }
            weights.append(w)
            biases.append(alive[k].map { layer.bias[$0] })
        }
        let last = network.layers[hidden]
        self.alive = alive
        self.offsets = offsets
        self.weights = weights
        absoluteWeights = weights.map { w in
            var a = w
            for i in a.elements.indices { a.elements[i] = abs(a.elements[i]) }
            return a
        }
        self.biases = biases
        self.lower = lower
        self.upper = upper
        center = zip(lower, upper).map { ($0 + $1) / 2 }
        scale = zip(lower, upper).map { max(($1 - $0) / 2, 0) }
        c = alive[hidden].map { last.weight[j, $0] - last.weight[label, $0] }
        c0 = last.bias[j] - last.bias[label]
    }
}

/// Lagrange multipliers of SDP-cert, one per constraint, plus the diagonal shift κ:
///
/// ```
/// a_k ≥ 0 :  x_k ≥ 0                                   (k = 1 … L)
/// b_k ≥ 0 :  x_k − W_k x_{k−1} − b_k ≥ 0                (k = 1 … L)
/// e_k free:  diag X_kk − diag(W_k X_{k−1,k}) − b_k ⊙ x_k = 0   (k = 1 … L)
/// d_k ≥ 0 :  (l_k + u_k) ⊙ x_k − l_k ⊙ u_k − diag X_kk ≥ 0    (k = 0 … L)
/// κ       :  the diagonal shift of the eigenvalue bound (κ_0 for the constant)
/// ```
/// Stored flat over x (entries of the input block of a, b, e are unused and kept at 0).
struct SDPMultipliers {
    var a: [Double], b: [Double], e: [Double], d: [Double]
    /// κ over [constant; x], length N + 1.
    var kappa: [Double]

    init(size n: Int) {
        a = [Double](repeating: 0, count: n)
        b = a
        e = a
        d = a
        kappa = [Double](repeating: 0, count: n + 1)
    }

    /// Projects onto the sign constraints.
    mutating func project(inputCount: Int) {
        for i in a.indices {
            a[i] = max(a[i], 0)
            b[i] = max(b[i], 0)
            d[i] = max(d[i], 0)
        }
        for i in 0..<inputCount { a[i] = 0; b[i] = 0; e[i] = 0 }
    }
}
