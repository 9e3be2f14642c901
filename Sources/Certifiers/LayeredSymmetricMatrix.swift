import LinearAlgebra

/// A symmetric matrix with SDP-cert's layered pattern, kept as constant couplings and the
/// per-iteration scalings that multiply them:
///
/// ```
/// S = [ s₀₀  hᵀ                                      ]
///     [ h    diag(δ) + Σ_k sym-block(k, k−1) of diag(σ_k) U_k ]
/// ```
/// Rows 1..<size are split into consecutive layers; a row of layer k couples only to row 0, to
/// itself and (through U_k and U_{k+1}ᵀ) to layers k − 1 and k + 1. In SDP-cert's dual
/// `U_k = diag(r_k) W_k diag(r_{k−1})` is fixed for a problem and only h, δ and σ = −½ e change
/// from one step to the next, so no O(size²) matrix is ever formed by the mixing method.
///
/// - Complexity: storage O(Σ nnz U_k).
struct LayeredSymmetricMatrix {
    /// The fixed part: layer ranges within 1..<size and the couplings.
    struct Couplings {
        /// Index ranges of the layers, consecutive, covering 1..<size.
        let layers: [Range<Int>]
        /// `U_k` for k = 1..<layers.count (index k − 1): rows layer k, columns layer k − 1.
        let forward: [Matrix<Double>]
        /// The matrix size (row 0 plus every layer).
        var size: Int { (layers.last?.upperBound ?? 1) }

        /// - Precondition: `layers` are consecutive from 1 and `forward[k − 1]` is
        ///   `layers[k].count × layers[k − 1].count`.
        init(layers: [Range<Int>], forward: [Matrix<Double>]) {
            precondition(layers.first.map { $0.lowerBound == 1 } ?? true, "layers start at row 1")
            precondition(zip(layers, layers.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "layers are consecutive")
            precondition(forward.count == max(layers.count - 1, 0), "one coupling per pair of layers")
            for (k, u) in forward.enumerated() {
                precondition(u.rows == layers[k + 1].count && u.columns == layers[k].count, "coupling \(k + 1) has the layers' shape")
            }
            self.layers = layers
            self.forward = forward
        }
    }

    let couplings: Couplings
    /// Row 0: `head[0] = s₀₀`, `head[i] = S_0i`.
    var head: [Double]
    /// `diagonal[i] = S_ii` for i ≥ 1 (entry 0 unused).
    var diagonal: [Double]
    /// `σ_i` for the rows of layers k ≥ 1: row i of layer k couples to layer k − 1 by σ_i U_k.
    var rowScale: [Double]

    var size: Int { couplings.size }

    init(couplings: Couplings) {
        self.couplings = couplings
        let n = couplings.size
        head = [Double](repeating: 0, count: n)
        diagonal = head
        rowScale = [Double](repeating: 1, count: n)
    }

    /// The layered part of a dense symmetric matrix (entries outside the pattern are ignored).
    init(dense s: Matrix<Double>, layers: [Range<Int>]) {
        let forward = (1..<max(layers.count, 1)).map { k -> Matrix<Double> in
            var u = Matrix<Double>(rows: layers[k].count, columns: layers[k - 1].count)
            for (t, i) in layers[k].enumerated() {
                for (c, j) in layers[k - 1].enumerated() { u[t, c] = s[i, j] }
            }
            return u
        }
        self.init(couplings: Couplings(layers: layers, forward: forward))
        for i in 0..<s.rows {
            head[i] = s[0, i]
            if i > 0 { diagonal[i] = s[i, i] }
        }
    }

    /// The dense matrix (for tests and eigenvalue bounds).
    ///
    /// - Complexity: O(size²).
    func dense() -> Matrix<Double> {
        let n = size, layers = couplings.layers
        var a = Matrix<Double>(rows: n, columns: n)
        a[0, 0] = head[0]
        for i in 1..<max(n, 1) {
            a[0, i] = head[i]
            a[i, 0] = head[i]
            a[i, i] = diagonal[i]
        }
        for k in 1..<max(layers.count, 1) {
            for (t, i) in layers[k].enumerated() {
                for (c, j) in layers[k - 1].enumerated() {
                    let value = rowScale[i] * couplings.forward[k - 1][t, c]
                    a[i, j] = value
                    a[j, i] = value
                }
            }
        }
        return a
    }
}
