import Foundation
import LinearAlgebra
import Networks

/// One finished epoch, as reported and stored in the checkpoint.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's minibatches.
    public var loss: Double
    /// Training error of the epoch: clean (plain), on PGD points (pgd) or not certified by the
    /// training bound (lp).
    public var trainError: Double
    /// Clean accuracy on the `verification` split after the epoch.
    public var validationAccuracy: Double
    /// The ε trained at.
    public var epsilon: Double
    /// Wall-clock seconds of the epoch.
    public var seconds: Double
    /// grad: mean regulariser R over the epoch's minibatches (before the weight λ·ε/4).
    public var regularizer: Double? = nil
    /// grad: mean weighted regulariser λ·ε/4·R, the part of `loss` that is not cross-entropy.
    public var regularizerLoss: Double? = nil
}

/// The state of an interrupted training run, kept in a folder beside the output file.
///
/// ```
/// <out>.checkpoint/state.json     recipe, completed epochs, optimiser step, history
/// <out>.checkpoint/epoch-K.h5     the network after epoch K (float32)
/// <out>.checkpoint/epoch-K.bin    the optimiser moments after epoch K (float32, little-endian)
/// <out>.checkpoint/epoch-K.grad.bin  grad only: dual vectors, eigenvectors and their moments
/// ```
/// `state.json` is replaced atomically after the epoch files are complete, so a run killed at any
/// moment resumes from the last finished epoch.
struct TrainingCheckpoint {
    struct State: Codable {
        var recipe: TrainingRecipe
        var completedEpochs: Int
        var optimizerStep: Int
        var history: [EpochRecord]
    }

    let directory: String

    init(outputFile: String) { directory = outputFile + ".checkpoint" }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The saved run, if there is one; it must have been made by `recipe`.
    func load(recipe: TrainingRecipe) throws -> (network: ReLUNetwork<Float>, optimizer: OptimizerState<Float>, state: State)? {
        guard let data = FileManager.default.contents(atPath: path("state.json")) else { return nil }
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: data) } catch {
            throw TrainingError.checkpoint("\(path("state.json")) is unreadable (\(error)); delete \(directory) to start over")
        }
        guard state.recipe == recipe else {
            throw TrainingError.checkpoint(
                "\(directory) belongs to another recipe (\(state.recipe.summary)); delete it or use --restart")
        }
        let k = state.completedEpochs
        let network = try ReLUNetwork<Float>.read(from: path("epoch-\(k).h5"))
        guard let raw = FileManager.default.contents(atPath: path("epoch-\(k).bin")) else {
            throw TrainingError.checkpoint("\(path("epoch-\(k).bin")) is missing")
        }
        let values: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let sizes = network.flatParameters.map(\.count)
        let tensors = sizes.count
        let moments = Self.split(values, sizes: sizes + (values.count > sizes.reduce(0, +) ? sizes : []))
        guard moments.count == tensors || moments.count == 2 * tensors else {
            throw TrainingError.checkpoint("\(path("epoch-\(k).bin")) does not fit the network")
        }
        let optimizer = OptimizerState<Float>(
            kind: recipe.optimizer, step: state.optimizerStep, first: Array(moments[0..<tensors]),
            second: moments.count == 2 * tensors ? Array(moments[tensors...]) : [])
        return (network, optimizer, state)
    }

    /// Saves the run after an epoch and removes the previous epoch's files.
    func save(network: ReLUNetwork<Float>, optimizer: OptimizerState<Float>, state: State) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let k = state.completedEpochs
        try network.write(to: path("epoch-\(k).h5"))
        let flat = (optimizer.first + optimizer.second).flatMap { $0 }
        try flat.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path("epoch-\(k).bin")), options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: path("state.json")), options: .atomic)
        for old in ["epoch-\(k - 1).h5", "epoch-\(k - 1).bin", "epoch-\(k - 1).grad.bin"] { try? FileManager.default.removeItem(atPath: path(old)) }
    }

    /// The Grad-NN state file of epoch K (written before `save`, removed with the epoch's files).
    func gradStatePath(epoch k: Int) -> String { path("epoch-\(k).grad.bin") }

    /// Deletes the checkpoint folder (after the final network is written).
    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func split(_ values: [Float], sizes: [Int]) -> [[Float]] {
        guard sizes.reduce(0, +) == values.count else { return [] }
        var result: [[Float]] = []
        var start = 0
        for s in sizes {
            result.append(Array(values[start..<(start + s)]))
            start += s
        }
        return result
    }
}
