import Datasets
import Foundation

/// The setup of a command that runs Table 1's comparison on one network (`figure3`, `ablation`):
/// the network from experiments.yaml (trained when missing and allowed), its points (Table 1's
/// random sample, then the shard), the store, and a runner that stops on Ctrl-C.
struct SingleNetworkRun {
    let subject: ComparisonRunner.Subject
    let images: ImageSet
    /// All points of the run, and the shard's part of them.
    let all: [Int], indices: [Int]
    let store: ResultStore
    let runner: ComparisonRunner
    let interruption: Interruption

    /// - Throws: `CommandError` naming `command` when the network is not in the configuration or
    ///   cannot be loaded or trained.
    init(command: String, network: String, config: ExperimentsConfig, settings: ComparisonConfig, options: RunOptions, data: DataOptions) throws {
        guard let entry = config.network(named: network) else {
            throw CommandError("\(command): no network '\(network)' in \(data.config) (known: \(config.networks.map(\.name).joined(separator: ", ")))")
        }
        let mnist = MNIST(directory: try data.mnistDirectory())
        let (prepared, note) = try prepareSubject(entry, config: config, mnist: mnist, options: options)
        guard let subject = prepared else { throw CommandError("\(command): network '\(network)' is \(note ?? "unavailable")") }
        self.subject = subject
        let variant = try MNISTVariant(inputShape: subject.network.inputShape, networkName: network)
        images = try variant.images(mnist, split: settings.split)
        all = try PointSelection.random(count: min(settings.points, images.count), seed: settings.seed).resolve(size: images.count)
        indices = options.shard.select(all)
        store = try ResultStore(path: options.storePath)
        interruption = Interruption()
        interruption.install()
        var runner = ComparisonRunner(store: store, config: settings, workers: options.workerCount)
        runner.interruption = interruption
        self.runner = runner
    }

    /// Runs `method` on the shard's points that the store lacks.
    func run(_ method: ComparisonMethod) throws {
        _ = try runner.run(method, on: subject, images: images, indices: indices)
    }

    /// The stored rows of `method` by point.
    func rows(_ method: ComparisonMethod) throws -> [Int: ResultRow] {
        try store.rows(runner.key(subject, method))
    }
}
