import LinearAlgebra
import Networks

/// The loss PGD ascends.
public enum PGDLoss: String, Sendable, Codable, CaseIterable {
    /// `max_{y≠ȳ} s_y − s_ȳ` (Carlini–Wagner style margin; gradient e_{y*} − e_ȳ).
    case margin
    /// Softmax cross-entropy of the true label (Madry et al.).
    case crossEntropy = "cross-entropy"
}

/// Settings of an ℓ∞ PGD attack.
public struct PGDOptions: Sendable, Equatable {
    /// Radius of the ℓ∞ ball.
    public var epsilon: Double
    /// Sign-gradient steps per restart.
    public var steps: Int = 40
    /// Step size α (default ε/4).
    public var stepSize: Double
    /// Independent random starts; the worst point over all of them is kept.
    public var restarts: Int = 1
    /// The loss to ascend.
    public var loss: PGDLoss = .margin
    /// Start from a uniform point of the ball (true) or from the clean input.
    public var randomStart: Bool = true
    /// Seed of the random starts (SplitMix64, one stream per restart and point).
    public var seed: UInt64 = 0
    /// Threads the batch is split across (each with its own rows; results do not depend on it).
    public var workers: Int = 1

    public init(
        epsilon: Double, steps: Int = 40, stepSize: Double? = nil, restarts: Int = 1, loss: PGDLoss = .margin,
        randomStart: Bool = true, seed: UInt64 = 0
    ) {
        self.epsilon = epsilon
        self.steps = steps
        self.stepSize = stepSize ?? epsilon / 4
        self.restarts = restarts
        self.loss = loss
        self.randomStart = randomStart
        self.seed = seed
    }
}

/// The outcome of PGD on a batch of points.
public struct PGDResult<Scalar: BLASScalar>: Sendable {
    /// The adversarial input of each point (the iterate with the lowest margin), one per row.
    public var adversarial: Matrix<Scalar>
    /// The PGD margin `min_{y≠ȳ} f(x_PGD)_ȳ − f(x_PGD)_y` of each point (paper 1, Figure 3).
    public var margins: [Scalar]
    /// The class predicted at the adversarial input.
    public var predicted: [Int]
    /// Whether the adversarial input is misclassified (`predicted ≠ label`).
    public var misclassified: [Bool]
}

/// ℓ∞ projected gradient ascent (Madry et al. 2018) on a batch of points.
///
/// ```
/// x ← Π_{B∞(x̄, ε) ∩ [lo, hi]} ( x + α · sign ∇ₓ loss(f(x), ȳ) )
/// ```
/// from a uniform random start in the ball (or x̄), `steps` times per restart. Every iterate is
/// scored and the one with the lowest margin is kept, so the result is never weaker than the clean
/// point or any restart's final iterate.
/// - Throws: `NetworkError` for inputs of the wrong width or a label count mismatch.
/// - Complexity: `restarts × (steps + 1)` forward passes and `restarts × steps` backward passes
///   (each a BLAS `gemm` per layer) over the batch.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func pgdAttack<Scalar: BLASScalar>(
    network: ReLUNetwork<Scalar>, inputs: Matrix<Scalar>, labels: [Int], options: PGDOptions
) throws -> PGDResult<Scalar> {
    guard labels.count == inputs.rows else {
        throw NetworkError.invalid("\(labels.count) labels for \(inputs.rows) points")
    }
    if let bad = labels.first(where: { !(0..<network.classCount).contains($0) }) {
        throw NetworkError.invalid("label \(bad) outside 0..<\(network.classCount)")
    }
    let chunks = evenChunks(inputs.rows, parts: options.workers)
    if chunks.count <= 1 { return try runPGD(network: network, inputs: inputs, labels: labels, options: options, rowOffset: 0) }
    let d = inputs.columns
    let parts = try parallelResults(chunks.count) { c in
        let rows = chunks[c]
        let x = try Matrix(rows: rows.count, columns: d, elements: Array(inputs.elements[(rows.lowerBound * d)..<(rows.upperBound * d)]))
        return try runPGD(network: network, inputs: x, labels: Array(labels[rows]), options: options, rowOffset: rows.lowerBound)
    }
    var result = PGDResult<Scalar>(
        adversarial: Matrix(rows: 0, columns: d), margins: [], predicted: [], misclassified: [])
    var elements: [Scalar] = []
    elements.reserveCapacity(inputs.elements.count)
    for part in parts {
        elements += part.adversarial.elements
        result.margins += part.margins
        result.predicted += part.predicted
        result.misclassified += part.misclassified
    }
    result.adversarial = try Matrix(rows: inputs.rows, columns: d, elements: elements)
    return result
}

private func runPGD<Scalar: BLASScalar>(
    network: ReLUNetwork<Scalar>, inputs: Matrix<Scalar>, labels: [Int], options: PGDOptions, rowOffset: Int
) throws -> PGDResult<Scalar> {
    let n = inputs.rows, d = inputs.columns
    let eps = Scalar(options.epsilon), alpha = Scalar(options.stepSize)
    var lower = inputs, upper = inputs
    for i in lower.elements.indices {
        lower.elements[i] = max(inputs.elements[i] - eps, network.inputLower)
        upper.elements[i] = min(inputs.elements[i] + eps, network.inputUpper)
    }
    // Best so far: the clean point.
    var best = inputs
    var bestScores = try network.scores(inputs)
    var bestMargins = classificationMargins(bestScores, labels: labels)

    for restart in 0..<max(options.restarts, 1) {
        var x = inputs
        if options.randomStart {
            // One stream per (restart, point): the start of a point does not depend on the batch.
            for row in 0..<n {
                var rng = SplitMix64.stream(
                    seed: options.seed &+ UInt64(restart) &* 0x9E37_79B9_7F4A_7C15, index: UInt64(rowOffset + row))
                for i in (row * d)..<((row + 1) * d) {
                    let u = Scalar(rng.unitInterval())
                    x.elements[i] = lower.elements[i] + u * (upper.elements[i] - lower.elements[i])
                }
            }
        }
        for _ in 0..<options.steps {
            let trace = try network.trace(x)
            keepBetter(x, trace.scores, labels, &best, &bestScores, &bestMargins)
            let g = lossGradient(trace.scores, labels: labels, loss: options.loss)
            guard let dx = try network.backward(trace, scoreGradient: g, parameters: false, input: true).input else { break }
            signStep(&x, gradient: dx, alpha: alpha, lower: lower, upper: upper)
        }
        keepBetter(x, try network.scores(x), labels, &best, &bestScores, &bestMargins)
    }
    let predicted = (0..<n).map { argmax(bestScores.row($0)) }
    return PGDResult(
        adversarial: best, margins: bestMargins, predicted: predicted,
        misclassified: zip(predicted, labels).map { $0 != $1 })
}

/// Keeps, per row, the iterate with the lowest margin seen so far.
@inline(__always)
private func keepBetter<Scalar: BLASScalar>(
    _ x: Matrix<Scalar>, _ scores: Matrix<Scalar>, _ labels: [Int], _ best: inout Matrix<Scalar>,
    _ bestScores: inout Matrix<Scalar>, _ bestMargins: inout [Scalar]
) {
    let d = x.columns, classes = scores.columns
    for i in 0..<x.rows {
        let m = classificationMargin(scores.row(i), label: labels[i])
        guard m < bestMargins[i] else { continue }
        bestMargins[i] = m
        best.elements.withUnsafeMutableBufferPointer { dst in
            x.elements.withUnsafeBufferPointer { src in
                (dst.baseAddress! + i * d).update(from: src.baseAddress! + i * d, count: d)
            }
        }
        bestScores.elements.withUnsafeMutableBufferPointer { dst in
            scores.elements.withUnsafeBufferPointer { src in
                (dst.baseAddress! + i * classes).update(from: src.baseAddress! + i * classes, count: classes)
            }
        }
    }
}

/// `x ← clip(x + α sign(g), lower, upper)` elementwise.
@inline(__always)
private func signStep<Scalar: BLASScalar>(
    _ x: inout Matrix<Scalar>, gradient: Matrix<Scalar>, alpha: Scalar, lower: Matrix<Scalar>, upper: Matrix<Scalar>
) {
    x.elements.withUnsafeMutableBufferPointer { xp in
        gradient.elements.withUnsafeBufferPointer { gp in
            lower.elements.withUnsafeBufferPointer { lp in
                upper.elements.withUnsafeBufferPointer { up in
                    for i in 0..<xp.count {
                        let s = gp[i]
                        let step = s > 0 ? alpha : (s < 0 ? -alpha : 0)
                        xp[i] = min(max(xp[i] + step, lp[i]), up[i])
                    }
                }
            }
        }
    }
}

/// `∂loss/∂scores` of the PGD loss for each row.
func lossGradient<Scalar: BLASScalar>(_ scores: Matrix<Scalar>, labels: [Int], loss: PGDLoss) -> Matrix<Scalar> {
    var g = Matrix<Scalar>(rows: scores.rows, columns: scores.columns)
    for i in 0..<scores.rows {
        let row = scores.row(i)
        let y = labels[i]
        switch loss {
        case .margin:
            var other = y == 0 ? 1 : 0
            for (c, s) in row.enumerated() where c != y && s > row[row.startIndex + other] { other = c }
            g[i, other] = 1
            g[i, y] = -1
        case .crossEntropy:
            break
        }
    }
    // The mean cross-entropy's gradient is each row's gradient over n: same signs.
    return loss == .crossEntropy ? softmaxCrossEntropy(scores, labels: labels).gradient : g
}
