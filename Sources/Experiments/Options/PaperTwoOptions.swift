import ArgumentParser
import Foundation
import LinearAlgebra

/// Options the paper-2 commands (`rank1`, `attack-gap`) share: where results go, how many
/// instances, which part of the solves.
struct PaperTwoOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder for the figures, CSV, Markdown and the store.", valueName: "dir"))
    var out = "results"
    @Option(help: ArgumentHelp("The SQLite result store (default: OUT/store.sqlite).", valueName: "file"))
    var store: String?
    @Option(help: ArgumentHelp(
        "Instances per series instead of the configuration's (the paper used 1000).", valueName: "n"))
    var instances: Int?
    @Option(help: ArgumentHelp("Run only shard k of n of the solves (merge the stores with `experiments merge`).", valueName: "k/n"))
    var shard: Shard = .whole
    @Flag(help: "Do not train networks whose file is missing (their series is left out).") var noTrain = false
    @Flag(help: "Compute nothing: render the outputs from what the store already has.") var renderOnly = false

    func validate() throws {
        if let instances, instances <= 0 { throw ValidationError("--instances must be positive, got \(instances)") }
    }

    /// The configuration, with one BLAS thread (the solves' dense products are small; one thread
    /// is faster on a busy machine).
    func prepare(_ data: DataOptions) throws -> ExperimentsConfig {
        BLASThreads.count = 1
        return try ExperimentsConfig.load(path: data.config)
    }

    var storePath: String { store ?? (out as NSString).appendingPathComponent("store.sqlite") }

    /// The base path `OUT/name` of an output, creating OUT.
    func output(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        return (out as NSString).appendingPathComponent(name)
    }
}
