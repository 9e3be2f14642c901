import ArgumentParser
import Datasets

/// Which points of which split a command works on (architecture.md, "Points are chosen the same
/// way in every command").
public struct PointOptions: ParsableArguments {
    @Option(help: "The data split: test, train (first 59 000 training images) or verification (last 1 000).")
    public var split: Split = .test

    @Option(help: ArgumentHelp(
        "Indices and inclusive ranges of the split, e.g. 0-99 or 3,17,42 or 0-9,100-109.", valueName: "list"))
    public var indices: String?

    @Option(help: ArgumentHelp("Draw this many distinct random points of the split (see --seed).", valueName: "n"))
    public var points: Int?

    @Option(help: "Seed of the point draw (SplitMix64; the same points on every machine).")
    public var seed: UInt64 = 0

    public init() {}

    public func validate() throws {
        if indices != nil, points != nil {
            throw ValidationError("give either --indices or --points, not both")
        }
        if let points, points <= 0 { throw ValidationError("--points must be positive, got \(points)") }
        if let indices { _ = try PointSelection.parseIndices(indices) }
    }

    /// The selection these options describe (`.all` when neither --indices nor --points is given).
    public func selection() throws -> PointSelection {
        if let indices { return try PointSelection.parseIndices(indices) }
        if let points { return .random(count: points, seed: seed) }
        return .all
    }
}

extension Split: ExpressibleByArgument {}
