import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// `experiments evaluate`: a network's name, architecture and clean accuracy.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Print a network's name, architecture and clean accuracy on MNIST points.",
        discussion: """
            The network is an HDF5 file in the format of network-format.md, or the name of a network \
            in experiments.yaml. Its input_shape picks the data: 28 × 28 (or 784) reads MNIST as is, \
            7 × 7 (or 49) reads it 4 × 4 max-pooled. Pixels are byte / 255.

            Examples:
              experiments evaluate --network networks/eran/mnist_2_20.h5 --indices 0-999
              experiments evaluate --network mnist_2_20 --split verification --points 100 --seed 1
              experiments evaluate --network LP-NN --points 100 --eps 0.1     # also unstable ReLUs at ε
            """)

    @Option(help: ArgumentHelp("A network file (.h5) or a network name from experiments.yaml.", valueName: "file|name"))
    var network: String

    @OptionGroup var points: PointOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Also count the hidden ReLUs that interval bounds (eq. 8) leave unstable (ℓ̂ < 0 < û) over the ε-ball of each point.")
    var eps: Double?

    @Option(help: "Output format: text or json (one object).")
    var format: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if let eps, !(eps >= 0 && eps.isFinite) { throw ValidationError("--eps must be ≥ 0 and finite, got \(eps)") }
    }

    func run() throws {
        let start = Date()
        let (net, file) = try loadNetwork(network, configPath: data.config)
        let variant = try MNISTVariant(inputShape: net.inputShape, networkName: net.name)
        let images = try variant.images(MNIST(directory: try data.mnistDirectory()), split: points.split)
        let indices = try points.selection().resolve(size: images.count)
        guard !indices.isEmpty else { throw CommandError("no points selected") }

        let evaluation = try Evaluation(network: net, images: images, indices: indices)
        var stability: ReLUStability? = nil
        if let eps {
            var count = ReLUStability(hiddenLayers: net.layers.count - 1)
            for index in indices {
                let x: Matrix<Double> = try images.inputs([index])
                count.add(try IntervalBounds(network: net, center: x.elements, epsilon: eps))
            }
            stability = count
        }
        let (correct, accuracy) = (evaluation.correct, evaluation.accuracy)
        let seconds = Date().timeIntervalSince(start)
        switch format {
        case .text:
            print("network       \(net.name)  (\(file))")
            print("architecture  \(net.architecture)  input \(net.inputShape) in [\(net.inputLower), \(net.inputUpper)]")
            print("points        \(points.split.rawValue), \(indices.count) point\(indices.count == 1 ? "" : "s")")
            print("accuracy      \(String(format: "%.4f", accuracy))  (\(correct)/\(indices.count))")
            if let stability, let eps {
                let layers = stability.active.indices.map { String(format: "%.1f %%", 100 * stability.unstableFraction(layer: $0)) }
                print("unstable      \(String(format: "%.1f %%", 100 * stability.unstableFraction)) of hidden ReLUs at ε = \(eps) (by layer: \(layers.joined(separator: ", ")))")
            }
            print("seconds       \(String(format: "%.2f", seconds))")
        case .json:
            var object: [String: Any] = [
                "network": net.name, "file": file, "architecture": net.architecture,
                "split": points.split.rawValue, "points": indices.count, "correct": correct,
                "accuracy": accuracy, "seconds": seconds,
            ]
            if let stability, let eps {
                object["eps"] = eps
                object["unstable_fraction"] = stability.unstableFraction
                object["unstable_fraction_by_layer"] = stability.active.indices.map { stability.unstableFraction(layer: $0) }
            }
            let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
