import ArgumentParser
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
            """)

    @Option(help: ArgumentHelp("A network file (.h5) or a network name from experiments.yaml.", valueName: "file|name"))
    var network: String

    @OptionGroup var points: PointOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Output format: text or json (one object).")
    var format: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let start = Date()
        let (net, file) = try loadNetwork(network, configPath: data.config)
        let variant = try MNISTVariant(inputShape: net.inputShape, networkName: net.name)
        let images = try variant.images(MNIST(directory: try data.mnistDirectory()), split: points.split)
        let indices = try points.selection().resolve(size: images.count)
        guard !indices.isEmpty else { throw CommandError("no points selected") }

        let evaluation = try Evaluation(network: net, images: images, indices: indices)
        let (correct, accuracy) = (evaluation.correct, evaluation.accuracy)
        let seconds = Date().timeIntervalSince(start)
        switch format {
        case .text:
            print("network       \(net.name)  (\(file))")
            print("architecture  \(net.architecture)  input \(net.inputShape) in [\(net.inputLower), \(net.inputUpper)]")
            print("points        \(points.split.rawValue), \(indices.count) point\(indices.count == 1 ? "" : "s")")
            print("accuracy      \(String(format: "%.4f", accuracy))  (\(correct)/\(indices.count))")
            print("seconds       \(String(format: "%.2f", seconds))")
        case .json:
            let object: [String: Any] = [
                "network": net.name, "file": file, "architecture": net.architecture,
                "split": points.split.rawValue, "points": indices.count, "correct": correct,
                "accuracy": accuracy, "seconds": seconds,
            ]
            let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
