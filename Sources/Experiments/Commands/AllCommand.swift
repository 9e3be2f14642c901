import ArgumentParser

/// `experiments all`: every paper-1 output, one after the other, into the same folder and store.
struct AllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every table and figure of paper 1: table1, figure3, prop1, figure2.",
        discussion: """
            Runs the commands in that order with the same --out, --store, --points and --workers. Paper 2's \
            outputs (rank1, attack-gap) are not implemented yet.

            Example:
              experiments all --points 40
            """)

    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        var shared = ["--out", options.out, "--config", data.config]
        if let mnist = data.mnist { shared += ["--mnist", mnist] }
        var run = shared + ["--store", options.storePath, "--shard", options.shard.description]
        if let points = options.points { run += ["--points", "\(points)"] }
        if let workers = options.workers { run += ["--workers", "\(workers)"] }
        if options.noTrain { run.append("--no-train") }
        if options.renderOnly { run.append("--render-only") }
        try Table1Command.parse(run).run()
        try Figure3Command.parse(run).run()
        try Prop1Command.parse(["--out", options.out]).run()
        try Figure2Command.parse(["--out", options.out]).run()
    }
}
