import LinearAlgebra
import Networks

/// What a training run optimises.
public enum TrainingKind: String, Codable, Sendable, CaseIterable {
    /// Cross-entropy on clean inputs.
    case plain
    /// Paper 1's PGD-NN: `(1 − w)·CE(clean) + w·CE(PGD adversarial)`, PGD with cross-entropy loss.
    case pgd
    /// Wong & Kolter (2018) robust cross-entropy of the dual-network bound (paper 1's LP-NN).
    case lp
    /// Raghunathan, Steinhardt & Liang (ICLR 2018): cross-entropy plus λ·(ε/4)·(the Grad-cert dual
    /// bound summed over class pairs), with the dual vectors trained jointly (paper 1's Grad-NN).
    case grad
}

/// Everything that determines a trained network: the recipe recorded in its `description`.
///
/// Defaults per kind are declared once, in `TrainingRecipe.defaults(for:)`; experiments.yaml and
/// the command line state only what differs.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// The loss.
    public var kind: TrainingKind
    /// Layer widths from input to classes, e.g. `[784, 200, 100, 50, 10]` (a convolution's width is
    /// its flattened output, e.g. 16·13·13 = 2704).
    public var sizes: [Int]
    /// Passes over the `train` split.
    public var epochs: Int
    /// Minibatch size.
    public var batchSize: Int
    /// Learning rate (of the first epochs when `learningRateDecay` is set).
    public var learningRate: Double
    /// A step decay: from epoch `epoch` (1-based) on the learning rate is `learningRate · factor`.
    public struct LearningRateDecay: Codable, Equatable, Sendable {
        public var epoch: Int
        public var factor: Double
        public init(epoch: Int, factor: Double) {
            self.epoch = epoch
            self.factor = factor
        }
    }
    /// See `LearningRateDecay`; nil: a constant learning rate.
    public var learningRateDecay: LearningRateDecay? = nil
    /// The optimiser.
    public var optimizer: OptimizerKind
    /// Seed of initialisation, shuffling and PGD starts.
    public var seed: UInt64
    /// Training radius ε (pgd, lp).
    public var epsilon: Double
    /// pgd, lp, grad: ε grows linearly from `epsilonStart` to `epsilon` over `rampEpochs` epochs.
    public var epsilonStart: Double
    /// pgd, lp, grad: length of the ε ramp in epochs (0 = no ramp; pgd's default).
    public var rampEpochs: Int
    /// pgd: attack steps per minibatch.
    public var pgdSteps: Int
    /// pgd: attack step size.
    public var pgdStepSize: Double
    /// pgd: weight of the adversarial cross-entropy.
    public var adversarialWeight: Double
    /// grad: weight λ of the regulariser (times ε/4).
    public var regularization: Double = 0
    /// grad: learning rate of the dual vectors c (Adam, like the network's).
    public var dualLearningRate: Double = 0
    /// grad: Lanczos steps per minibatch (warm-started from the previous eigenvectors).
    public var lanczosSteps: Int = 0
    /// The convolutions among the layers, layers `0 ..< convolutions.count` (empty: all dense).
    /// They are trained as dense layers with tied gradients (`ConvolutionLayout.tieInPlace`).
    public var convolutions: [ConvolutionLayout] = []

    /// The defaults of a kind (paper 1's recipes; see the README's training section).
    public static func defaults(for kind: TrainingKind) -> TrainingRecipe {
        switch kind {
        case .plain:
            return TrainingRecipe(
                kind: .plain, sizes: [784, 200, 100, 50, 10], epochs: 10, batchSize: 128, learningRate: 1e-3,
                optimizer: .defaultAdam, seed: 0, epsilon: 0, epsilonStart: 0, rampEpochs: 0, pgdSteps: 0,
                pgdStepSize: 0, adversarialWeight: 0)
        case .pgd:
            return TrainingRecipe(
                kind: .pgd, sizes: [784, 200, 100, 50, 10], epochs: 20, batchSize: 128, learningRate: 1e-3,
                optimizer: .defaultAdam, seed: 0, epsilon: 0.3, epsilonStart: 0, rampEpochs: 0, pgdSteps: 40,
                pgdStepSize: 0.1, adversarialWeight: 1.0 / 3)
        case .lp:
            return TrainingRecipe(
                kind: .lp, sizes: [784, 500, 10], epochs: 20, batchSize: 50, learningRate: 1e-3,
                optimizer: .defaultAdam, seed: 0, epsilon: 0.1, epsilonStart: 0.01, rampEpochs: 10, pgdSteps: 0,
                pgdStepSize: 0, adversarialWeight: 0)
        case .grad:
            return TrainingRecipe(
                kind: .grad, sizes: [784, 500, 10], epochs: 20, batchSize: 50, learningRate: 1e-3,
                optimizer: .defaultAdam, seed: 0, epsilon: 0.1, epsilonStart: 0.01, rampEpochs: 3, pgdSteps: 0,
                pgdStepSize: 0, adversarialWeight: 0, regularization: 0.003, dualLearningRate: 1e-3, lanczosSteps: 12)
        }
    }

    /// The training radius in `epoch` (0-based): the lp / grad ramp, else `epsilon`.
    public func epsilon(atEpoch epoch: Int) -> Double {
        guard kind != .plain, rampEpochs > 0, epoch < rampEpochs else { return epsilon }
        return epsilonStart + (epsilon - epsilonStart) * Double(epoch + 1) / Double(rampEpochs)
    }

    /// The learning rate in `epoch` (0-based).
    public func learningRate(atEpoch epoch: Int) -> Double {
        guard let decay = learningRateDecay, epoch + 1 >= decay.epoch else { return learningRate }
        return learningRate * decay.factor
    }

    /// The architecture as `784-200-100-50-10` or `28x28-c16k4s2-c32k4s2-100-10` (`NetworkArchitecture`).
    public var architecture: String {
        (try? NetworkArchitecture(sizes: sizes, convolutions: convolutions))?.description
            ?? sizes.map(String.init).joined(separator: "-")
    }

    /// Sets `sizes` and `convolutions` from the text form of `NetworkArchitecture`.
    ///
    /// - Throws: `TrainingError.invalidRecipe` naming the offending token.
    public mutating func setArchitecture(_ text: String) throws(TrainingError) {
        do {
            let parsed = try NetworkArchitecture(parsing: text)
            (sizes, convolutions) = (parsed.sizes, parsed.convolutions)
        } catch {
            throw .invalidRecipe("arch: \(error.reason)")
        }
    }

    /// The input shape implied by the input width: 784 → 28 × 28, 49 → 7 × 7 (pooled MNIST).
    public var inputShape: [Int] {
        switch sizes.first {
        case 784: return [28, 28]
        case 49: return [7, 7]
        default: return [sizes.first ?? 0]
        }
    }

    /// A one-line summary recorded as the network file's `description`.
    public var summary: String {
        var parts = [
            "kind=\(kind.rawValue)", "arch=\(architecture)", "epochs=\(epochs)", "batch=\(batchSize)",
            "lr=\(learningRate)", "optimizer=\(optimizer.summary)", "seed=\(seed)",
        ]
        if let decay = learningRateDecay { parts.append("lr-decay=\(decay.factor)@epoch\(decay.epoch)") }
        switch kind {
        case .plain: break
        case .pgd:
            parts += ["eps=\(epsilon)", "pgd-steps=\(pgdSteps)", "pgd-step-size=\(pgdStepSize)", "adversarial-weight=\(adversarialWeight)"]
            if rampEpochs > 0 { parts += ["eps-start=\(epsilonStart)", "ramp-epochs=\(rampEpochs)"] }
        case .lp:
            parts += ["eps=\(epsilon)", "eps-start=\(epsilonStart)", "ramp-epochs=\(rampEpochs)"]
        case .grad:
            parts += [
                "eps=\(epsilon)", "eps-start=\(epsilonStart)", "ramp-epochs=\(rampEpochs)", "lambda=\(regularization)",
                "dual-lr=\(dualLearningRate)", "lanczos-steps=\(lanczosSteps)",
            ]
        }
        return parts.joined(separator: " ")
    }

    /// Checks the values; the message names the field.
    public func validate() throws(TrainingError) {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else { throw .invalidRecipe("arch must list ≥ 2 positive widths, got \(sizes)") }
        do { _ = try NetworkArchitecture(sizes: sizes, convolutions: convolutions) } catch {
            throw .invalidRecipe("arch: \(error.reason)")
        }
        if let first = convolutions.first, first.inputChannels != 1 || [first.inputHeight, first.inputWidth] != inputShape {
            throw .invalidRecipe("the first convolution takes \(first.inputShape), the images are \(inputShape)")
        }
        guard sizes.last == 10 else { throw .invalidRecipe("arch must end in 10 classes (MNIST), got \(architecture)") }
        guard sizes.first == 784 || sizes.first == 49 else {
            throw .invalidRecipe("arch must start with 784 (28 × 28) or 49 (7 × 7 pooled) inputs, got \(sizes[0])")
        }
        guard epochs > 0 else { throw .invalidRecipe("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw .invalidRecipe("batch must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw .invalidRecipe("lr must be positive, got \(learningRate)") }
        guard epsilon >= 0, epsilon.isFinite else { throw .invalidRecipe("eps must be ≥ 0, got \(epsilon)") }
        if let decay = learningRateDecay {
            guard decay.factor > 0, decay.factor.isFinite else { throw .invalidRecipe("lr-decay must be positive, got \(decay.factor)") }
            guard (1...epochs).contains(decay.epoch) else {
                throw .invalidRecipe("lr-decay-epoch must lie in 1…\(epochs) (epochs), got \(decay.epoch)")
            }
        }
        if kind == .pgd {
            guard pgdSteps > 0, pgdStepSize > 0 else { throw .invalidRecipe("pgd-steps and pgd-step-size must be positive") }
            guard (0...1).contains(adversarialWeight) else {
                throw .invalidRecipe("adversarial-weight must lie in [0, 1], got \(adversarialWeight)")
            }
        }
        if kind == .lp || kind == .grad, sizes.count != 3 {
            throw .invalidRecipe("\(kind.rawValue) training supports one hidden layer (e.g. 784-500-10), got \(architecture)")
        }
        if kind == .grad {
            guard regularization >= 0, regularization.isFinite else { throw .invalidRecipe("lambda must be ≥ 0, got \(regularization)") }
            guard dualLearningRate > 0, dualLearningRate.isFinite else {
                throw .invalidRecipe("dual-lr must be positive, got \(dualLearningRate)")
            }
            guard lanczosSteps > 0 else { throw .invalidRecipe("lanczos-steps must be positive, got \(lanczosSteps)") }
        }
    }
}

extension OptimizerKind {
    /// `adam`, `sgd(momentum=0.9)` or `nesterov(momentum=0.9)`.
    public var summary: String {
        switch self {
        case .adam: return "adam"
        case .sgd(let momentum, let nesterov): return "\(nesterov ? "nesterov" : "sgd")(momentum=\(momentum))"
        }
    }
}

/// A training run that cannot start or continue.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A recipe value is out of range.
    case invalidRecipe(String)
    /// A checkpoint exists but belongs to another recipe, or cannot be read.
    case checkpoint(String)
    /// The loss became NaN or infinite.
    case diverged(String)

    public var description: String {
        switch self {
        case .invalidRecipe(let m): return "invalid training recipe: \(m)"
        case .checkpoint(let m): return "checkpoint: \(m)"
        case .diverged(let m): return "training diverged: \(m)"
        }
    }
}
