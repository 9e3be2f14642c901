import LinearAlgebra

/// The classification margin of paper 1, Figure 3: how far the true class leads the best other.
///
/// ```
/// margin(s, ȳ) = s_ȳ − max_{y ≠ ȳ} s_y        (> 0 ⇔ correctly classified, no tie)
/// ```
/// - Precondition: at least two classes and `label` in range.
public func classificationMargin<Scalar: BLASScalar, C: Collection>(
    _ scores: C, label: Int
) -> Scalar where C.Element == Scalar {
    precondition(scores.count >= 2 && label >= 0 && label < scores.count, "margin needs two classes and a valid label")
    var best = -Scalar.infinity
    var own: Scalar = 0
    for (y, s) in scores.enumerated() {
        if y == label { own = s } else { best = max(best, s) }
    }
    return own - best
}

/// The margin of every row of a score matrix against its label.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func classificationMargins<Scalar: BLASScalar>(_ scores: Matrix<Scalar>, labels: [Int]) -> [Scalar] {
    precondition(labels.count == scores.rows, "one label per row")
    return (0..<scores.rows).map { classificationMargin(scores.row($0), label: labels[$0]) }
}
