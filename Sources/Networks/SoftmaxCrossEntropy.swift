import LinearAlgebra

/// Softmax cross-entropy of a batch of scores and its gradient, the loss every trainer starts from.
///
/// ```
/// loss = (1/n) Σ_i [ log Σ_y exp(s_iy) − s_{i,label_i} ]
/// ∂loss/∂s_iy = (softmax(s_i)_y − [y = label_i]) / n
/// ```
/// Computed with the max subtracted first, so large scores do not overflow.
/// - Complexity: O(n × classes).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func softmaxCrossEntropy<Scalar: BLASScalar>(
    _ scores: Matrix<Scalar>, labels: [Int]
) -> (loss: Scalar, gradient: Matrix<Scalar>) {
    precondition(labels.count == scores.rows, "one label per row")
    var gradient = Matrix<Scalar>(rows: scores.rows, columns: scores.columns)
    var total: Scalar = 0
    let n = Scalar(scores.rows)
    for i in 0..<scores.rows {
        let row = scores.row(i)
        let m = row.max() ?? 0
        var sum: Scalar = 0
        for s in row { sum += Scalar.exp(s - m) }
        let logSum = m + Scalar.log(sum)
        total += logSum - row[row.startIndex + labels[i]]
        for (y, s) in row.enumerated() {
            let p = Scalar.exp(s - logSum)
            gradient[i, y] = (p - (y == labels[i] ? 1 : 0)) / n
        }
    }
    return (scores.rows == 0 ? 0 : total / n, gradient)
}
