import Datasets
import Foundation
import LinearAlgebra
import Networks

/// Finds the network a command names: a file path (HDF5, or ONNX imported on the fly), or the
/// name of an entry of experiments.yaml.
///
/// - Throws: `CommandError` when neither fits, naming what was tried; `NetworkFileError` for a
///   file that exists but is not a valid network.
func loadNetwork(_ reference: String, configPath: String) throws -> (network: ReLUNetwork<Double>, file: String) {
    let fm = FileManager.default
    if fm.fileExists(atPath: reference) {
        if reference.lowercased().hasSuffix(".onnx") {
            return (try ReLUNetwork<Double>.importONNX(from: reference), reference)
        }
        return (try ReLUNetwork<Double>.read(from: reference), reference)
    }
    guard fm.fileExists(atPath: configPath) else {
        throw CommandError("\(reference): no such network file (and no \(configPath) to look the name up in)")
    }
    let config = try ExperimentsConfig.load(path: configPath)
    guard let entry = config.network(named: reference) else {
        let known = config.networks.map(\.name).joined(separator: ", ")
        throw CommandError("\(reference): no such network file, nor a network of that name in \(configPath) (known: \(known))")
    }
    let file = config.resolve(entry.file)
    guard fm.fileExists(atPath: file) else {
        let hint = entry.recipe.map { " (it is made by the training recipe '\($0)')" } ?? ""
        throw CommandError("network '\(entry.name)' of \(configPath): file \(file) does not exist yet\(hint)")
    }
    var network = try ReLUNetwork<Double>.read(from: file)
    network.name = entry.name
    return (network, file)
}

/// The MNIST variant a network reads, inferred from its `input_shape`.
enum MNISTVariant: Equatable {
    /// 28 × 28 pixels.
    case full
    /// 4 × 4 max-pooled, 7 × 7 pixels (paper 2's dense networks).
    case pooled4

    /// The variant for a network input shape.
    ///
    /// - Throws: `CommandError` for a shape that is neither 28 × 28 nor 7 × 7 (flat or not).
    init(inputShape: [Int], networkName: String) throws {
        let squeezed = inputShape.filter { $0 != 1 }
        switch squeezed {
        case [28, 28], [784]: self = .full
        case [7, 7], [49]: self = .pooled4
        default:
            throw CommandError(
                "network '\(networkName)' has input_shape \(inputShape) (\(inputShape.reduce(1, *)) values); "
                    + "MNIST gives 28 × 28 (784) or, max-pooled 4 × 4, 7 × 7 (49)")
        }
    }

    /// The images of `split` in this variant.
    func images(_ mnist: MNIST, split: Split) throws -> ImageSet {
        let images = try mnist.load(split)
        return self == .full ? images : try images.maxPooled(4)
    }
}
