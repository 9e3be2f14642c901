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
    /// Whether a second solver was tried after the first failed (the structured interior point
    /// falls back on CSDP); `solverCode` is then the answer's solver's.
    public var fallback = false
    /// An interior-point solve's `|pobj − dobj| / (1 + |pobj| + |dobj|)` at its answer (its
    /// stopping rule measures the complementarity gap, as CSDP's default does); `nil` otherwise.
    public var objectiveGap: Double? = nil
    /// A local method's optimality checks (BM2); `nil` for interior-point solves.
    public var stationarity: Stationarity? = nil

    /// First- and second-order checks of a local (Burer–Monteiro) solve, in the units its
    /// doc comment names.
    public struct Stationarity: Sendable {
        /// `‖∇_{u,w} L‖_∞` of the (scaled) Lagrangian at the final multipliers.
        public var gradient: Double
        /// The largest (scaled) constraint violation `max(0, g_i)`.
        public var violation: Double
        /// `max_i min(y_i, |g_i|)` over the (scaled) constraints and their multipliers.
        public var complementarity: Double
        /// A Lanczos estimate of `λ_min(S(y))`, the SDP dual slack at the final multipliers, in
        /// objective units (`nil`: not computed). `≥ −tol` with the first-order checks means the
        /// point is globally optimal for the SDP. The Ritz value over-estimates λ_min: not rigorous.
        public var dualMinEigenvalue: Double?
        /// The dual objective at the final multipliers: a lower bound on the relaxation's value
        /// when `S(y) ⪰ 0`.
        public var dualBound: Double
        /// The relative duality gap the final certificate bounds (`BurerMonteiroRank2.certifiedGap`;
        /// `nil`: not computed). At most `gapTolerance` at a feasible point is an optimality
        /// certificate of its own (as rigorous as the λ_min estimate).
        public var dualGap: Double? = nil
        /// `dualGap` with a rigorous lower bound on λ_min(S(y)) (a Cholesky factorisation of the
        /// dense slack) in place of the estimate; `nil`: not computed (not certified, or too large).
        public var rigorousDualGap: Double? = nil
        /// One layer: the evaluations of the closed-form dual's ascent (`BurerMonteiroRank2.dualAscentIterations`)
        /// when it ran; `nil`: it did not.
        public var dualAscentEvaluations: Int? = nil
        /// The relative gap between the point's feasible upper bound and the ascent's best dual
        /// value (an estimate: d in floating point), when the ascent ran.
        public var dualAscentGap: Double? = nil
        /// The final penalty parameter.
        public var penalty: Double
        /// Inner (L-BFGS) iterations in all.
        public var innerIterations: Int

        public init(
            gradient: Double, violation: Double, complementarity: Double, dualMinEigenvalue: Double?,
            dualBound: Double, penalty: Double, innerIterations: Int
        ) {
            self.gradient = gradient
            self.violation = violation
            self.complementarity = complementarity
            self.dualMinEigenvalue = dualMinEigenvalue
            self.dualBound = dualBound
            self.penalty = penalty
            self.innerIterations = innerIterations
        }
    }

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
