import ArgumentParser
import Attacks
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// `experiments attack`: ℓ∞ PGD on chosen points, one JSON line per point.
struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Run the ℓ∞ PGD attack on MNIST points: the lower bound of every table.",
        discussion: """
            Writes one JSON object per point to standard output:
              {"index": 17, "label": 3, "predicted": 5, "attacked": true, "clean_correct": true,
               "margin": -0.8, "seconds": 0.01}
            "margin" is min over y ≠ label of f(x_PGD)_label − f(x_PGD)_y (paper 1, Figure 3); "attacked" \
            is true when x_PGD is misclassified (a misclassified clean point counts). A summary with the \
            PGD error goes to standard error.

            Examples:
              experiments attack --network mnist_2_20 --eps 0.02 --indices 0-99
              experiments attack --network networks/paper1/pgd-nn.h5 --eps 0.1 --restarts 10 --points 1000
            """)

    @Option(help: ArgumentHelp("A network file or a network name from experiments.yaml.", valueName: "file|name"))
    var network: String

    @Option(help: "Radius ε of the ℓ∞ ball.")
    var eps: Double

    @Option(help: "Sign-gradient steps per restart.") var steps: Int = 40
    @Option(help: "Step size (default ε/4).") var stepSize: Double?
    @Option(help: "Random restarts (the worst point over all is kept; 10 as in Table 1's PGD row).") var restarts: Int = 10
    @Option(help: "Loss to ascend: margin or cross-entropy.") var loss: PGDLoss = .margin
    @Option(help: "Seed of the random starts.") var attackSeed: UInt64 = 0
    @Option(help: "Points per batch.") var batch: Int = 200
    @Option(help: "Threads the points are split across, one BLAS thread each (0 = all cores).") var threads: Int = 0

    @OptionGroup var points: PointOptions
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard eps >= 0, eps.isFinite else { throw ValidationError("--eps must be ≥ 0, got \(eps)") }
        guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0") }
        guard restarts >= 1 else { throw ValidationError("--restarts must be ≥ 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1") }
        if let stepSize, !(stepSize > 0) { throw ValidationError("--step-size must be positive") }
    }

    func run() throws {
        let (net, _) = try loadNetwork(network, configPath: data.config)
        let variant = try MNISTVariant(inputShape: net.inputShape, networkName: net.name)
        let images = try variant.images(MNIST(directory: try data.mnistDirectory()), split: points.split)
        let indices = try points.selection().resolve(size: images.count)
        var options = PGDOptions(
            epsilon: eps, steps: steps, stepSize: stepSize, restarts: restarts, loss: loss, seed: attackSeed)
        BLASThreads.count = 1
        options.workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let progress = ProgressReporter(total: indices.count, label: "attack \(net.name) ε=\(eps)")
        var attacked = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let start = Date()
        for first in stride(from: 0, to: indices.count, by: batch) {
            let chunk = Array(indices[first..<min(first + batch, indices.count)])
            let batchStart = Date()
            let x: Matrix<Double> = try images.inputs(chunk)
            let labels = images.labels(chunk)
            let clean = try net.predictions(x)
            let result = try pgdAttack(network: net, inputs: x, labels: labels, options: options)
            let perPoint = Date().timeIntervalSince(batchStart) / Double(chunk.count)
            for (k, index) in chunk.enumerated() {
                let line = AttackLine(
                    network: net.name, eps: eps, index: index, label: labels[k], predicted: result.predicted[k],
                    attacked: result.misclassified[k], clean_correct: clean[k] == labels[k],
                    margin: result.margins[k], seconds: perPoint)
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
                if result.misclassified[k] { attacked += 1 }
            }
            progress.update(done: first + chunk.count, detail: "PGD error so far \(percent(attacked, first + chunk.count))")
        }
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data((
            "PGD error \(percent(attacked, indices.count)) (\(attacked)/\(indices.count)) at ε = \(eps), "
                + "\(steps) steps × \(restarts) restart(s), \(String(format: "%.1f", seconds)) s\n").utf8))
    }
}

/// One JSON line of `attack`.
struct AttackLine: Codable {
    var network: String
    var eps: Double
    var index: Int
    var label: Int
    var predicted: Int
    var attacked: Bool
    var clean_correct: Bool
    var margin: Double
    var seconds: Double
}

/// `12.3%`.
func percent(_ part: Int, _ whole: Int) -> String {
    whole == 0 ? "n/a" : String(format: "%.1f%%", 100 * Double(part) / Double(whole))
}

extension PGDLoss: ExpressibleByArgument {}
