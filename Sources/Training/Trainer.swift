import Attacks
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// Trains a ReLU network on MNIST by a `TrainingRecipe`, deterministically for a given seed and
/// BLAS thread count, with a checkpoint after every epoch.
///
/// Minibatches are a SplitMix64 permutation of the training split per epoch (stream `epoch` of
/// the seed); PGD starts use stream `epoch·10⁶ + batch`.
public struct Trainer {
    /// The recipe.
    public let recipe: TrainingRecipe
    /// The training images (the `train` split, pooled when the recipe reads 7 × 7 inputs).
    public let training: ImageSet
    /// Images for the per-epoch clean accuracy (the `verification` split).
    public let validation: ImageSet
    /// Where progress lines go.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Seconds between progress lines inside an epoch (0 = only at epoch ends).
    public var progressInterval: Double = 30
    /// Threads each minibatch is split across (data parallel; use one BLAS thread each). Results
    /// are deterministic for a given seed and number of workers.
    public var workers: Int = 1

    public init(recipe: TrainingRecipe, training: ImageSet, validation: ImageSet) throws {
        try recipe.validate()
        guard training.pixelCount == recipe.sizes[0], validation.pixelCount == recipe.sizes[0] else {
            throw TrainingError.invalidRecipe(
                "arch \(recipe.architecture) takes \(recipe.sizes[0]) inputs, the images have \(training.pixelCount) pixels")
        }
        self.recipe = recipe
        self.training = training
        self.validation = validation
    }

    /// Runs (or resumes) training and writes the network to `output`.
    ///
    /// - Parameters:
    ///   - output: the HDF5 file to write; its checkpoint folder is `output + ".checkpoint"`.
    ///   - name: the network's name.
    ///   - restart: ignore an existing checkpoint.
    ///   - stopAfter: stop (leaving the checkpoint, as an interrupted run would) once this many
    ///     epochs are complete; nil runs to the end.
    /// - Returns: the trained network and the epoch history.
    /// - Complexity: per epoch, `59 000 / batch` minibatch steps; a pgd step costs `pgdSteps + 2`
    ///   forward and backward passes, an lp step about seven `gemm`s of (batch·10) × hidden × inputs.
    @discardableResult
    public func run(
        output: String, name: String, restart: Bool = false, stopAfter: Int? = nil
    ) throws -> (network: ReLUNetwork<Float>, history: [EpochRecord]) {
        let checkpoint = TrainingCheckpoint(outputFile: output)
        if restart { checkpoint.remove() }
        var network: ReLUNetwork<Float>
        var optimizer: OptimizerState<Float>
        var history: [EpochRecord] = []
        var grad: GradTrainingState?
        if let saved = try checkpoint.load(recipe: recipe) {
            (network, optimizer, history) = (saved.network, saved.optimizer, saved.state.history)
            if recipe.kind == .grad {
                grad = try GradTrainingState.load(
                    from: checkpoint.gradStatePath(epoch: saved.state.completedEpochs), recipe: recipe,
                    step: saved.state.optimizerStep)
            }
            log("resuming \(name) from \(checkpoint.directory) after epoch \(saved.state.completedEpochs)/\(recipe.epochs)")
        } else {
            network = try ReLUNetwork<Float>.randomlyInitialized(
                name: name, sizes: recipe.sizes, convolutions: recipe.convolutions, inputShape: recipe.inputShape,
                seed: recipe.seed)
            optimizer = OptimizerState(kind: recipe.optimizer, sizes: network.flatParameters.map(\.count))
            if recipe.kind == .grad { grad = GradTrainingState(recipe: recipe) }
        }
        log("training \(name): \(recipe.summary)")
        let start = Date()
        for epoch in history.count..<recipe.epochs {
            let record = try runEpoch(
                epoch, network: &network, optimizer: &optimizer, grad: &grad, since: start, done: history.count)
            history.append(record)
            log(String(
                format: "epoch %d/%d  loss %.4f%@  train-err %.2f%%  val-acc %.2f%%  eps %.3f  %.1f s  ETA %@",
                record.epoch, recipe.epochs, record.loss,
                record.regularizer.map { String(format: " (CE %.4f, R %.1f)", record.loss - record.regularizerLoss!, $0) } ?? "",
                100 * record.trainError, 100 * record.validationAccuracy, record.epsilon, record.seconds,
                formatDuration(record.seconds * Double(recipe.epochs - record.epoch))))
            if let grad { try grad.save(to: checkpoint.gradStatePath(epoch: epoch + 1)) }
            try checkpoint.save(
                network: network, optimizer: optimizer,
                state: .init(recipe: recipe, completedEpochs: epoch + 1, optimizerStep: optimizer.step, history: history))
            if let stopAfter, epoch + 1 >= stopAfter, epoch + 1 < recipe.epochs { return (network, history) }
        }
        try recipe.checkConvolutions(of: network)
        network.name = name
        let last = history.last
        network.provenance = "trained by `experiments train`: \(recipe.summary)"
            + (last.map { String(format: "; after training: verification accuracy %.4f", $0.validationAccuracy) } ?? "")
        try network.write(to: output)
        checkpoint.remove()
        return (network, history)
    }

    private func runEpoch(
        _ epoch: Int, network: inout ReLUNetwork<Float>, optimizer: inout OptimizerState<Float>,
        grad: inout GradTrainingState?, since: Date, done: Int
    ) throws -> EpochRecord {
        let epochStart = Date()
        var lastReport = epochStart
        let eps = recipe.epsilon(atEpoch: epoch)
        var order = Array(0..<training.count)
        var rng = SplitMix64.stream(seed: recipe.seed, index: UInt64(epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.uniform(below: i + 1)) }
        let batches = (order.count + recipe.batchSize - 1) / recipe.batchSize
        var lossSum = 0.0, errors = 0
        var regularizerSum = 0.0, regularizerLossSum = 0.0
        for b in 0..<batches {
            let indices = Array(order[(b * recipe.batchSize)..<min((b + 1) * recipe.batchSize, order.count)])
            var step = try parallelStep(
                network: network, indices: indices, epsilon: eps, streamIndex: UInt64(epoch) * 1_000_000 + UInt64(b))
            if grad != nil || !recipe.convolutions.isEmpty {
                var gradients = step.gradients.summed()
                if grad != nil {
                    // The regulariser depends on the weights only: once per step, not per worker.
                    let r = try grad!.step(network: network, epsilon: eps, recipe: recipe)
                    for t in gradients.indices { for e in gradients[t].indices { gradients[t][e] += r.gradients[t][e] } }
                    step.loss += r.weighted
                    regularizerSum += r.value
                    regularizerLossSum += r.weighted
                }
                recipe.tieConvolutionGradients(&gradients)
                step.gradients = GradientParts(gradients)
            }
            guard step.loss.isFinite else {
                throw TrainingError.diverged("loss is \(step.loss) at epoch \(epoch + 1), batch \(b + 1); lower --lr")
            }
            lossSum += step.loss
            errors += step.errors
            try network.updateParameters {
                optimizer.update(&$0, gradients: step.gradients, lr: recipe.learningRate(atEpoch: epoch), threads: workers)
            }
            if progressInterval > 0, Date().timeIntervalSince(lastReport) >= progressInterval {
                lastReport = Date()
                let elapsed = lastReport.timeIntervalSince(epochStart)
                let regularizerText = grad == nil ? "" : String(
                    format: " (CE %.4f, R %.1f)", (lossSum - regularizerLossSum) / Double(b + 1), regularizerSum / Double(b + 1))
                log(String(
                    format: "  epoch %d  batch %d/%d  loss %.4f%@  %.0f s, epoch ETA %@", epoch + 1, b + 1, batches,
                    lossSum / Double(b + 1), regularizerText, elapsed,
                    formatDuration(elapsed / Double(b + 1) * Double(batches - b - 1))))
            }
        }
        let validationIndices = Array(0..<validation.count)
        let predicted = try network.predictions(try validation.inputs(validationIndices, as: Float.self))
        let correct = zip(predicted, validation.labels).filter { $0 == $1 }.count
        return EpochRecord(
            epoch: epoch + 1, loss: lossSum / Double(batches), trainError: Double(errors) / Double(order.count),
            validationAccuracy: Double(correct) / Double(validation.count), epsilon: eps,
            seconds: Date().timeIntervalSince(epochStart),
            regularizer: grad == nil ? nil : regularizerSum / Double(batches),
            regularizerLoss: grad == nil ? nil : regularizerLossSum / Double(batches))
    }

    /// `minibatchStep` with the minibatch split across `workers` threads, each gathering its own
    /// rows: each part's mean loss and gradient, weighted by its share of the rows.
    ///
    /// The parts are returned unsummed (`GradientParts`): the optimiser sums them in its own pass.
    func parallelStep(
        network: ReLUNetwork<Float>, indices: [Int], epsilon: Double, streamIndex: UInt64
    ) throws -> (loss: Double, gradients: GradientParts<Float>, errors: Int) {
        let chunks = evenChunks(indices.count, parts: workers)
        let (recipe, training) = (self.recipe, self.training)
        if chunks.count <= 1 {
            let step = try Self.minibatchStep(
                recipe: recipe, network: network, inputs: try training.inputs(indices), labels: training.labels(indices),
                epsilon: epsilon, streamIndex: streamIndex)
            return (step.loss, GradientParts(step.gradients), step.errors)
        }
        let parts = try parallelResults(chunks.count) { c in
            let rows = Array(indices[chunks[c]])
            return try Self.minibatchStep(
                recipe: recipe, network: network, inputs: try training.inputs(rows), labels: training.labels(rows),
                epsilon: epsilon, streamIndex: streamIndex &* 64 &+ UInt64(c))
        }
        var loss = 0.0, errors = 0
        var weights: [Float] = []
        for (c, part) in parts.enumerated() {
            let share = Double(chunks[c].count) / Double(indices.count)
            loss += share * part.loss
            errors += part.errors
            weights.append(Float(share))
        }
        return (loss, GradientParts(parts: parts.map(\.gradients), weights: weights), errors)
    }

    /// The loss, its gradient and the number of training errors of one minibatch.
    static func minibatchStep(
        recipe: TrainingRecipe, network: ReLUNetwork<Float>, inputs: Matrix<Float>, labels: [Int], epsilon: Double,
        streamIndex: UInt64
    ) throws -> (loss: Double, gradients: [[Float]], errors: Int) {
        switch recipe.kind {
        case .plain, .grad:  // grad: the regulariser is added once per step by `runEpoch`
            let trace = try network.trace(inputs)
            let (loss, g) = softmaxCrossEntropy(trace.scores, labels: labels)
            let grads = try network.backward(trace, scoreGradient: g).parameters?.flat ?? []
            return (Double(loss), grads, misclassified(trace.scores, labels))
        case .pgd:
            let options = PGDOptions(
                epsilon: epsilon, steps: recipe.pgdSteps, stepSize: recipe.pgdStepSize, restarts: 1,
                loss: .crossEntropy, randomStart: true, seed: recipe.seed &+ streamIndex)
            let attack = try pgdAttack(network: network, inputs: inputs, labels: labels, options: options)
            let w = Float(recipe.adversarialWeight)
            let clean = try network.trace(inputs)
            let adversarial = try network.trace(attack.adversarial)
            var (cleanLoss, gClean) = softmaxCrossEntropy(clean.scores, labels: labels)
            var (advLoss, gAdv) = softmaxCrossEntropy(adversarial.scores, labels: labels)
            for i in gClean.elements.indices { gClean.elements[i] *= 1 - w }
            for i in gAdv.elements.indices { gAdv.elements[i] *= w }
            cleanLoss *= 1 - w
            advLoss *= w
            var grads = try network.backward(clean, scoreGradient: gClean).parameters?.flat ?? []
            let advGrads = try network.backward(adversarial, scoreGradient: gAdv).parameters?.flat ?? []
            for t in grads.indices { for e in grads[t].indices { grads[t][e] += advGrads[t][e] } }
            return (Double(cleanLoss + advLoss), grads, attack.misclassified.filter { $0 }.count)
        case .lp:
            let result = try WongKolterLoss(network: network, inputs: inputs, labels: labels, epsilon: Float(epsilon))
            var errors = 0
            for i in 0..<inputs.rows
            where (0..<result.bounds.columns).contains(where: { $0 != labels[i] && result.bounds[i, $0] >= 0 }) {
                errors += 1
            }
            return (Double(result.loss), result.gradients, errors)
        }
    }

    private static func misclassified(_ scores: Matrix<Float>, _ labels: [Int]) -> Int {
        (0..<scores.rows).filter { argmax(scores.row($0)) != labels[$0] }.count
    }
}

/// `1h 02m`, `4m 05s` or `12s`.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
    return "\(s)s"
}
