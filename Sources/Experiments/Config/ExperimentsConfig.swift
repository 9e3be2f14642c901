import Foundation
import Training
import Yams

/// The decoded `experiments.yaml`: which networks the harness compares and how the ones we train
/// are made.
///
/// This is the first part of the schema (issue: experiments); every key is checked, and an
/// unknown key or bad value is an error naming the file, line and key.
public struct ExperimentsConfig: Equatable, Sendable {
    /// The networks, in the order they appear (the column order of the tables).
    public var networks: [NetworkEntry]
    /// Named training recipes (`recipes:`), each its kind's defaults plus what it states.
    public var recipes: [String: TrainingRecipe] = [:]
    /// Table 1's comparison (`experiments.table1`), defaults for absent keys.
    public var table1 = ComparisonConfig()
    /// Paper 2's Figure 5a (`experiments.rank1`).
    public var rank1 = Rank1Config()
    /// Paper 2's Figures 5b–c (`experiments.attack-gap`).
    public var attackGap = AttackGapConfig()
    /// The file the configuration came from (relative paths in it are relative to its folder).
    public var sourcePath: String

    /// The default file name, looked up in the current directory.
    public static let defaultFileName = "experiments.yaml"

    /// Reads and checks a configuration file.
    ///
    /// - Throws: `ConfigError` naming file, line and key.
    public static func load(path: String) throws(ConfigError) -> ExperimentsConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, message: "no such file (or unreadable)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses configuration text; `path` is used in messages and to resolve relative files.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> ExperimentsConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        let reader = ConfigReader(file: path)
        guard let root else { return ExperimentsConfig(networks: [], sourcePath: path) }
        let top = try reader.mapping(root, context: "the top level", allowed: ["networks", "recipes", "experiments"])
        var recipes: [String: TrainingRecipe] = [:]
        if let section = top["recipes"] {
            let entries = try reader.mapping(section, context: "recipes", allowed: nil)
            for (name, node) in entries { recipes[name] = try RecipeConfig.parse(node, name: name, reader: reader) }
        }
        var networks: [NetworkEntry] = []
        if let list = top["networks"] {
            guard case .sequence(let items) = list else {
                throw reader.error(list, "'networks' must be a list of entries with 'name' and 'file'")
            }
            for (i, item) in items.enumerated() {
                let entry = try NetworkEntry(node: item, index: i, reader: reader)
                if let recipe = entry.recipe, recipes[recipe] == nil {
                    throw reader.error(item, "networks[\(i)].recipe '\(recipe)' is not defined under recipes (defined: \(recipes.keys.sorted().joined(separator: ", ")))")
                }
                if let previous = networks.first(where: { $0.name == entry.name }) {
                    throw reader.error(item, "network name '\(entry.name)' is used twice (first for \(previous.file))")
                }
                networks.append(entry)
            }
        }
        var config = ExperimentsConfig(networks: networks, recipes: recipes, sourcePath: path)
        if let section = top["experiments"] {
            let entries = try reader.mapping(section, context: "experiments", allowed: ["table1", "rank1", "attack-gap"])
            if let node = entries["table1"] {
                config.table1 = try ComparisonConfig.parse(node, name: "table1", reader: reader)
                for name in config.table1.networks ?? [] where config.network(named: name) == nil {
                    throw reader.error(node, "experiments.table1.networks: '\(name)' is not a network of this file (known: \(networks.map(\.name).joined(separator: ", ")))")
                }
            }
            if let node = entries["rank1"] {
                config.rank1 = try Rank1Config.parse(node, reader: reader)
                for s in config.rank1.series where config.network(named: s.network) == nil {
                    throw reader.error(node, "experiments.rank1.series: '\(s.network)' is not a network of this file (known: \(networks.map(\.name).joined(separator: ", ")))")
                }
            }
            if let node = entries["attack-gap"] {
                config.attackGap = try AttackGapConfig.parse(node, reader: reader)
                if config.network(named: config.attackGap.network) == nil {
                    throw reader.error(node, "experiments.attack-gap.network: '\(config.attackGap.network)' is not a network of this file (known: \(networks.map(\.name).joined(separator: ", ")))")
                }
            }
        }
        return config
    }

    /// The entry called `name`, if any.
    public func network(named name: String) -> NetworkEntry? { networks.first { $0.name == name } }

    /// A path from the configuration, resolved against the configuration file's folder.
    public func resolve(_ file: String) -> String {
        if file.hasPrefix("/") { return file }
        let folder = (sourcePath as NSString).deletingLastPathComponent
        return folder.isEmpty ? file : (folder as NSString).appendingPathComponent(file)
    }
}

/// One network of the comparison.
public struct NetworkEntry: Equatable, Sendable {
    /// The name shown in tables.
    public var name: String
    /// The HDF5 network file (network-format.md), relative to the configuration file.
    public var file: String
    /// The training recipe that makes the file when it is missing (issue: trainers), if any.
    public var recipe: String?

    static let keys: Set<String> = ["name", "file", "recipe"]

    init(name: String, file: String, recipe: String? = nil) {
        self.name = name
        self.file = file
        self.recipe = recipe
    }

    init(node: Node, index: Int, reader: ConfigReader) throws(ConfigError) {
        let context = "networks[\(index)]"
        let map = try reader.mapping(node, context: context, allowed: Self.keys)
        name = try reader.string(map["name"], key: "name", context: context, in: node)
        file = try reader.string(map["file"], key: "file", context: context, in: node)
        recipe = try map["recipe"].map { value throws(ConfigError) in
            try reader.string(value, key: "recipe", context: context, in: node)
        }
    }
}

/// A configuration file that cannot be used: `experiments.yaml:12: networks[1]: unknown key 'flie'`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}

/// Helpers that read YAML nodes and report errors with their line numbers.
struct ConfigReader {
    let file: String

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, message: message)
    }

    /// A mapping node's entries, rejecting keys outside `allowed` (any key when nil).
    func mapping(_ node: Node, context: String, allowed: Set<String>?) throws(ConfigError) -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw error(node, "\(context) must be a mapping of keys to values") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "\(context): keys must be strings") }
            if let allowed, !allowed.contains(name) {
                throw error(key, "\(context): unknown key '\(name)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard result[name] == nil else { throw error(key, "\(context): key '\(name)' appears twice") }
            result[name] = value
        }
        return result
    }

    /// A required, non-empty string value.
    func string(_ node: Node?, key: String, context: String, in parent: Node) throws(ConfigError) -> String {
        guard let node else { throw error(parent, "\(context): missing key '\(key)'") }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw error(node, "\(context).\(key) must be a non-empty string")
        }
        return scalar.string
    }
}
