/// What a certifier says about one point: an upper bound on every incorrect margin.
///
/// `bounds[j] ≥ max { s_j − s_label : x in the ball }` for every target `j ≠ label`; the point is
/// certified when it is correctly classified and every bound is negative.
public struct Certificate: Codable, Equatable, Sendable {
    /// The method (`interval`, `lp`, `sdp`, …).
    public var method: String
    /// The true label.
    public var label: Int
    /// The class predicted at the clean point.
    public var predicted: Int
    /// Upper bound on `s_j − s_label` for every target `j ≠ label`.
    public var bounds: [Int: Double]
    /// Wall-clock seconds spent.
    public var seconds: Double
    /// How the solver ended (`exact`, `optimal`, `time-limit`, `early-stop`, …).
    public var status: String
    /// Per-target relative gap between the reported bound and the solver's best primal value,
    /// when the method has one.
    public var gaps: [Int: Double]?

    public init(
        method: String, label: Int, predicted: Int, bounds: [Int: Double], seconds: Double, status: String,
        gaps: [Int: Double]? = nil
    ) {
        self.method = method
        self.label = label
        self.predicted = predicted
        self.bounds = bounds
        self.seconds = seconds
        self.status = status
        self.gaps = gaps
    }

    /// Correctly classified and every bound < 0.
    public var certified: Bool { predicted == label && !bounds.isEmpty && bounds.values.allSatisfy { $0 < 0 } }
}

/// A certifier that cannot run on the given network or input.
public enum CertifierError: Error, Equatable, CustomStringConvertible {
    /// The method does not apply to this network (e.g. Grad-cert on a deep network).
    case unsupported(String)
    /// A solver failed in a way that leaves no sound bound.
    case solverFailed(String)

    public var description: String {
        switch self {
        case .unsupported(let m): return m
        case .solverFailed(let m): return "solver failed: \(m)"
        }
    }
}

/// Rounding-error allowance for sums of floating-point products (Higham, Accuracy and
/// Stability, §3.1): `|fl(Σ xᵢyᵢ) − Σ xᵢyᵢ| ≤ γₙ Σ |xᵢyᵢ|` with `γₙ = n·u/(1 − n·u)`, u = 2⁻⁵³.
///
/// The certifiers add such an allowance (with n the longest sum of the computation, doubled for
/// safety) to every bound they report, so a reported bound stays an upper bound in exact arithmetic.
public func roundingAllowance(terms n: Int, magnitude: Double) -> Double {
    let u = Double.ulpOfOne / 2
    let nu = Double(2 * max(n, 1)) * u
    return nu / (1 - nu) * magnitude
}
