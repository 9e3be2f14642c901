import Foundation
import LinearAlgebra
import Networks

/// What Grad-NN training carries besides the network: the regulariser (dual vectors and warm-start
/// eigenvectors) and the optimiser state of the dual vectors; saved in the checkpoint as
/// `epoch-K.grad.bin` (float32: duals, vectors, first moments, second moments).
struct GradTrainingState {
    var regularizer: GradRegularizer<Float>
    var optimizer: OptimizerState<Float>

    /// Fresh state for `recipe` (zero duals, seeded random warm starts).
    init(recipe: TrainingRecipe) {
        regularizer = GradRegularizer(
            inputs: recipe.sizes[0], hidden: recipe.sizes[1], classes: recipe.sizes[2],
            lanczosSteps: recipe.lanczosSteps, seed: recipe.seed)
        optimizer = OptimizerState(kind: recipe.optimizer, sizes: [regularizer.duals.elements.count])
    }

    /// One minibatch's regulariser: evaluates it at the current weights, takes an optimiser step on
    /// the duals, and returns the weighted value and network gradient to add to the loss.
    ///
    /// ```
    /// loss += s · R,   s = λ · ε / 4
    /// ```
    /// - Complexity: one `GradRegularizer.evaluate`.
    mutating func step(network: ReLUNetwork<Float>, epsilon: Double, recipe: TrainingRecipe) throws
        -> (value: Double, weighted: Double, gradients: [[Float]])
    {
        let evaluation = try regularizer.evaluate(network: network)
        let scale = recipe.regularization * epsilon / 4
        let s = Float(scale)
        var dual = [evaluation.dualGradient.elements]
        for i in dual[0].indices { dual[0][i] *= s }
        var duals = [regularizer.duals.elements]
        optimizer.update(&duals, gradients: dual, lr: recipe.dualLearningRate)
        regularizer.duals.elements = duals[0]
        let gradients = evaluation.networkGradients.map { $0.map { $0 * s } }
        return (evaluation.value, scale * evaluation.value, gradients)
    }

    /// Writes the state to `path`.
    func save(to path: String) throws {
        let flat = regularizer.duals.elements + regularizer.vectors.elements + optimizer.first[0]
            + (optimizer.second.first ?? [])
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try flat.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads the state written by `save` for `recipe` after `step` optimiser steps.
    ///
    /// - Throws: `TrainingError.checkpoint` naming the file when it is missing or does not fit.
    static func load(from path: String, recipe: TrainingRecipe, step: Int) throws -> GradTrainingState {
        var state = GradTrainingState(recipe: recipe)
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw TrainingError.checkpoint("\(path) is missing (the Grad-NN dual vectors)")
        }
        let values: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let n = state.regularizer.duals.elements.count
        let moments = state.optimizer.second.isEmpty ? 1 : 2
        guard values.count == n * (2 + moments) else {
            throw TrainingError.checkpoint("\(path) holds \(values.count) values, the recipe needs \(n * (2 + moments))")
        }
        state.regularizer.duals.elements = Array(values[0..<n])
        state.regularizer.vectors.elements = Array(values[n..<(2 * n)])
        state.optimizer = OptimizerState(
            kind: recipe.optimizer, step: step, first: [Array(values[(2 * n)..<(3 * n)])],
            second: moments == 2 ? [Array(values[(3 * n)...])] : [])
        return state
    }
}
