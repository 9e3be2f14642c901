import LinearAlgebra

/// What a solver of problem (B)'s SDP relaxation found: the lifted matrix's first row, the
/// objective and the rank-1 test of paper 2 (§8: `λ₁(G*)/λ₂(G*) > 10³`).
public struct LeastSquaresSolution: Sendable {
    /// How the solve ended.
    public enum Status: String, Sendable, Codable {
        /// Solved to the solver's tolerance.
        case optimal
        /// The solver stopped short of full accuracy (CSDP's "partial success", an iteration limit,
        /// or a local method whose stationarity checks failed); the numbers are its last iterate.
        case inaccurate
        /// The relaxation has no feasible point (so neither has problem (B)).
        case infeasible
    }

    /// How the solve ended.
    public var status: Status
    /// The relaxation's objective `L_lb² = tr(X) − 2⟨x, x̂⟩ + ‖x̂‖²`.
    public var objective: Double
    /// `G[x]`: the relaxation's input, an attack candidate.
    public var x: [Double]
    /// `G[z_k]` for k = 1 … ℓ.
    public var z: [[Double]]
    /// `λ₁(G)/λ₂(G)` (the two largest eigenvalues; `.infinity` when λ₂ ≤ 0).
    public var rankRatio: Double
    /// Solver iterations (interior-point or outer augmented-Lagrangian iterations).
    public var iterations: Int
    /// Wall-clock seconds.
    public var seconds: Double
    /// The solver's own return code, where it has one (CSDP's: 0 solved, 3 partial success, …).
    public var solverCode: Int?

    public init(
        status: Status, objective: Double, x: [Double], z: [[Double]], rankRatio: Double, iterations: Int = 0,
        seconds: Double = 0
    ) {
        self.status = status
        self.objective = objective
        self.x = x
        self.z = z
        self.rankRatio = rankRatio
        self.iterations = iterations
        self.seconds = seconds
    }

    /// Paper 2's numerical rank-1 test: `λ₁/λ₂ > 10³` on a solved, feasible instance.
    public var isRankOne: Bool { status == .optimal && rankRatio > Self.rankOneThreshold }

    /// The threshold of the rank-1 test.
    public static let rankOneThreshold = 1e3

    /// The predicted output `z_ℓ`.
    public var output: [Double] { z.last ?? [] }

    /// `λ₁/λ₂` from the eigenvalues of a symmetric matrix (ascending, as LAPACK returns them).
    static func rankRatio(ascending values: [Double]) -> Double {
        guard values.count >= 2 else { return .infinity }
        let l1 = values[values.count - 1], l2 = values[values.count - 2]
        return l2 > 0 ? l1 / l2 : .infinity
    }
}
