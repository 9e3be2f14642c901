import LinearAlgebra
import Networks

/// Grad-NN's regulariser (Raghunathan, Steinhardt & Liang, ICLR 2018): the Grad-cert dual bound
/// summed over ordered class pairs, with trainable dual vectors c, its value and its gradient.
///
/// ```
/// R(W, V, c) = Σ_{i≠j} D · max(λ_max(M_ij − diag c_ij), 0) + Σ_k max(c_ij,k, 0),   D = 1 + d + m
/// ∂λ_max/∂M = u uᵀ   (u the unit top eigenvector)
/// ```
/// M_ij is formulations.md's sound Grad-cert matrix for label i and target j (v = V_j − V_i).
/// Flipping the sign of the d-block, `S M_ij S = M_ji` with S = diag(1, −I, I), so M_ij − diag c and
/// M_ji − diag c have the same spectrum: the regulariser keeps one dual vector per unordered pair
/// (45 for 10 classes) and counts each twice, which is exactly the 90-vector objective when
/// c_ij = c_ji (both receive identical gradients, so training keeps them equal).
///
/// λ_max comes from warm-started Lanczos on all pairs at once (`lanczosLargestBatched`), the start
/// being the previous call's eigenvector, so a handful of steps per call track the top eigenpair as
/// the weights move. The Ritz value is an estimate (≤ λ_max): this is a training loss, not a
/// certificate (`GradCertifier` reports the sound bound).
/// - Complexity: per call `lanczosSteps + 2` applications of the pair operator (two `gemm`s of
///   pairs × m × d each) and O(pairs · lanczosSteps² · D) re-orthogonalisation.
public struct GradRegularizer<Scalar: BLASScalar>: Sendable {
    /// The unordered pairs (label i < target j), one dual vector each.
    public let pairs: [(label: Int, target: Int)]
    /// D = 1 + d + m.
    public let size: Int
    /// Row p: the dual vector c of pair p (trained by the optimiser).
    public var duals: Matrix<Scalar>
    /// Row p: the current estimate of the top eigenvector of `M_p − diag c_p` (the warm start).
    public var vectors: Matrix<Scalar>
    /// Lanczos steps per evaluation.
    public var lanczosSteps: Int

    /// The value, the per-pair eigenvalues and the gradients of one evaluation.
    public struct Evaluation {
        /// R (summed over ordered pairs).
        public var value: Double
        /// λ_max(M_p − diag c_p) per unordered pair (Ritz estimates).
        public var eigenvalues: [Double]
        /// ∂R/∂(network parameters) in the order `[W₁, b₁, W₂, b₂]` (the biases get zeros).
        public var networkGradients: [[Scalar]]
        /// ∂R/∂duals (pairs × D).
        public var dualGradient: Matrix<Scalar>
    }

    /// Zero dual vectors and seeded random warm starts for a network with `inputs`, `hidden` and
    /// `classes` units.
    public init(inputs: Int, hidden: Int, classes: Int, lanczosSteps: Int = 12, seed: UInt64 = 0) {
        var list: [(label: Int, target: Int)] = []
        for i in 0..<classes { for j in (i + 1)..<max(i + 1, classes) { list.append((i, j)) } }
        pairs = list
        size = 1 + inputs + hidden
        duals = Matrix(rows: list.count, columns: size)
        vectors = Matrix(rows: list.count, columns: size)
        var rng = SplitMix64.stream(seed: seed, index: 0x6AAD)
        for e in vectors.elements.indices { vectors.elements[e] = Scalar(2 * rng.unitInterval() - 1) }
        self.lanczosSteps = lanczosSteps
    }

    /// Checks that the network is one this regulariser was made for.
    func check(_ network: ReLUNetwork<Scalar>) throws {
        guard network.layers.count == 2 else {
            throw NetworkError.invalid(
                "the Grad-NN regulariser supports one hidden layer (e.g. 784-500-10); \(network.architecture) has \(network.layers.count - 1)")
        }
        let expected = 1 + network.inputSize + network.hiddenSizes[0]
        let classes = network.classCount
        guard expected == size, pairs.count == classes * (classes - 1) / 2 else {
            throw NetworkError.invalid(
                "regulariser state is for D = \(size) and \(pairs.count) pairs, the network \(network.architecture) needs D = \(expected)")
        }
    }

    /// Evaluates R and its gradients at the current weights and duals, updating the warm starts.
    ///
    /// - Throws: `NetworkError.invalid` for a network that is not 1-hidden-layer or does not fit.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func evaluate(network: ReLUNetwork<Scalar>) throws -> Evaluation {
        try check(network)
        let op = try GradPairOperator(network: network, pairs: pairs)
        let c = duals
        let (values, u) = try lanczosLargestBatched(starts: vectors, steps: lanczosSteps) { try op.apply($0, shift: c) }
        vectors = u
        return try Self.assemble(
            op: op, pairs: pairs, classes: network.classCount, duals: duals, eigenvalues: values, vectors: u)
    }

    /// R and its gradients given each pair's top eigenpair (shared by the Lanczos and dense paths).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func assemble(
        op: GradPairOperator<Scalar>, pairs: [(label: Int, target: Int)], classes: Int, duals: Matrix<Scalar>,
        eigenvalues: [Double], vectors u: Matrix<Scalar>
    ) throws -> Evaluation {
        let n = op.size, count = pairs.count
        let dimension = Double(n)
        var value = 0.0
        var dual = Matrix<Scalar>(rows: count, columns: n)
        var weights = [Scalar](repeating: 0, count: count)
        for p in 0..<count {
            let active = eigenvalues[p] > 0
            var term = active ? dimension * eigenvalues[p] : 0
            if active { weights[p] = Scalar(2 * dimension) }
            for i in 0..<n {
                let ci = duals.elements[p * n + i]
                var g: Scalar = ci > 0 ? 2 : 0
                if ci > 0 { term += Double(ci) }
                if active {
                    let ui = u.elements[p * n + i]
                    g -= Scalar(2 * dimension) * ui * ui
                }
                dual.elements[p * n + i] = g
            }
            value += 2 * term
        }
        let (gw, gv) = try op.quadraticFormGradient(u, weights: weights)
        let m = op.m
        var gV = [Scalar](repeating: 0, count: classes * m)
        for (p, pair) in pairs.enumerated() {
            for k in 0..<m {
                let g = gv.elements[p * m + k]
                gV[pair.target * m + k] += g
                gV[pair.label * m + k] -= g
            }
        }
        return Evaluation(
            value: value, eigenvalues: eigenvalues,
            networkGradients: [gw.elements, [Scalar](repeating: 0, count: m), gV, [Scalar](repeating: 0, count: classes)],
            dualGradient: dual)
    }
}
