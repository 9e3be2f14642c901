import LinearAlgebra
import Networks

/// Grad-cert's matrices `M_p − diag c_p` for a list of class pairs p = (i, j), applied to one
/// vector per pair at once without forming them (formulations.md, Grad-cert):
///
/// ```
/// v_p = V_j − V_i,   a_p = Wᵀ v_p,   y = (y₀ | t ∈ R^d | s ∈ R^m)
/// M_p y = ( a_pᵀ t  |  a_p y₀ + Wᵀ (v_p ⊙ s)  |  v_p ⊙ (W t) )
/// ```
/// With all pairs stacked as rows, one application costs two `gemm`s with W.
/// - Complexity: per application O(pairs · m · d) in two BLAS `gemm`s.
struct GradPairOperator<Scalar: BLASScalar> {
    /// W (m × d), the first layer's weight.
    let w: Matrix<Scalar>
    /// Row p: v_p = V_j − V_i (pairs × m).
    let v: Matrix<Scalar>
    /// Row p: a_p = Wᵀ v_p (pairs × d).
    let a1: Matrix<Scalar>
    var d: Int { w.columns }
    var m: Int { w.rows }
    var size: Int { 1 + d + m }

    init(network: ReLUNetwork<Scalar>, pairs: [(label: Int, target: Int)]) throws {
        w = network.layers[0].weight
        let out = network.layers[1].weight
        var v = Matrix<Scalar>(rows: pairs.count, columns: out.columns)
        for (p, pair) in pairs.enumerated() {
            for k in 0..<out.columns { v[p, k] = out[pair.target, k] - out[pair.label, k] }
        }
        self.v = v
        var a1 = Matrix<Scalar>(rows: pairs.count, columns: w.columns)
        try a1.gemm(1, v, w, beta: 0)
        self.a1 = a1
    }

    /// Row p of the result is `(M_p − diag c_p) y_p` (y and c: pairs × size).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func apply(_ y: Matrix<Scalar>, shift c: Matrix<Scalar>) throws -> Matrix<Scalar> {
        let pairs = y.rows, n = size
        var t = Matrix<Scalar>(rows: pairs, columns: d)
        var vs = Matrix<Scalar>(rows: pairs, columns: m)
        for p in 0..<pairs {
            for i in 0..<d { t.elements[p * d + i] = y.elements[p * n + 1 + i] }
            for k in 0..<m { vs.elements[p * m + k] = v.elements[p * m + k] * y.elements[p * n + 1 + d + k] }
        }
        var wt = Matrix<Scalar>(rows: pairs, columns: m)
        try wt.gemm(1, t, w, transposeB: true, beta: 0)  // rows (W t_p)ᵀ
        var ats = Matrix<Scalar>(rows: pairs, columns: d)
        try ats.gemm(1, vs, w, beta: 0)  // rows (Wᵀ (v_p ⊙ s_p))ᵀ
        var out = Matrix<Scalar>(rows: pairs, columns: n)
        for p in 0..<pairs {
            let y0 = y.elements[p * n]
            var first: Scalar = 0
            for i in 0..<d {
                let a = a1.elements[p * d + i]
                first += a * t.elements[p * d + i]
                out.elements[p * n + 1 + i] = a * y0 + ats.elements[p * d + i]
            }
            out.elements[p * n] = first
            for k in 0..<m { out.elements[p * n + 1 + d + k] = v.elements[p * m + k] * wt.elements[p * m + k] }
            for i in 0..<n { out.elements[p * n + i] -= c.elements[p * n + i] * y.elements[p * n + i] }
        }
        return out
    }

    /// The gradient of `Σ_p weight_p · u_pᵀ M_p u_p` with respect to W and to the rows v_p:
    ///
    /// ```
    /// u_pᵀ M_p u_p = 2 Σ_k v_pk (W t_p)_k (u₀ + s_pk)
    /// ∂/∂W = Σ_p 2 weight_p (v_p ⊙ (u₀ + s_p)) t_pᵀ,   ∂/∂v_pk = 2 weight_p (W t_p)_k (u₀ + s_pk)
    /// ```
    /// - Complexity: two `gemm`s of size pairs × m × d.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func quadraticFormGradient(_ u: Matrix<Scalar>, weights: [Scalar]) throws -> (w: Matrix<Scalar>, v: Matrix<Scalar>) {
        let pairs = u.rows, n = size
        var t = Matrix<Scalar>(rows: pairs, columns: d)
        for p in 0..<pairs { for i in 0..<d { t.elements[p * d + i] = u.elements[p * n + 1 + i] } }
        var wt = Matrix<Scalar>(rows: pairs, columns: m)
        try wt.gemm(1, t, w, transposeB: true, beta: 0)
        var r = Matrix<Scalar>(rows: pairs, columns: m)
        var gv = Matrix<Scalar>(rows: pairs, columns: m)
        for p in 0..<pairs {
            let u0 = u.elements[p * n], scale = 2 * weights[p]
            for k in 0..<m {
                let s = u0 + u.elements[p * n + 1 + d + k]
                r.elements[p * m + k] = scale * v.elements[p * m + k] * s
                gv.elements[p * m + k] = scale * wt.elements[p * m + k] * s
            }
        }
        var gw = Matrix<Scalar>(rows: m, columns: d)
        try gw.gemm(1, r, transposeA: true, t, beta: 0)
        return (gw, gv)
    }
}
