import ArgumentParser
import Foundation

/// `experiments merge`: combines result stores (e.g. of `--shard` runs on several machines).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Copy every row of one or more result stores into another.",
        discussion: """
            Rows are keyed by (network file hash, method, options, ε, split, point); a row already in \
            the target with the same key is replaced.

            Example:
              experiments merge a.sqlite b.sqlite --into results/store.sqlite
            """)

    @Argument(help: "Stores to copy from.") var sources: [String]
    @Option(help: "The store to copy into (created when missing).") var into: String

    func validate() throws {
        if sources.isEmpty { throw ValidationError("give at least one store to merge") }
    }

    func run() throws {
        let target = try ResultStore(path: into)
        for source in sources {
            guard FileManager.default.fileExists(atPath: source) else { throw CommandError("\(source): no such store") }
            let n = try target.merge(try ResultStore(path: source))
            print("\(source): \(n) rows merged into \(into)")
        }
    }
}
