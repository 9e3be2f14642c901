import ArgumentParser
import Datasets

/// Where the data and the configuration come from; shared by every command.
public struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Folder of the MNIST IDX files and their SHA256SUMS.",
        discussion: "Default: $SDPCERT_MNIST, else Data/mnist of the repository.", valueName: "dir"))
    public var mnist: String?

    @Option(name: .long, help: ArgumentHelp("The experiments configuration.", valueName: "file"))
    public var config: String = ExperimentsConfig.defaultFileName

    public init() {}

    /// The MNIST folder to use.
    func mnistDirectory() throws -> String {
        if let mnist { return mnist }
        guard let found = MNIST.locateDirectory() else {
            throw CommandError(
                "cannot find the MNIST files: run from the repository root, pass --mnist DIR or set SDPCERT_MNIST")
        }
        return found
    }
}
