import Datasets
import Foundation
import Networks
import Training

/// The network of an entry, trained from its recipe when the file is missing.
func prepareSubject(_ entry: NetworkEntry, config: ExperimentsConfig, mnist: MNIST, options: RunOptions) throws -> (ComparisonRunner.Subject?, String?) {
    try prepareSubject(
        entry, config: config, mnist: mnist, mayTrain: !(options.noTrain || options.renderOnly), workers: options.workerCount)
}

/// The network of an entry, trained from its recipe (with `workers` threads) when the file is
/// missing and `mayTrain`; otherwise nil and the reason.
func prepareSubject(
    _ entry: NetworkEntry, config: ExperimentsConfig, mnist: MNIST, mayTrain: Bool, workers: Int
) throws -> (ComparisonRunner.Subject?, String?) {
    let file = config.resolve(entry.file)
    if !FileManager.default.fileExists(atPath: file) {
        guard let recipeName = entry.recipe, let recipe = config.recipes[recipeName] else {
            return (nil, "missing: \(entry.file) does not exist and has no recipe")
        }
        if !mayTrain { return (nil, "missing: \(entry.file) does not exist (--no-train)") }
        FileHandle.standardError.write(Data("\(entry.name): \(file) is missing; training recipe '\(recipeName)'\n".utf8))
        let variant = try MNISTVariant(inputShape: recipe.inputShape, networkName: entry.name)
        var trainer = try Trainer(
            recipe: recipe, training: try variant.images(mnist, split: .train),
            validation: try variant.images(mnist, split: .verification))
        trainer.workers = workers
        let folder = (file as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        _ = try trainer.run(output: file, name: entry.name, restart: false)
    }
    guard let bytes = FileManager.default.contents(atPath: file) else { throw CommandError("\(file): cannot read") }
    var network = try ReLUNetwork<Double>.read(from: file)
    network.name = entry.name
    return (ComparisonRunner.Subject(name: entry.name, network: network, hash: SHA256.hexDigest(SHA256.digest([UInt8](bytes)))), nil)
}
