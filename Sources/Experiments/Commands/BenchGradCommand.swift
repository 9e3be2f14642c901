import ArgumentParser
import Foundation
import LinearAlgebra
import Networks
import Training

/// `experiments bench-grad`: the Grad-NN regulariser's eigen-work timed, dense LAPACK against
/// warm-started Lanczos, at equal footing (the eigenvalue error of each Lanczos setting is reported).
struct BenchGradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-grad",
        abstract: "Time the Grad-NN regulariser's λ_max work: dense LAPACK vs cold and warm Lanczos.",
        discussion: """
            On a 1-hidden-layer network (default the shipped LP-NN, 784-500-10, D = 1285) and the 45 \
            class pairs: (a) LAPACK ssyevr/dsyevr for the largest eigenpair of each dense M − diag c; \
            (b) Lanczos from random starts; (c) Lanczos warm-started from the previous eigenvectors \
            after the weights took one Adam-sized step (every weight moved by ±lr). Errors are \
            |θ − λ_max| against double-precision LAPACK, relative to max |λ_max|.
            """)

    @Option(help: ArgumentHelp("A one-hidden-layer network file.", valueName: "file"))
    var network = "networks/paper1/lp-nn.h5"
    @Option(help: "Pairs timed with dense LAPACK (scaled to 45).") var densePairs = 3
    @Option(help: "Lanczos step counts to try.") var steps: [Int] = [4, 8, 12, 20, 40]
    @Option(help: "Size of the simulated weight step.") var lr: Double = 1e-3
    @Option(help: "Simulated optimiser steps between warm-started evaluations.") var repeats = 5
    @Option(help: ArgumentHelp("Dual vectors c from a grad checkpoint (OUT.checkpoint/epoch-K.grad.bin; default c = 0).", valueName: "file"))
    var duals: String?

    /// The dual vectors of a `epoch-K.grad.bin` (its first pairs × D float32 values).
    /// The dual vectors and the training's warm-start eigenvectors of a `epoch-K.grad.bin` (its
    /// first 2 · pairs · D float32 values).
    func loadDuals(count: Int) throws -> (duals: [Float], vectors: [Float])? {
        guard let duals else { return nil }
        guard let raw = FileManager.default.contents(atPath: duals) else { throw CommandError("cannot read --duals \(duals)") }
        let values: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        guard values.count >= 2 * count else { throw CommandError("--duals \(duals) holds \(values.count) values, need \(2 * count)") }
        return (Array(values[0..<count]), Array(values[count..<(2 * count)]))
    }

    func run() throws {
        BLASThreads.count = 1
        let net = try ReLUNetwork<Float>.read(from: network)
        guard net.layers.count == 2 else { throw CommandError("\(network) must have one hidden layer, it is \(net.architecture)") }
        let sizes = [net.inputSize, net.hiddenSizes[0], net.classCount]
        var reference = GradRegularizer<Double>(inputs: sizes[0], hidden: sizes[1], classes: sizes[2])
        let pairs = reference.pairs.count
        let c = try loadDuals(count: pairs * reference.size)
        print("network \(network) (\(net.architecture)), D = \(reference.size), \(pairs) pairs, duals \(duals ?? "c = 0")")
        func withDuals<S>(_ r: GradRegularizer<S>) -> GradRegularizer<S> {
            var r = r
            if let c { r.duals.elements = c.duals.map { S($0) } }
            return r
        }
        reference = withDuals(reference)

        // (a) Dense LAPACK, Float and Double, on a few pairs.
        let count = min(densePairs, pairs)
        let floatReg = withDuals(GradRegularizer<Float>(inputs: sizes[0], hidden: sizes[1], classes: sizes[2]))
        var start = Date()
        for p in 0..<count { _ = try floatReg.denseMatrix(network: net, pair: p).symmetricEigen(.largest) }
        let floatDense = Date().timeIntervalSince(start) / Double(count)
        let netD = try net.converted(to: Double.self)
        start = Date()
        for p in 0..<count { _ = try reference.denseMatrix(network: netD, pair: p).symmetricEigen(.largest) }
        let doubleDense = Date().timeIntervalSince(start) / Double(count)
        print(String(format: "LAPACK syevr (largest pair, dense D × D): float %.3f s, double %.3f s per pair → %.1f s / %.1f s per step of %d pairs",
                     floatDense, doubleDense, floatDense * Double(pairs), doubleDense * Double(pairs), pairs))

        // Exact eigenvalues (double LAPACK) for the error columns.
        func exact(_ n: ReLUNetwork<Float>) throws -> [Double] {
            var r = withDuals(GradRegularizer<Double>(inputs: sizes[0], hidden: sizes[1], classes: sizes[2]))
            return try r.evaluateExactly(network: try n.converted(to: Double.self)).eigenvalues
        }
        let truth = try exact(net)
        let scale = truth.map(abs).max() ?? 1

        // (b) cold and (c) warm Lanczos.
        var rng = SplitMix64(seed: 5)
        var moved = net
        var parameters = moved.flatParameters
        for t in parameters.indices { for e in parameters[t].indices { parameters[t][e] += Float(lr) * (rng.unitInterval() < 0.5 ? -1 : 1) } }
        try moved.setFlatParameters(parameters)
        let truthMoved = try exact(moved)
        print(String(format: "max |λ_max| = %.4g", scale))
        print("steps  cold s/step  cold max rel err  warm s/step  warm max rel err  warm err/R (after \(repeats) weight steps)")
        for k in steps {
            var cold = withDuals(GradRegularizer<Float>(inputs: sizes[0], hidden: sizes[1], classes: sizes[2], lanczosSteps: k))
            start = Date()
            let coldValues = try cold.evaluate(network: net).eigenvalues
            let coldSeconds = Date().timeIntervalSince(start)
            // Warm: converge on `net` first (many steps), then track the moved weights with k steps.
            var warm = withDuals(GradRegularizer<Float>(inputs: sizes[0], hidden: sizes[1], classes: sizes[2], lanczosSteps: 60))
            if let c {
                warm.vectors.elements = c.vectors  // the eigenvectors training had reached
            } else {
                _ = try warm.evaluate(network: net)
            }
            warm.lanczosSteps = k
            var current = net
            var warmValues: [Double] = []
            var warmSeconds = 0.0
            var target = truthMoved
            for r in 0..<repeats {
                var p = current.flatParameters
                for t in p.indices { for e in p[t].indices { p[t][e] += (parameters[t][e] - net.flatParameters[t][e]) / Float(repeats) } }
                try current.setFlatParameters(p)
                start = Date()
                warmValues = try warm.evaluate(network: current).eigenvalues
                warmSeconds += Date().timeIntervalSince(start)
                if r == repeats - 1 { target = try exact(current) }
            }
            let coldError = zip(coldValues, truth).map { abs($0 - $1) }.max()! / scale
            let warmError = zip(warmValues, target).map { abs($0 - $1) }.max()! / scale
            // The error as a share of the regulariser: Σ_p D |Δλ_p| / Σ_p (D max(λ_p, 0) + Σ c_p⁺).
            let dualSum = (0..<pairs).map { p in reference.duals.row(p).reduce(0) { $0 + max($1, 0) } }
            let termSum = zip(target, dualSum).map { Double(reference.size) * max($0, 0) + $1 }.reduce(0, +)
            let share = zip(warmValues, target).map { Double(reference.size) * abs($0 - $1) }.reduce(0, +) / termSum
            print(String(format: "%5d  %11.3f  %16.2e  %11.3f  %16.2e  %8.2e", k, coldSeconds, coldError, warmSeconds / Double(repeats), warmError, share))
        }
    }
}
