import ArgumentParser

/// `experiments all`: every paper-1 output, one after the other, into the same folder and store.
struct AllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every table and figure of both papers: table1, figure3, ablation, prop1, figure2, rank1, attack-gap.",
        discussion: """
            Runs the commands in that order with the same --out, --store, --points and --workers (ablation \
            on at most 10 points, its interior point taking minutes per PGD-NN point; paper 2's commands \
            take the instance counts of experiments.yaml, or --instances).

            Example:
              experiments all --points 40
            """)

    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions
    @Option(help: ArgumentHelp("rank1 and attack-gap: instances instead of the configuration's.", valueName: "n"))
    var instances: Int?

    func run() throws {
        var shared = ["--out", options.out, "--config", data.config]
        if let mnist = data.mnist { shared += ["--mnist", mnist] }
        var common = shared + ["--store", options.storePath, "--shard", options.shard.description]
        if options.noTrain { common.append("--no-train") }
        if options.renderOnly { common.append("--render-only") }
        var run = common
        if let points = options.points { run += ["--points", "\(points)"] }
        if let workers = options.workers { run += ["--workers", "\(workers)"] }
        try Table1Command.parse(run).run()
        try Figure3Command.parse(run).run()
        var ablation = common + ["--points", "\(min(options.points ?? 10, 10))"]
        if let workers = options.workers { ablation += ["--workers", "\(workers)"] }
        try AblationCommand.parse(ablation).run()
        try Prop1Command.parse(["--out", options.out]).run()
        try Figure2Command.parse(["--out", options.out]).run()
        let paperTwo = common + (instances.map { ["--instances", "\($0)"] } ?? [])
        try Rank1Command.parse(paperTwo).run()
        try AttackGapCommand.parse(paperTwo).run()
    }
}
