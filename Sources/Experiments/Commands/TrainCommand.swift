import ArgumentParser
import Datasets
import Foundation
import LinearAlgebra
import Training

/// `experiments train`: trains a network by a named recipe or a kind, resumable.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a ReLU network (plain, PGD-adversarial, LP-robust or SDP-regularised) on MNIST.",
        discussion: """
            Start from a named recipe of experiments.yaml (--recipe) or from a kind's defaults (--kind), \
            then override single values. A checkpoint is written after every epoch to OUT.checkpoint/; \
            running the same command again resumes there (--restart starts over). The network file \
            records the recipe in its description attribute.

            Examples:
              experiments train --recipe pgd-nn --out networks/paper1/pgd-nn.h5
              experiments train --kind plain --arch 784-100-10 --epochs 2 --out /tmp/plain.h5
              experiments train --recipe cnn --out networks/paper2/cnn.h5 --threads 1
              experiments train --recipe lp-nn --epochs 1 --out /tmp/lp.h5
              experiments train --recipe grad-nn --out networks/paper1/grad-nn.h5 --threads 1
            """)

    @Option(help: "A recipe name from experiments.yaml (recipes:).")
    var recipe: String?

    @Option(help: "Start from this kind's defaults instead: plain, pgd, lp or grad.")
    var kind: TrainingKind?

    @Option(help: ArgumentHelp("The network file to write.", valueName: "file"))
    var out: String

    @Option(help: "Network name (default: the recipe name or the file name).")
    var name: String?

    @Option(help: ArgumentHelp(
        "Layers: widths (784-200-100-50-10) or an image, convolutions c<filters>k<kernel>s<stride> and widths (28x28-c16k4s2-c32k4s2-100-10).",
        valueName: "layers"))
    var arch: String?

    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "Learning rate.") var lr: Double?
    @Option(help: "From this epoch (1-based) on, the learning rate is multiplied by --lr-decay.") var lrDecayEpoch: Int?
    @Option(help: "Factor of the learning-rate step decay (with --lr-decay-epoch).") var lrDecay: Double = 0.1
    @Option(help: "Minibatch size.") var batch: Int?
    @Option(help: "Seed of initialisation, shuffling and PGD.") var seed: UInt64?
    @Option(help: "Training radius ε (pgd, lp, grad).") var eps: Double?
    @Option(help: "grad: weight λ of the regulariser.") var lambda: Double?
    @Option(help: "grad: learning rate of the dual vectors.") var dualLr: Double?
    @Option(help: "grad: Lanczos steps per minibatch.") var lanczosSteps: Int?
    @Option(help: "Optimiser: adam, sgd or nesterov.") var optimizer: String?
    @Option(help: "Momentum of sgd / nesterov.") var momentum: Double = 0.9
    @Option(help: "Threads: each minibatch is split across them, one BLAS thread each (results are reproducible for a fixed count; 0 = all cores).")
    var threads: Int = 0
    @Flag(help: "Ignore an existing checkpoint and start over.") var restart = false
    @Option(help: "Seconds between progress lines inside an epoch.") var progressEvery: Double = 30

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (recipe == nil) != (kind == nil) else { throw ValidationError("give exactly one of --recipe and --kind") }
        if let arch {
            var probe = TrainingRecipe.defaults(for: .plain)
            do { try probe.setArchitecture(arch) } catch {
                guard case .invalidRecipe(let message) = error else { throw error }
                throw ValidationError("--\(message)")  // "--arch: …"
            }
        }
        if let optimizer, OptimizerKind(name: optimizer) == nil {
            throw ValidationError("--optimizer must be adam, sgd or nesterov, got '\(optimizer)'")
        }
    }

    /// The recipe after the command line's overrides.
    func resolvedRecipe() throws -> TrainingRecipe {
        var r: TrainingRecipe
        if let recipe {
            let config = try ExperimentsConfig.load(path: data.config)
            guard let named = config.recipes[recipe] else {
                throw CommandError("no recipe '\(recipe)' in \(data.config) (defined: \(config.recipes.keys.sorted().joined(separator: ", ")))")
            }
            r = named
        } else {
            r = TrainingRecipe.defaults(for: kind ?? .plain)
        }
        if let arch { try r.setArchitecture(arch) }
        if let epochs { r.epochs = epochs }
        if let lr { r.learningRate = lr }
        if let lrDecayEpoch { r.learningRateDecay = .init(epoch: lrDecayEpoch, factor: lrDecay) }
        if let batch { r.batchSize = batch }
        if let seed { r.seed = seed }
        if let eps { r.epsilon = eps }
        if let lambda { r.regularization = lambda }
        if let dualLr { r.dualLearningRate = dualLr }
        if let lanczosSteps { r.lanczosSteps = lanczosSteps }
        if let optimizer, let o = OptimizerKind(name: optimizer, momentum: momentum) { r.optimizer = o }
        try r.validate()
        return r
    }

    func run() throws {
        let recipe = try resolvedRecipe()
        BLASThreads.count = 1
        let mnist = MNIST(directory: try data.mnistDirectory())
        let variant = try MNISTVariant(inputShape: recipe.inputShape, networkName: name ?? out)
        var trainer = try Trainer(
            recipe: recipe, training: try variant.images(mnist, split: .train),
            validation: try variant.images(mnist, split: .verification))
        trainer.progressInterval = progressEvery
        trainer.workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let networkName = name ?? self.recipe ?? ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        let folder = (out as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let start = Date()
        let (_, history) = try trainer.run(output: out, name: networkName, restart: restart)
        print("wrote \(out): \(networkName), \(recipe.architecture), \(history.count) epochs in \(formatDuration(Date().timeIntervalSince(start)))")
    }
}

extension TrainingKind: ExpressibleByArgument {}
