/// BM2's dual certificate at one point: `y_0`, which makes the constant row of `S(y) [1; u]`
/// vanish (so `−y_0` is the dual bound when `S(y) ⪰ 0`), and an estimate of `λ_min(S(y))` with
/// its vector in the lifted space.
///
/// ```
/// dual bound = −y_0 + min(0, λ_min(S(y))) · T     (T: the trace bound)
/// ```
struct SlackEstimate {
    var y0: Double
    /// `nil` when no estimate was made (no Lanczos steps, or a failed check).
    var minEigenvalue: Double?
    var vector: [Double]

    /// No certificate (a skipped or failed check).
    static let none = SlackEstimate(y0: 0, minEigenvalue: nil, vector: [])
}
