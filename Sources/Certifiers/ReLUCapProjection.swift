/// The projection of `(P, 0)` onto one neuron's BM2 feasible set for the pair `(u, w)` of its
/// output, given `a = (W u_0 + b)_m` and `c = (W w_0)_m`:
///
/// ```
/// D(a, c) = { (u, w) : u ≥ t = max(0, a),  u² + w² ≤ a u + c w }
/// ```
/// a disk through the origin (centre `(a/2, c/2)`, radius `½√(a² + c²)`) cut by the chord `u = t`
/// from `(t, 0)` to `(t, c)`: with `c = 0` it is the single point `(ReLU(a), 0)`. The projection's
/// multipliers (`λ₁` of the disk, `λ₂` of the half-plane, for `min ½‖q − p‖²`) give the derivatives
/// of `φ = ‖q − p‖²` in `(a, c)` by the envelope theorem:
///
/// ```
/// ∂φ/∂a = 2 (−λ₁ q_u + λ₂ [a > 0]),   ∂φ/∂c = −2 λ₁ q_w
/// ```
/// When several multipliers fit (c = 0: the point is a corner), the smallest `λ₁` is taken: it
/// makes the dual slack's `w` block largest (paper 2's BM2; see `BurerMonteiroRank2.solveOneLayer`).
struct ReLUCapProjection {
    /// The nearest point `(u, w)` of `D(a, c)`.
    var u: Double, w: Double
    /// Multiplier of the disk constraint `u² + w² − a u − c w ≤ 0`.
    var disk: Double
    /// Multiplier of the half-plane `t − u ≤ 0`.
    var halfPlane: Double
    /// Whether the half-plane is BM2's affine constraint `u ≥ a` (a > 0) rather than `u ≥ 0`.
    var halfPlaneIsAffine: Bool
    /// `φ = (u − P)² + w²`, the squared distance.
    var squaredDistance: Double
    /// `∂φ/∂a` and `∂φ/∂c`.
    var derivativeA: Double, derivativeC: Double

    /// Projects `(P, 0)` onto `D(a, c)`.
    ///
    /// Left of the chord (`P ≤ t`) the nearest point is the chord's end `(t, 0)`; to its right it
    /// is the radial projection onto the circle, which lands on the cap's arc (p lies outside the
    /// disk there, the disk meeting the axis `w = 0` only in `[min(0, a), max(0, a)]`).
    init(target p: Double, a: Double, c: Double) {
        let t = max(0, a)
        let r = 0.5 * (a * a + c * c).squareRoot()
        let ou = 0.5 * a, ow = 0.5 * c
        let du = p - ou, dw = -ow
        let distance = (du * du + dw * dw).squareRoot()
        disk = 0
        halfPlane = 0
        halfPlaneIsAffine = a > 0
        if p <= t {
            u = t
            w = 0
            halfPlane = t - p
        } else if r <= 0 || distance <= r {
            // a = c = 0 (D is the origin, whose disk constraint has no gradient: the kink of ReLU),
            // or p inside the disk (only by rounding).
            u = r <= 0 ? 0 : p
            w = 0
        } else {
            let scale = r / distance
            u = ou + scale * du
            w = ow + scale * dw
            disk = (distance - r) / (2 * r)
            if u < t {
                // Rounding only: the arc point lies right of the chord.
                u = t
                w = 0
                disk = 0
            }
        }
        squaredDistance = (u - p) * (u - p) + w * w
        derivativeA = 2 * (-disk * u + (halfPlaneIsAffine ? halfPlane : 0))
        derivativeC = -2 * disk * w
    }
}
