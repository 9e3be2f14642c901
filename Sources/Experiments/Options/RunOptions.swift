import ArgumentParser
import Foundation
import LinearAlgebra

/// Options every comparison command shares: where results go, which part of the points, how
/// many at once.
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder for the tables, figures and the store.", valueName: "dir"))
    var out = "results"
    @Option(help: ArgumentHelp("The SQLite result store (default: OUT/store.sqlite).", valueName: "file"))
    var store: String?
    @Option(help: ArgumentHelp("Use this many points instead of the configuration's (a quick look).", valueName: "n"))
    var points: Int?
    @Option(help: ArgumentHelp("Run only shard k of n of the points (merge the stores with `experiments merge`).", valueName: "k/n"))
    var shard: Shard = .whole
    @Option(help: "Points certified at once (default: the number of cores).") var workers: Int?
    @Flag(help: "Do not train networks whose file is missing (their column is left empty).") var noTrain = false
    @Option(help: ArgumentHelp("Run only these methods (comma-separated), e.g. pgd,lp.", valueName: "list"))
    var methods: String?
    @Flag(help: "Compute nothing: render the outputs from what the store already has.") var renderOnly = false

    func validate() throws {
        if let points, points <= 0 { throw ValidationError("--points must be positive, got \(points)") }
        if let workers, workers <= 0 { throw ValidationError("--workers must be positive, got \(workers)") }
        _ = try methodList()
    }

    /// The methods of --methods, nil when not given.
    func methodList() throws -> [ComparisonMethod]? {
        guard let methods else { return nil }
        return try methods.split(separator: ",").map { text in
            guard let m = ComparisonMethod(rawValue: String(text)) else {
                throw ValidationError("--methods: unknown method '\(text)' (known: \(ComparisonMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return m
        }
    }

    /// The configuration and its Table 1 comparison with --points applied; one BLAS thread (the
    /// runs are parallel over points).
    func prepare(_ data: DataOptions) throws -> (ExperimentsConfig, ComparisonConfig) {
        BLASThreads.count = 1
        let config = try ExperimentsConfig.load(path: data.config)
        var settings = config.table1
        if let points { settings.points = points }
        return (config, settings)
    }

    var storePath: String { store ?? (out as NSString).appendingPathComponent("store.sqlite") }
    var workerCount: Int { workers ?? ProcessInfo.processInfo.activeProcessorCount }
}
