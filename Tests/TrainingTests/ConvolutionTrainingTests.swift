import Datasets
import Foundation
import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Training

/// Convolutions trained as dense layers with tied gradients (TrainingRecipe+Convolutions.swift).
final class ConvolutionTrainingTests: XCTestCase {
    /// The tied gradient T(∂loss/∂W) equals central differences of the loss in each kernel and bias
    /// entry, on a tiny network 1×6×6 → conv 2 filters 3×3 stride 1 (2×4×4) → 5 → 3.
    func testTiedGradientMatchesFiniteDifferences() throws {
        let conv = try ConvolutionLayout(inputChannels: 1, inputHeight: 6, inputWidth: 6, filters: 2, kernel: 3, stride: 1)
        let net = try ReLUNetwork<Double>.randomlyInitialized(
            name: "t", sizes: [36, 32, 5, 3], convolutions: [conv], inputShape: [6, 6], seed: 3)
        XCTAssertEqual(net.layers[0].convolution, conv)
        var rng = SplitMix64.stream(seed: 9, index: 0)
        let x = try Matrix<Double>(rows: 4, columns: 36, elements: (0..<144).map { _ in rng.unitInterval() })
        let labels = [0, 1, 2, 1]
        func loss(_ n: ReLUNetwork<Double>) throws -> Double { softmaxCrossEntropy(try n.trace(x).scores, labels: labels).loss }

        let trace = try net.trace(x)
        let g = try net.backward(trace, scoreGradient: softmaxCrossEntropy(trace.scores, labels: labels).gradient).parameters!.flat
        let tied = conv.tie(weightGradient: g[0], biasGradient: g[1])
        let (kernel, bias) = try conv.kernel(of: net.layers[0])
        // θ = (K, β); perturbing one entry moves all its copies in the dense layer.
        func lossAt(_ theta: [Double]) throws -> Double {
            var p = net.flatParameters
            let layer = try conv.expand(kernel: Array(theta[..<conv.kernelSize]), bias: Array(theta[conv.kernelSize...]))
            (p[0], p[1]) = (layer.weight.elements, layer.bias)
            var n = net
            try n.setFlatParameters(p)
            return try loss(n)
        }
        let theta = kernel + bias, analytic = tied.kernel + tied.bias, h = 1e-6
        for q in theta.indices {
            var (plus, minus) = (theta, theta)
            plus[q] += h
            minus[q] -= h
            let numeric = (try lossAt(plus) - lossAt(minus)) / (2 * h)
            XCTAssertEqual(analytic[q], numeric, accuracy: 1e-7, q < conv.kernelSize ? "kernel entry \(q)" : "bias \(q - conv.kernelSize)")
        }
        XCTAssertGreaterThan(tied.kernel.map(abs).max()!, 1e-4, "a non-trivial gradient")
    }

    func cnnRecipe(_ optimizer: OptimizerKind, epochs: Int) throws -> TrainingRecipe {
        var r = TrainingRecipe.defaults(for: .plain)
        try r.setArchitecture("28x28-c4k4s2-c8k4s2-20-10")
        r.optimizer = optimizer
        r.learningRate = optimizer == .defaultAdam ? 1e-3 : 0.01
        r.epochs = epochs
        return r
    }

    /// Training steps with Nesterov SGD and with Adam keep the exact convolution structure (the
    /// weights move, every copy alike, zeros stay zero), and the written file records it.
    func testTrainingKeepsTheConvolutionStructure() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try trainingData(train: 640, validation: 200)
        for optimizer in [OptimizerKind.sgd(momentum: 0.9, nesterov: true), .defaultAdam] {
            let recipe = try cnnRecipe(optimizer, epochs: 1)
            XCTAssertEqual(recipe.sizes, [784, 676, 200, 20, 10])
            let initial = try ReLUNetwork<Float>.randomlyInitialized(
                name: "i", sizes: recipe.sizes, convolutions: recipe.convolutions, inputShape: recipe.inputShape, seed: recipe.seed)
            let out = dir.appendingPathComponent("cnn-\(optimizer.summary).h5").path
            let run = try quietTrainer(recipe, data).run(output: out, name: "cnn")
            XCTAssertNoThrow(try recipe.checkConvolutions(of: run.network))
            for k in 0..<2 {
                let conv = recipe.convolutions[k]
                let before = try conv.kernel(of: initial.layers[k]).kernel
                let after = try conv.kernel(of: run.network.layers[k]).kernel
                XCTAssertNotEqual(before, after, "layer \(k) was trained")
                XCTAssertEqual(run.network.layers[k].convolution, conv)
            }
            let back = try ReLUNetwork<Float>.read(from: out)
            XCTAssertEqual(back, run.network)
            XCTAssertEqual(back.architecture, "28x28-c4k4s2-c8k4s2-20-10")
            XCTAssertTrue(back.provenance?.contains("arch=28x28-c4k4s2-c8k4s2-20-10") ?? false, back.provenance ?? "")
        }
        // An untied step (the dense gradient as is) breaks the structure, and the check sees it.
        let recipe = try cnnRecipe(.defaultAdam, epochs: 1)
        var net = try ReLUNetwork<Float>.randomlyInitialized(
            name: "i", sizes: recipe.sizes, convolutions: recipe.convolutions, inputShape: recipe.inputShape, seed: 1)
        let x: Matrix<Float> = try data.0.inputs(Array(0..<64))
        let step = try Trainer.minibatchStep(
            recipe: recipe, network: net, inputs: x, labels: data.0.labels(Array(0..<64)), epsilon: 0, streamIndex: 0)
        var optimizer = OptimizerState<Float>(kind: recipe.optimizer, sizes: net.flatParameters.map(\.count))
        try net.updateParameters { optimizer.update(&$0, gradients: step.gradients, lr: 1e-3) }
        XCTAssertThrowsError(try recipe.checkConvolutions(of: net))
    }

    /// A convolution run stopped after one epoch resumes from its checkpoint to the weights (and
    /// structure) of an uninterrupted run.
    func testConvolutionRunResumesFromItsCheckpoint() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try quietTrainer(try cnnRecipe(.sgd(momentum: 0.9, nesterov: true), epochs: 2), trainingData(train: 384, validation: 100))
        let straight = try trainer.run(output: dir.appendingPathComponent("s.h5").path, name: "s")
        let out = dir.appendingPathComponent("r.h5").path
        _ = try trainer.run(output: out, name: "s", stopAfter: 1)
        let resumed = try trainer.run(output: out, name: "s")
        XCTAssertEqual(resumed.network.layers, straight.network.layers)
        XCTAssertEqual(resumed.network.layers.map(\.convolution), trainer.recipe.convolutions + [nil, nil])
    }

    func testRecipeArchitectures() throws {
        var r = TrainingRecipe.defaults(for: .plain)
        try r.setArchitecture("28x28-c16k4s2-c32k4s2-100-10")
        XCTAssertEqual(r.sizes, [784, 2704, 800, 100, 10])
        XCTAssertEqual(r.architecture, "28x28-c16k4s2-c32k4s2-100-10")
        XCTAssertNoThrow(try r.validate())
        XCTAssertTrue(r.summary.contains("arch=28x28-c16k4s2-c32k4s2-100-10"), r.summary)
        try r.setArchitecture("49-50-50-50-10")
        XCTAssertEqual(r.convolutions, [])
        XCTAssertEqual(r.architecture, "49-50-50-50-10")
        XCTAssertThrowsError(try r.setArchitecture("28x28-c16k4s2-100-c4k2-10")) { error in
            XCTAssertTrue("\(error)".contains("'c4k2'"), "\(error)")
        }
        // Convolutions must take the images: 7×7 pooled MNIST is not 28×28.
        try r.setArchitecture("7x7-c4k3s1-10")
        XCTAssertNoThrow(try r.validate())
        try r.setArchitecture("14x56-c4k3s1-10")
        XCTAssertThrowsError(try r.validate()) { XCTAssertTrue("\($0)".contains("first convolution"), "\($0)") }
        // Sizes edited by hand must still fit the convolutions.
        try r.setArchitecture("28x28-c4k4s2-10")
        r.sizes[1] = 600
        XCTAssertThrowsError(try r.validate())
        // A recipe round-trips through JSON (the checkpoint's state.json).
        try r.setArchitecture("28x28-c4k4s2-c8k4s2-20-10")
        XCTAssertEqual(try JSONDecoder().decode(TrainingRecipe.self, from: JSONEncoder().encode(r)), r)
    }
}
