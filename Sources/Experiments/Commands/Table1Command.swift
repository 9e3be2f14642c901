import ArgumentParser
import Datasets
import Foundation
import LinearAlgebra
import Networks
import Training

/// `experiments table1`: paper 1's Table 1 on the networks of experiments.yaml.
struct Table1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table1",
        abstract: "Paper 1's Table 1: PGD-attack, SDP-cert, LP-cert and Grad-cert on every network of experiments.yaml.",
        discussion: """
            For each network of experiments.table1 (default: every network of the file) and the same \
            random test points (default 1000, seed 0) at ε = 0.1: runs PGD, then every certifier, and \
            prints the fraction not certified beside the paper's numbers. Writes OUT/table1.md, .csv and \
            .json. Each point is committed to the store (OUT/store.sqlite) as it finishes: an interrupted \
            run (Ctrl-C, a crash) resumes where it stopped, and re-running a finished table only re-renders \
            it. A network whose file is missing is trained first when it has a recipe.

            Points PGD breaks cannot be certified; SDP-cert and Grad-cert skip them (status "skipped").

            Examples:
              experiments table1
              experiments table1 --points 20 --out /tmp/quick
              experiments table1 --shard 1/2 --store a.sqlite   # and --shard 2/2 --store b.sqlite elsewhere
              experiments table1 --methods pgd,lp              # only these rows are computed
              experiments table1 --render-only                 # the tables from the store as it is
            """)

    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let (config, settings) = try options.prepare(data)
        let toRun = Set(try options.methodList() ?? settings.methods)
        let store = try ResultStore(path: options.storePath)
        let interruption = Interruption()
        interruption.install()
        let mnist = MNIST(directory: try data.mnistDirectory())
        let names = settings.networks ?? config.networks.map(\.name)
        var columns: [(name: String, subject: ComparisonRunner.Subject?, note: String?, images: ImageSet?)] = []
        for name in names {
            guard let entry = config.network(named: name) else { throw CommandError("table1: no network '\(name)' in \(data.config)") }
            let (subject, note) = try prepareSubject(entry, config: config, mnist: mnist, options: options)
            var images: ImageSet? = nil
            if let subject {
                let variant = try MNISTVariant(inputShape: subject.network.inputShape, networkName: name)
                images = try variant.images(mnist, split: settings.split)
            }
            columns.append((name, subject, note, images))
        }
        var runner = ComparisonRunner(store: store, config: settings, workers: options.workerCount)
        runner.interruption = interruption
        var rows: [Table1Report.Row] = []
        var cellsByMethod: [ComparisonMethod: [Table1Report.Cell]] = [:]
        // Runs the methods (what the store lacks) and collects the cells.
        func computeCells() throws {
            for (name, subject, note, images) in columns {
                guard let subject, let images else {
                    for m in settings.methods {
                        cellsByMethod[m, default: []].append(.init(
                            network: name, notCertified: nil, done: 0, total: settings.points, seconds: 0,
                            paper: Table1Report.paper[m.rawValue]?[name], note: note))
                    }
                    continue
                }
                let all = try PointSelection.random(count: min(settings.points, images.count), seed: settings.seed).resolve(size: images.count)
                let indices = options.shard.select(all)
                for m in orderForRunning(settings.methods) {
                    var cell = Table1Report.Cell(
                        network: name, notCertified: nil, done: 0, total: all.count, seconds: 0,
                        paper: Table1Report.paper[m.rawValue]?[name], note: nil)
                    if m == .grad, subject.network.layers.count != 2 {
                        cell.note = "n/a: Grad-cert needs one hidden layer"
                    } else if !interruption.requested, !options.renderOnly, toRun.contains(m) {
                        _ = try runner.run(m, on: subject, images: images, indices: indices)
                    }
                    let stored = try store.rows(runner.key(subject, m))
                    let finished = all.compactMap { stored[$0] }
                    if cell.note == nil, !finished.isEmpty {
                        cell.done = finished.count
                        cell.notCertified = Double(finished.filter { !$0.certified }.count) / Double(finished.count)
                        cell.seconds = finished.reduce(0) { $0 + $1.seconds }
                    }
                    cellsByMethod[m, default: []].append(cell)
                }
            }
        }
        if !options.renderOnly { store.beginRun(experiment: "table1") }
        do {
            try computeCells()
        } catch {
            try? store.endRun(status: "failed: \(error)")
            throw error
        }
        try store.endRun(status: interruption.requested ? "interrupted" : "finished")
        for m in settings.methods { rows.append(.init(method: m.rawValue, cells: cellsByMethod[m] ?? [])) }
        let report = Table1Report(
            eps: settings.eps, points: settings.points, seed: settings.seed, split: settings.split.rawValue,
            networks: columns.map(\.name), rows: rows, runs: try store.runs(experiment: "table1"))
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let base = (options.out as NSString).appendingPathComponent("table1")
        try atomicWrite(report.markdown(), to: base + ".md")
        try atomicWrite(report.csv(), to: base + ".csv")
        try atomicWrite(try report.json(), to: base + ".json")
        print(report.markdown())
        print("wrote \(base).md, .csv, .json (store: \(options.storePath))")
        if interruption.requested {
            FileHandle.standardError.write(Data("interrupted: finished points are saved; run the same command again to resume\n".utf8))
            throw ExitCode(130)
        }
    }

    /// PGD first: the certifiers skip what it breaks.
    func orderForRunning(_ methods: [ComparisonMethod]) -> [ComparisonMethod] {
        methods.filter { $0 == .pgd } + methods.filter { $0 != .pgd }
    }
}

/// Writes text to a file through a temporary file and a rename (never a half-written output).
func atomicWrite(_ text: String, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
        throw CommandError("\(path): cannot write")
    }
    if rename(temporary, path) != 0 { throw CommandError("\(path): cannot write (rename failed)") }
}
