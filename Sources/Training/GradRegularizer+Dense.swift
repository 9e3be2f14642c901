import LinearAlgebra
import Networks

extension GradRegularizer {
    /// The matrix `M_p − diag c_p` of pair p, formed densely (D × D).
    ///
    /// ```
    /// M = [ 0  aᵀ  0 ; a  0  Wᵀdiag(v) ; 0  diag(v)W  0 ],   a = Wᵀ v
    /// ```
    /// - Complexity: O(D²) memory and time.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func denseMatrix(network: ReLUNetwork<Scalar>, pair p: Int) throws -> Matrix<Scalar> {
        try check(network)
        let op = try GradPairOperator(network: network, pairs: [pairs[p]])
        let d = op.d, m = op.m, n = size
        var a = Matrix<Scalar>(rows: n, columns: n)
        for i in 0..<d {
            a[0, 1 + i] = op.a1.elements[i]
            a[1 + i, 0] = op.a1.elements[i]
            for k in 0..<m {
                let value = op.w[k, i] * op.v.elements[k]
                a[1 + i, 1 + d + k] = value
                a[1 + d + k, 1 + i] = value
            }
        }
        for i in 0..<n { a[i, i] -= duals[p, i] }
        return a
    }

    /// `evaluate` with each λ_max and eigenvector from a dense LAPACK `syevr` instead of Lanczos
    /// (the reference for tests and for `experiments bench-grad`); the warm starts are updated.
    ///
    /// - Complexity: one O(D³) dense eigen-decomposition per unordered pair.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func evaluateExactly(network: ReLUNetwork<Scalar>) throws -> Evaluation {
        try check(network)
        var values = [Double](repeating: 0, count: pairs.count)
        var u = Matrix<Scalar>(rows: pairs.count, columns: size)
        for p in pairs.indices {
            let e = try denseMatrix(network: network, pair: p).symmetricEigen(.largest)
            guard let vector = e.vectors else { throw LinearAlgebraError.lapack(routine: "syevr (no vector)", info: 0) }
            values[p] = Double(e.values[0])
            for i in 0..<size { u[p, i] = vector[i, 0] }
        }
        vectors = u
        let op = try GradPairOperator(network: network, pairs: pairs)
        return try Self.assemble(
            op: op, pairs: pairs, classes: network.classCount, duals: duals, eigenvalues: values, vectors: u)
    }
}
