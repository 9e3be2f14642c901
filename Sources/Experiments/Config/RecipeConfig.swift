import Training
import Yams

/// Reading the `recipes:` section of experiments.yaml: named training recipes, each the defaults
/// of its `kind` (TrainingRecipe.defaults) with the keys it states.
///
/// ```yaml
/// recipes:
///   pgd-nn: {kind: pgd}
///   dense-1: {kind: plain, arch: 49-50-10, optimizer: nesterov, lr: 0.01, epochs: 50}
///   cnn: {kind: plain, arch: 28x28-c16k4s2-c32k4s2-100-10, optimizer: nesterov, lr: 0.01, epochs: 50}
/// ```
enum RecipeConfig {
    /// The keys a recipe may state.
    static let keys: Set<String> = [
        "kind", "arch", "epochs", "batch", "lr", "optimizer", "momentum", "seed", "eps", "eps-start",
        "ramp-epochs", "pgd-steps", "pgd-step-size", "adversarial-weight", "lambda", "dual-lr", "lanczos-steps",
        "lr-decay-epoch", "lr-decay",
    ]

    static func parse(_ node: Node, name: String, reader: ConfigReader) throws(ConfigError) -> TrainingRecipe {
        let context = "recipes.\(name)"
        let map = try reader.mapping(node, context: context, allowed: keys)
        let kindText = try reader.string(map["kind"], key: "kind", context: context, in: node)
        guard let kind = TrainingKind(rawValue: kindText) else {
            throw reader.error(map["kind"] ?? node, "\(context).kind must be one of \(TrainingKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kindText)'")
        }
        var recipe = TrainingRecipe.defaults(for: kind)
        if let n = map["arch"] {
            let text = try reader.string(n, key: "arch", context: context, in: node)
            do { try recipe.setArchitecture(text) } catch {
                guard case .invalidRecipe(let message) = error else { throw reader.error(n, "\(context): \(error)") }
                throw reader.error(n, "\(context).\(message)")  // "recipes.a.arch: …"
            }
        }
        if let n = map["epochs"] { recipe.epochs = try reader.integer(n, key: "\(context).epochs") }
        if let n = map["batch"] { recipe.batchSize = try reader.integer(n, key: "\(context).batch") }
        if let n = map["lr"] { recipe.learningRate = try reader.number(n, key: "\(context).lr") }
        if let n = map["lr-decay-epoch"] {
            let epoch = try reader.integer(n, key: "\(context).lr-decay-epoch", minimum: 1)
            let factor = try map["lr-decay"].map { n throws(ConfigError) in try reader.number(n, key: "\(context).lr-decay") } ?? 0.1
            recipe.learningRateDecay = .init(epoch: epoch, factor: factor)
        } else if let n = map["lr-decay"] {
            throw reader.error(n, "\(context).lr-decay needs lr-decay-epoch (the epoch from which the rate is multiplied)")
        }
        if let n = map["seed"] { recipe.seed = UInt64(try reader.integer(n, key: "\(context).seed", minimum: 0)) }
        if let n = map["eps"] { recipe.epsilon = try reader.number(n, key: "\(context).eps") }
        if let n = map["eps-start"] { recipe.epsilonStart = try reader.number(n, key: "\(context).eps-start") }
        if let n = map["ramp-epochs"] { recipe.rampEpochs = try reader.integer(n, key: "\(context).ramp-epochs", minimum: 0) }
        if let n = map["pgd-steps"] { recipe.pgdSteps = try reader.integer(n, key: "\(context).pgd-steps") }
        if let n = map["pgd-step-size"] { recipe.pgdStepSize = try reader.number(n, key: "\(context).pgd-step-size") }
        if let n = map["adversarial-weight"] { recipe.adversarialWeight = try reader.number(n, key: "\(context).adversarial-weight") }
        if let n = map["lambda"] { recipe.regularization = try reader.number(n, key: "\(context).lambda") }
        if let n = map["dual-lr"] { recipe.dualLearningRate = try reader.number(n, key: "\(context).dual-lr") }
        if let n = map["lanczos-steps"] { recipe.lanczosSteps = try reader.integer(n, key: "\(context).lanczos-steps") }
        let momentum = try map["momentum"].map { n throws(ConfigError) in try reader.number(n, key: "\(context).momentum") } ?? 0.9
        if let n = map["optimizer"] {
            let text = try reader.string(n, key: "optimizer", context: context, in: node)
            guard let optimizer = OptimizerKind(name: text, momentum: momentum) else {
                throw reader.error(n, "\(context).optimizer must be adam, sgd or nesterov, got '\(text)'")
            }
            recipe.optimizer = optimizer
        }
        do { try recipe.validate() } catch { throw reader.error(node, "\(context): \(error)") }
        return recipe
    }
}

extension OptimizerKind {
    /// `adam`, `sgd` or `nesterov` (the latter two with the given momentum).
    init?(name: String, momentum: Double = 0.9) {
        switch name {
        case "adam": self = .defaultAdam
        case "sgd": self = .sgd(momentum: momentum, nesterov: false)
        case "nesterov": self = .sgd(momentum: momentum, nesterov: true)
        default: return nil
        }
    }
}

extension ConfigReader {
    /// An integer value (≥ `minimum`).
    func integer(_ node: Node, key: String, minimum: Int = 1) throws(ConfigError) -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string), v >= minimum else {
            throw error(node, "\(key) must be an integer ≥ \(minimum)")
        }
        return v
    }

    /// A finite number.
    func number(_ node: Node, key: String) throws(ConfigError) -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else {
            throw error(node, "\(key) must be a number")
        }
        return v
    }
}
