import Certifiers
import Datasets
import Yams

/// One comparison of paper 1 (Table 1 and the outputs read from the same results): which
/// networks, which radius and points, which methods with which options. Defaults are declared
/// here once; experiments.yaml states only what differs.
///
/// ```yaml
/// experiments:
///   table1:
///     networks: [Grad-NN, LP-NN, PGD-NN]   # default: every network of the file
///     eps: 0.1
///     points: 1000
///     seed: 0
///     methods: [pgd, sdp, lp, grad]
///     attack: {steps: 40, step-size: 0.025, restarts: 10}
///     sdp: {iterations: 1000, learning-rate: 0.001, rank: 8, polish-method: auto, polish-iterations: 200,
///           bundle-evaluations: 300, time-limit: 600, fail-fast: true, extend-iterations: 2000, extend-below: 2}
///     lp: {time-limit: 60}
/// ```
public struct ComparisonConfig: Equatable, Sendable {
    /// Network names (entries of `networks:`), in column order; nil = every network of the file.
    public var networks: [String]? = nil
    public var eps: Double = 0.1
    public var points: Int = 1000
    public var seed: UInt64 = 0
    public var split: Split = .test
    /// Rows of the table, in order.
    public var methods: [ComparisonMethod] = [.pgd, .sdp, .lp, .grad]
    public var attack = AttackSettings()
    public var sdp = SDPSettings()
    /// Seconds per target for the LP solver (nil: none).
    public var lpTimeLimit: Double? = nil

    /// PGD settings (paper 1: 40 steps; we add restarts).
    public struct AttackSettings: Equatable, Sendable {
        public var steps = 40
        /// nil: ε/4.
        public var stepSize: Double? = nil
        public var restarts = 10
        public var seed: UInt64 = 0
    }

    /// Options of the first-order SDP solver.
    public struct SDPSettings: Equatable, Sendable {
        public var iterations = SDPCertifier().iterations
        public var learningRate = SDPCertifier().learningRate
        public var rank = SDPCertifier().rank
        /// L-BFGS iterations after the Adam phase (polish method lbfgs).
        public var polishIterations = SDPCertifier().polishIterations
        /// The phase after Adam (`SDPCertifier.Polish`: auto, lbfgs, alm, bundle).
        public var polish = SDPCertifier().polish
        /// Mixing solves of the bundle polish.
        public var bundleEvaluations = SDPCertifier().bundleEvaluations
        /// Seconds per point (nil: none).
        public var timeLimit: Double? = 600
        /// Stop a point at its first uncertified target (Table 1 needs only certified or not).
        public var failFast = true
        /// Extra Adam iterations for a target whose bound ends in [0, extendBelow) (`SDPCertifier`).
        public var extensionIterations = 2000
        public var extendBelow = 2.0
    }

    public init() {}

    static let keys: Set<String> = ["networks", "eps", "points", "seed", "split", "methods", "attack", "sdp", "lp"]

    /// Reads `experiments.NAME` (absent keys keep their defaults).
    static func parse(_ node: Node, name: String, reader: ConfigReader) throws(ConfigError) -> ComparisonConfig {
        let context = "experiments.\(name)"
        var c = ComparisonConfig()
        let map = try reader.mapping(node, context: context, allowed: keys)
        if let n = map["networks"] { c.networks = try reader.stringList(n, key: "\(context).networks") }
        if let n = map["eps"] {
            c.eps = try reader.number(n, key: "\(context).eps")
            guard c.eps >= 0 else { throw reader.error(n, "\(context).eps must be ≥ 0") }
        }
        if let n = map["points"] { c.points = try reader.integer(n, key: "\(context).points") }
        if let n = map["seed"] { c.seed = UInt64(try reader.integer(n, key: "\(context).seed", minimum: 0)) }
        if let n = map["split"] {
            let text = try reader.string(n, key: "split", context: context, in: node)
            guard let split = Split(rawValue: text) else {
                throw reader.error(n, "\(context).split must be test, train or verification, got '\(text)'")
            }
            c.split = split
        }
        if let n = map["methods"] {
            c.methods = []
            for text in try reader.stringList(n, key: "\(context).methods") {
                guard let m = ComparisonMethod(rawValue: text) else {
                    throw reader.error(n, "\(context).methods: unknown method '\(text)' (known: \(ComparisonMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                c.methods.append(m)
            }
        }
        if let n = map["attack"] {
            let m = try reader.mapping(n, context: "\(context).attack", allowed: ["steps", "step-size", "restarts", "seed"])
            if let v = m["steps"] { c.attack.steps = try reader.integer(v, key: "\(context).attack.steps") }
            if let v = m["step-size"] { c.attack.stepSize = try reader.positive(v, key: "\(context).attack.step-size") }
            if let v = m["restarts"] { c.attack.restarts = try reader.integer(v, key: "\(context).attack.restarts") }
            if let v = m["seed"] { c.attack.seed = UInt64(try reader.integer(v, key: "\(context).attack.seed", minimum: 0)) }
        }
        if let n = map["sdp"] {
            let m = try reader.mapping(
                n, context: "\(context).sdp", allowed: [
                    "iterations", "learning-rate", "rank", "polish-method", "polish-iterations", "bundle-evaluations", "time-limit", "fail-fast",
                    "extend-iterations", "extend-below",
                ])
            if let v = m["iterations"] { c.sdp.iterations = try reader.integer(v, key: "\(context).sdp.iterations") }
            if let v = m["learning-rate"] { c.sdp.learningRate = try reader.positive(v, key: "\(context).sdp.learning-rate") }
            if let v = m["polish-iterations"] { c.sdp.polishIterations = try reader.integer(v, key: "\(context).sdp.polish-iterations", minimum: 0) }
            if let v = m["polish-method"] {
                let text = try reader.string(v, key: "polish-method", context: "\(context).sdp", in: n)
                guard let polish = SDPCertifier.Polish(rawValue: text) else {
                    throw reader.error(v, "\(context).sdp.polish-method must be one of \(SDPCertifier.Polish.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                }
                c.sdp.polish = polish
            }
            if let v = m["bundle-evaluations"] { c.sdp.bundleEvaluations = try reader.integer(v, key: "\(context).sdp.bundle-evaluations", minimum: 1) }
            if let v = m["rank"] { c.sdp.rank = try reader.integer(v, key: "\(context).sdp.rank", minimum: 2) }
            if let v = m["time-limit"] { c.sdp.timeLimit = try reader.positive(v, key: "\(context).sdp.time-limit") }
            if let v = m["fail-fast"] { c.sdp.failFast = try reader.boolean(v, key: "\(context).sdp.fail-fast") }
            if let v = m["extend-iterations"] { c.sdp.extensionIterations = try reader.integer(v, key: "\(context).sdp.extend-iterations", minimum: 0) }
            if let v = m["extend-below"] { c.sdp.extendBelow = try reader.positive(v, key: "\(context).sdp.extend-below") }
        }
        if let n = map["lp"] {
            let m = try reader.mapping(n, context: "\(context).lp", allowed: ["time-limit"])
            if let v = m["time-limit"] { c.lpTimeLimit = try reader.positive(v, key: "\(context).lp.time-limit") }
        }
        return c
    }
}

/// A row of Table 1: the attack (a lower bound on the error) or a certifier.
public enum ComparisonMethod: String, CaseIterable, Sendable {
    case pgd, sdp, lp, grad, interval
    /// SDP-cert without the hidden layers' box constraints (paper 1, §6 remark), by the
    /// structured interior point with fail-fast (`experiments ablation`).
    case sdpAblation = "sdp-ablation"
}

extension ConfigReader {
    /// A positive finite number.
    func positive(_ node: Node, key: String) throws(ConfigError) -> Double {
        let v = try number(node, key: key)
        guard v > 0 else { throw error(node, "\(key) must be positive") }
        return v
    }

    /// A boolean: true or false.
    func boolean(_ node: Node, key: String) throws(ConfigError) -> Bool {
        guard case .scalar(let s) = node, s.string == "true" || s.string == "false" else {
            throw error(node, "\(key) must be true or false")
        }
        return s.string == "true"
    }

    /// A list of non-empty strings.
    func stringList(_ node: Node, key: String) throws(ConfigError) -> [String] {
        guard case .sequence(let items) = node else { throw error(node, "\(key) must be a list") }
        var out: [String] = []
        for item in items {
            guard case .scalar(let s) = item, !s.string.isEmpty else { throw error(item, "\(key): entries must be non-empty strings") }
            out.append(s.string)
        }
        return out
    }
}
