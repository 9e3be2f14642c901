import Foundation
import Yams

/// Which solver a paper-2 series uses for problem (B)'s relaxation.
public enum LeastSquaresSolver: String, CaseIterable, Sendable {
    /// CSDP's interior-point method (a maximum-rank solution; small networks).
    case csdp
    /// The structured interior-point method (`RowTermSDP`; the same maximum-rank solution as CSDP,
    /// its Schur complement formed from the rank-2 constraint terms).
    case ipm
    /// The rank-2 Burer–Monteiro program (large networks such as the CNN).
    case bm2
}

/// A log-spaced grid of radii ρ: `count` values from `from` to `to`.
public struct RadiusGrid: Equatable, Sendable {
    public var from: Double
    public var to: Double
    public var count: Int

    /// The radii, ascending. Each is rounded to 6 significant digits so that it is the same number
    /// (and the same store key) on every run.
    public var values: [Double] {
        guard count > 1 else { return [from] }
        return (0..<count).map { i in
            let v = from * Foundation.pow(to / from, Double(i) / Double(count - 1))
            return Double(String(format: "%.6g", v))!
        }
    }

    static func parse(_ node: Node, key: String, reader: ConfigReader) throws(ConfigError) -> RadiusGrid {
        let m = try reader.mapping(node, context: key, allowed: ["from", "to", "count"])
        var grid = RadiusGrid(from: 0.01, to: 100, count: 9)
        if let v = m["from"] { grid.from = try reader.positive(v, key: "\(key).from") }
        if let v = m["to"] { grid.to = try reader.positive(v, key: "\(key).to") }
        if let v = m["count"] { grid.count = try reader.integer(v, key: "\(key).count") }
        guard grid.from < grid.to || grid.count == 1 else { throw reader.error(node, "\(key): from must be below to") }
        return grid
    }
}

/// Figure 5a of paper 2 (`experiments.rank1`): the fraction of rank-1 solutions of problem (B)'s
/// relaxation over the first k layers of a network, per radius.
///
/// ```yaml
/// experiments:
///   rank1:
///     instances: 10                       # per series unless the series says (paper: 1000)
///     radii: {from: 0.01, to: 100, count: 9}
///     series:
///       - {network: dense-3, layers: 1, solver: ipm}
///       - {network: CNN, layers: 2, solver: bm2, instances: 5}
///       - {network: CNN, layers: 1, solver: bm2, instances: 9, time-limit: 300}
/// ```
/// Instance i (1, 2, …): x̂ = verification image i, ẑ = f_k(verification image i − 1). `time-limit`
/// (BM2 only) is the seconds one solve may take (default 60, `bm2DefaultTimeLimit`); any other
/// value is part of the store key (`…,time-limit=300.0`) and of the label (`CNN, k = 1 (BM2, 300 s)`),
/// so its rows never mix with the default's.
public struct Rank1Config: Equatable, Sendable {
    /// One line of the figure.
    public struct Series: Equatable, Sendable {
        public var network: String
        public var layers: Int
        public var solver: LeastSquaresSolver
        /// nil: the experiment's `instances`.
        public var instances: Int?
        /// BM2's seconds per solve; nil: the default (60).
        public var timeLimit: Double? = nil

        /// `dense-3, k = 2 (IPM)`, `CNN, k = 1 (BM2, 300 s)` (a time limit other than the default).
        public var label: String {
            let budget = timeLimit.flatMap { $0 == bm2DefaultTimeLimit ? nil : String(format: ", %g s", $0) } ?? ""
            return "\(network), k = \(layers) (\(solver.rawValue.uppercased())\(budget))"
        }
    }

    public var instances = 10
    public var radii = RadiusGrid(from: 0.01, to: 100, count: 9)
    public var series: [Series] = [
        Series(network: "dense-3", layers: 1, solver: .ipm), Series(network: "dense-3", layers: 2, solver: .ipm),
        Series(network: "dense-3", layers: 3, solver: .ipm), Series(network: "CNN", layers: 1, solver: .bm2, instances: 1),
        Series(network: "CNN", layers: 2, solver: .bm2, instances: 1),
    ]

    public init() {}

    static func parse(_ node: Node, reader: ConfigReader) throws(ConfigError) -> Rank1Config {
        let context = "experiments.rank1"
        var c = Rank1Config()
        let map = try reader.mapping(node, context: context, allowed: ["instances", "radii", "series"])
        if let v = map["instances"] { c.instances = try reader.integer(v, key: "\(context).instances") }
        if let v = map["radii"] { c.radii = try RadiusGrid.parse(v, key: "\(context).radii", reader: reader) }
        if let list = map["series"] {
            guard case .sequence(let items) = list, !items.isEmpty else {
                throw reader.error(list, "\(context).series must be a non-empty list of {network, layers, solver}")
            }
            c.series = []
            for (i, item) in items.enumerated() {
                let key = "\(context).series[\(i)]"
                let m = try reader.mapping(item, context: key, allowed: ["network", "layers", "solver", "instances", "time-limit"])
                let network = try reader.string(m["network"], key: "network", context: key, in: item)
                guard let layersNode = m["layers"] else { throw reader.error(item, "\(key): missing key 'layers'") }
                let layers = try reader.integer(layersNode, key: "\(key).layers")
                var solver = LeastSquaresSolver.csdp
                if let v = m["solver"] {
                    let text = try reader.string(v, key: "solver", context: key, in: item)
                    guard let s = LeastSquaresSolver(rawValue: text) else {
                        throw reader.error(v, "\(key).solver must be \(LeastSquaresSolver.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                    }
                    solver = s
                }
                let instances = try m["instances"].map { v throws(ConfigError) in try reader.integer(v, key: "\(key).instances") }
                let timeLimit = try m["time-limit"].map { v throws(ConfigError) in try reader.positive(v, key: "\(key).time-limit") }
                if timeLimit != nil, solver != .bm2 {
                    throw reader.error(item, "\(key).time-limit applies to solver bm2 only (the series' solver is \(solver.rawValue))")
                }
                c.series.append(Series(network: network, layers: layers, solver: solver, instances: instances, timeLimit: timeLimit))
            }
        }
        return c
    }
}

/// Figures 5b and 5c of paper 2 (`experiments.attack-gap`): problem (A) through (B) at finite ρ.
///
/// ```yaml
/// experiments:
///   attack-gap:
///     network: dense-1
///     instances: 1                         # verification images 0 … n−1
///     target: runner-up                    # or a class 0–9
///     radii: {from: 0.01, to: 1000, count: 26}
/// ```
public struct AttackGapConfig: Equatable, Sendable {
    public var network = "dense-1"
    public var instances = 1
    /// The class to flip to; nil: the runner-up class of x̂.
    public var target: Int? = nil
    public var radii = RadiusGrid(from: 0.01, to: 1000, count: 26)

    public init() {}

    static func parse(_ node: Node, reader: ConfigReader) throws(ConfigError) -> AttackGapConfig {
        let context = "experiments.attack-gap"
        var c = AttackGapConfig()
        let map = try reader.mapping(node, context: context, allowed: ["network", "instances", "target", "radii"])
        if let v = map["network"] { c.network = try reader.string(v, key: "network", context: context, in: node) }
        if let v = map["instances"] { c.instances = try reader.integer(v, key: "\(context).instances") }
        if let v = map["target"] {
            if case .scalar(let s) = v, s.string == "runner-up" {
                c.target = nil
            } else {
                c.target = try reader.integer(v, key: "\(context).target", minimum: 0)
            }
        }
        if let v = map["radii"] { c.radii = try RadiusGrid.parse(v, key: "\(context).radii", reader: reader) }
        return c
    }
}
