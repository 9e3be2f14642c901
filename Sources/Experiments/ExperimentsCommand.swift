import ArgumentParser

/// The root command `experiments`: every table, figure and building block of the harness.
public struct ExperimentsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "Certify neural networks against adversarial examples with SDP, LP and interval relaxations.",
        discussion: """
            Reproduces Raghunathan, Steinhardt, Liang (NeurIPS 2018) and R. Y. Zhang (NeurIPS 2020). \
            Networks are HDF5 files (network-format.md); the comparison is configured in experiments.yaml.
            """,
        subcommands: [
            EvaluateCommand.self, TrainCommand.self, AttackCommand.self, CertifyCommand.self, ImportCommand.self,
            Table1Command.self, Figure3Command.self, AblationCommand.self, AllCommand.self, Prop1Command.self, Figure2Command.self, Rank1Command.self, AttackGapCommand.self, MergeCommand.self, BenchTrainingCommand.self, BenchCertifyCommand.self, BenchGradCommand.self, BenchRank1Command.self,
        ])

    public init() {}
}
