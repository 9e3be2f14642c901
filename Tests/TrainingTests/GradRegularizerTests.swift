import Datasets
import Foundation
import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers
@testable import Training

/// The Grad-NN regulariser against Grad-cert's dense matrices, finite differences and training.
final class GradRegularizerTests: XCTestCase {
    /// OpenBLAS's own threads make the many small `gemv`s of Lanczos slow on a busy machine.
    override func setUp() { BLASThreads.count = 1 }

    func tinyNetwork(seed: UInt64, sizes: [Int] = [4, 6, 3]) throws -> ReLUNetwork<Double> {
        var rng = SplitMix64(seed: seed)
        func matrix(_ r: Int, _ c: Int) throws -> Matrix<Double> {
            try Matrix(rows: r, columns: c, elements: (0..<(r * c)).map { _ in 2 * rng.unitInterval() - 1 })
        }
        return try ReLUNetwork(
            name: "tiny", inputShape: [sizes[0]],
            layers: [
                DenseLayer(weight: matrix(sizes[1], sizes[0]), bias: (0..<sizes[1]).map { _ in rng.unitInterval() - 0.5 }),
                DenseLayer(weight: matrix(sizes[2], sizes[1]), bias: (0..<sizes[2]).map { _ in rng.unitInterval() - 0.5 }),
            ])
    }

    /// A regulariser for `net` with random duals in [lo, hi] and Lanczos run to the full dimension.
    func regularizer(for net: ReLUNetwork<Double>, seed: UInt64, lo: Double = -0.5, hi: Double = 1.5) -> GradRegularizer<Double> {
        var r = GradRegularizer<Double>(
            inputs: net.inputSize, hidden: net.hiddenSizes[0], classes: net.classCount, lanczosSteps: 1000, seed: seed)
        var rng = SplitMix64(seed: seed &+ 99)
        for e in r.duals.elements.indices { r.duals.elements[e] = lo + (hi - lo) * rng.unitInterval() }
        return r
    }

    /// D·max(λ_max(M − diag c), 0) + Σ max(c, 0) from Grad-cert's own dense matrix and LAPACK.
    func dualBound(_ g: GradMatrix, _ c: [Double]) throws -> Double {
        var a = g.dense()
        for i in 0..<g.size { a[i, i] -= c[i] }
        let top = try a.symmetricEigen(.largest, vectors: false).values[0]
        return Double(g.size) * max(top, 0) + c.reduce(0) { $0 + max($1, 0) }
    }

    func testValueIsGradCertsDualBoundOverOrderedPairs() throws {
        for seed: UInt64 in 1...3 {
            let net = try tinyNetwork(seed: seed)
            var reg = regularizer(for: net, seed: seed)
            let lanczos = try reg.evaluate(network: net)
            var expected = 0.0
            for (p, pair) in reg.pairs.enumerated() {
                let c = Array(reg.duals.row(p))
                // Both orders: M_ij and M_ji = S M_ij S have the same spectrum.
                let ij = try dualBound(GradMatrix(network: net, label: pair.label, target: pair.target), c)
                let ji = try dualBound(GradMatrix(network: net, label: pair.target, target: pair.label), c)
                XCTAssertEqual(ij, ji, accuracy: 1e-9 * max(1, abs(ij)), "seed \(seed) pair \(pair)")
                expected += ij + ji
                // A dual bound is ≥ the SDP maximum ≥ 4 · the vertex maximum of tᵀ A s.
                let g = GradMatrix(network: net, label: pair.label, target: pair.target)
                XCTAssertGreaterThanOrEqual(ij, 4 * g.vertexMaximum() - 1e-9)
                // … and ≥ the mixing method's primal value (a feasible P).
                let primal = try ElliptopeMaximization(rank: 8, sweeps: 300, tolerance: 1e-9)
                    .solve(g.dense(), layers: [1..<(1 + g.d), (1 + g.d)..<g.size]).value
                XCTAssertGreaterThanOrEqual(ij, primal - 1e-9)
            }
            XCTAssertEqual(lanczos.value, expected, accuracy: 1e-8 * expected)
            let exact = try reg.evaluateExactly(network: net)
            XCTAssertEqual(exact.value, expected, accuracy: 1e-9 * expected)
        }
    }

    /// With c = κ + μ from Grad-cert's mixing method (so λ_max(M − diag c) = 0) the regulariser's
    /// per-pair term is Grad-cert's inner bound (which adds only a rounding margin).
    func testAtGradCertsDualsTheTermIsTheInnerBound() throws {
        let net = try tinyNetwork(seed: 4)
        var reg = regularizer(for: net, seed: 4)
        let certifier = GradCertifier()
        for (p, pair) in reg.pairs.enumerated() {
            let g = GradMatrix(network: net, label: pair.label, target: pair.target)
            var mixing = ElliptopeMaximization()
            mixing.rank = certifier.rank
            mixing.sweeps = certifier.sweeps
            mixing.tolerance = certifier.tolerance
            let kappa = try mixing.solve(g.dense(), layers: [1..<(1 + g.d), (1 + g.d)..<g.size]).kappa
            var a = g.dense()
            for i in 0..<g.size { a[i, i] -= kappa[i] }
            let mu = try a.symmetricEigen(.largest, vectors: false).values[0]
            for i in 0..<g.size { reg.duals[p, i] = kappa[i] + mu }
        }
        let evaluation = try reg.evaluateExactly(network: net)
        for (p, pair) in reg.pairs.enumerated() {
            let inner = try certifier.innerBound(network: net, label: pair.label, target: pair.target)
            let term = Double(reg.size) * max(evaluation.eigenvalues[p], 0) + reg.duals.row(p).reduce(0) { $0 + max($1, 0) }
            XCTAssertEqual(term, inner, accuracy: 1e-7 * max(1, inner), "pair \(pair)")
            XCTAssertLessThanOrEqual(term, inner + 1e-9)
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        let net = try tinyNetwork(seed: 11)
        // Small duals keep every λ_max positive, nonzero duals keep max(c, 0) smooth.
        var reg = regularizer(for: net, seed: 11, lo: 0.05, hi: 0.3)
        let evaluation = try reg.evaluate(network: net)
        XCTAssertTrue(evaluation.eigenvalues.allSatisfy { $0 > 0.05 }, "\(evaluation.eigenvalues)")
        func value(_ n: ReLUNetwork<Double>, _ duals: Matrix<Double>) throws -> Double {
            var r = reg
            r.duals = duals
            return try r.evaluateExactly(network: n).value
        }
        let h = 1e-6
        let parameters = net.flatParameters
        for t in parameters.indices {
            for e in parameters[t].indices {
                let fd = try centralDifference(net, tensor: t, entry: e, h: h) { try value($0, reg.duals) }
                XCTAssertEqual(evaluation.networkGradients[t][e], fd, accuracy: 1e-5 * max(1, abs(fd)), "tensor \(t) entry \(e)")
            }
        }
        for e in reg.duals.elements.indices {
            var plus = reg.duals, minus = reg.duals
            plus.elements[e] += h
            minus.elements[e] -= h
            let fd = (try value(net, plus) - value(net, minus)) / (2 * h)
            XCTAssertEqual(evaluation.dualGradient.elements[e], fd, accuracy: 1e-5 * max(1, abs(fd)), "dual \(e)")
        }
    }

    /// Warm-started Lanczos with few steps tracks λ_max as the weights move a little.
    func testWarmStartedLanczosTracksTheTopEigenvalue() throws {
        var net = try tinyNetwork(seed: 21, sizes: [30, 20, 4])
        var reg = regularizer(for: net, seed: 21)
        _ = try reg.evaluate(network: net)
        reg.lanczosSteps = 6
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5 {
            var p = net.flatParameters
            for t in p.indices { for e in p[t].indices { p[t][e] += 1e-3 * (2 * rng.unitInterval() - 1) } }
            try net.setFlatParameters(p)
            let warm = try reg.evaluate(network: net).eigenvalues
            var exact = reg
            let truth = try exact.evaluateExactly(network: net).eigenvalues
            for (a, b) in zip(warm, truth) {
                XCTAssertLessThanOrEqual(a, b + 1e-9, "a Ritz value never exceeds λ_max")
                XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)))
            }
        }
    }

    /// A short grad run lowers Grad-cert's inner bound relative to plain training of the same length.
    func testShortGradTrainingLowersTheGradCertBound() throws {
        let data = try trainingData(train: 1500, validation: 200)
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func trained(_ kind: TrainingKind) throws -> ReLUNetwork<Double> {
            var r = TrainingRecipe.defaults(for: .grad)
            r.kind = kind
            r.sizes = [784, 20, 10]
            r.epochs = 2
            r.rampEpochs = 0
            r.regularization = 0.0005
            let t = try quietTrainer(r, data)
            let result = try t.run(output: dir.appendingPathComponent("\(kind).h5").path, name: "\(kind)")
            XCTAssertGreaterThan(result.history.last!.validationAccuracy, 0.6, "\(kind) should still learn")
            return try result.network.converted(to: Double.self)
        }
        let plain = try trained(.plain), grad = try trained(.grad)
        let certifier = GradCertifier(rank: 8, sweeps: 100, tolerance: 1e-4)
        for j in 1...3 {
            let p = try certifier.innerBound(network: plain, label: 0, target: j)
            let g = try certifier.innerBound(network: grad, label: 0, target: j)
            XCTAssertLessThan(g, 0.7 * p, "pair (0, \(j)): grad \(g), plain \(p)")
        }
    }

    /// An interrupted grad run resumes from its checkpoint (duals, eigenvectors and their moments
    /// included) to the same weights as an uninterrupted one.
    func testGradRunResumesToTheSameWeights() throws {
        let data = try trainingData(train: 600, validation: 100)
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = TrainingRecipe.defaults(for: .grad)
        r.sizes = [784, 12, 10]
        r.epochs = 2
        r.rampEpochs = 0
        let t = try quietTrainer(r, data)
        let straight = try t.run(output: dir.appendingPathComponent("s.h5").path, name: "s")
        let out = dir.appendingPathComponent("r.h5").path
        _ = try t.run(output: out, name: "s", stopAfter: 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".checkpoint/epoch-1.grad.bin"))
        let resumed = try t.run(output: out, name: "s")
        XCTAssertEqual(resumed.network.layers, straight.network.layers)
        XCTAssertEqual(resumed.history.map(\.regularizer), straight.history.map(\.regularizer))
        XCTAssertNotNil(straight.history[0].regularizer)
    }
}
