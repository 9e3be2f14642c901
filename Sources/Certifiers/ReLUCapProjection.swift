/// The projection of a point `y = (y_u, y_w)` onto one neuron's BM2 feasible set for the pair
/// `(u, w)` of its output, given `a = (W u_0 + b)_m` and `c = (W w_0)_m`:
///
/// ```
/// D(a, c) = { (u, w) : u ≥ t = max(0, a),  u² + w² ≤ a u + c w }
/// ```
/// a disk through the origin (centre `(a/2, c/2)`, radius `½√(a² + c²)`) cut by the chord `u = t`
/// from `(t, 0)` to `(t, c)`: with `c = 0` it is the single point `(ReLU(a), 0)`. The projection's
/// multipliers (`λ₁` of the disk, `λ₂` of the half-plane, for `min ½‖q − y‖²`) give the derivatives
/// of `φ = ‖q − y‖²` in `(a, c)` by the envelope theorem (in `y` it is `2 (y − q)`):
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
    /// `φ = (u − y_u)² + (w − y_w)²`, the squared distance.
    var squaredDistance: Double
    /// `∂φ/∂a` and `∂φ/∂c`.
    var derivativeA: Double, derivativeC: Double
    /// The cap's `a` and `c`.
    var a: Double, c: Double

    /// Projects `(P, 0)` (a target on the `u` axis, as the last layer's ball sees it) onto `D(a, c)`.
    init(target p: Double, a: Double, c: Double) {
        self.init(point: p, 0, a: a, c: c)
    }

    /// Projects `(y_u, y_w)` onto `D(a, c)`.
    ///
    /// Inside, the point itself; else the radial projection onto the circle when it lands on the
    /// cap's arc (`q_u ≥ t`: then it is also the projection onto the disk, which contains D);
    /// else the nearest point of the chord segment `u = t`, `w ∈ [min(0, c), max(0, c)]` (the
    /// half-plane's constraint is active). At the chord's ends both constraints are active and the
    /// multipliers solve a 2 × 2 system (the smallest disk multiplier when `c = 0` makes them parallel).
    ///
    /// With `chordAtA` the half-plane is `u ≥ a` whatever the sign of `a` (the set `D'(a, c)` of
    /// the disk and `u ≥ a` only, which moves smoothly with `a`; the caller keeps `u ≥ 0` apart).
    init(point yu: Double, _ yw: Double, a: Double, c: Double, chordAtA: Bool = false) {
        self.a = a
        self.c = c
        let t = chordAtA ? a : max(0, a), s = 2 * t - a
        let r = 0.5 * (a * a + c * c).squareRoot()
        let ou = 0.5 * a, ow = 0.5 * c
        let du = yu - ou, dw = yw - ow
        let distance = (du * du + dw * dw).squareRoot()
        disk = 0
        halfPlane = 0
        halfPlaneIsAffine = chordAtA || a > 0
        u = yu
        w = yw
        if r <= 0 {
            // a = c = 0: D is the origin (the kink of ReLU; the disk constraint has no gradient).
            u = 0
            w = 0
            halfPlane = max(0, -yu)
        } else if yu >= t, distance <= r {
            // Inside.
        } else if distance > r, ou + r / distance * du >= t {
            let scale = r / distance
            u = ou + scale * du
            w = ow + scale * dw
            disk = (distance - r) / (2 * r)
        } else {
            u = t
            w = min(max(yw, min(0, c)), max(0, c))
            if w != yw {
                // A chord end: (t − y_u) − λ₂ + λ₁ s = 0 and (w − y_w) + λ₁ (2w − c) = 0.
                let slope = 2 * w - c
                disk = slope != 0 ? max(0, (yw - w) / slope) : (s > 0 ? max(0, (yu - t) / s) : 0)
                halfPlane = max(0, t - yu + disk * s)
            } else if c == 0, yu > t, s > 0 {
                // c = 0 and y on the axis right of the point: only the disk pushes back.
                disk = (yu - t) / s
            } else {
                halfPlane = max(0, t - yu)
            }
        }
        squaredDistance = (u - yu) * (u - yu) + (w - yw) * (w - yw)
        derivativeA = 2 * (-disk * u + (halfPlaneIsAffine ? halfPlane : 0))
        derivativeC = -2 * disk * w
    }
}

extension ReLUCapProjection {
    /// Projects onto the cap of a factor with r > 2 columns, through the plane it reduces to.
    ///
    /// The cap `{p = (u, w) ∈ R × R^{r−1} : ‖p‖² ≤ ⟨p, (a, c)⟩, u ≥ a}` is a ball (centre
    /// `(a, c)/2`, radius `‖(a, c)‖/2`) cut by a half-space. Stationarity of the projection of
    /// `(y_u, y_w)` gives `q_w = (y_w + λ₁ c)/(1 + 2λ₁)`, on the segment from `c/2` to `y_w`, so the
    /// projection lies in the plane through the centre spanned by `e₁` and `y_w − c/2`. There the
    /// cap is the planar `D'(a, ‖c‖)` shifted by `‖c‖/2` along `w`, and the point is
    /// `(y_u, ‖c‖/2 + e)` with `e = ‖y_w − c/2‖`:
    ///
    /// ```
    /// q_w = c/2 + (offset / e) (y_w − c/2),    ∂φ/∂c = −2 λ₁ q_w
    /// ```
    /// The multipliers `disk`, `halfPlane` and `derivativeA` are those of the cap in R^r; `w`,
    /// `c` and `derivativeC` are the plane's.
    init(point yu: Double, offset e: Double, a: Double, cNorm: Double) {
        self.init(point: yu, 0.5 * cNorm + e, a: a, c: cNorm, chordAtA: true)
    }

    /// `init(point:offset:a:cNorm:)` from the coordinates: `y_w` and `c` given entry by entry
    /// (`count` = r − 1 of them). Returns the planar projection and `shift = offset / e`, so that
    /// `q_w = c/2 + shift · (y_w − c/2)`.
    ///
    /// - Complexity: O(r).
    static func inPlane(
        yu: Double, count: Int, a: Double, yw: (Int) -> Double, c: (Int) -> Double
    ) -> (projection: ReLUCapProjection, shift: Double) {
        var c2 = 0.0, e2 = 0.0
        for j in 0..<count {
            let cj = c(j), e = yw(j) - 0.5 * cj
            c2 += cj * cj
            e2 += e * e
        }
        let e = e2.squareRoot()
        let q = ReLUCapProjection(point: yu, offset: e, a: a, cNorm: c2.squareRoot())
        return (q, e > 0 ? q.offset / e : 0)
    }

    /// The projection's distance from the ball's centre level along the plane's `w` axis
    /// (`offset` of the planar projection, in [0, e]).
    var offset: Double { w - 0.5 * c }
}
