import Attacks
import Datasets
import Foundation
import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Training

/// Short training runs on a subset of MNIST.
final class TrainerTests: XCTestCase {
    func data(train: Int, validation: Int = 500) throws -> (ImageSet, ImageSet) {
        try trainingData(train: train, validation: validation)
    }

    func recipe(_ kind: TrainingKind, epochs: Int) -> TrainingRecipe {
        var r = TrainingRecipe.defaults(for: kind)
        r.sizes = kind == .lp ? [784, 24, 10] : [784, 24, 16, 10]
        r.epochs = epochs
        r.batchSize = 64
        r.pgdSteps = 5
        r.rampEpochs = 0
        return r
    }

    func testPlainTrainingLearnsAndIsDeterministic() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try data(train: 3000)
        let trainer = try quietTrainer(recipe(.plain, epochs: 2), data)
        let a = try trainer.run(output: dir.appendingPathComponent("a.h5").path, name: "a")
        let b = try trainer.run(output: dir.appendingPathComponent("b.h5").path, name: "a")
        XCTAssertEqual(a.network.layers, b.network.layers, "same seed, same weights")
        XCTAssertGreaterThan(a.history[1].validationAccuracy, 0.8)
        XCTAssertLessThan(a.history[1].loss, a.history[0].loss)
        // The written file carries the recipe and no checkpoint is left behind.
        let back = try ReLUNetwork<Float>.read(from: dir.appendingPathComponent("a.h5").path)
        XCTAssertEqual(back.layers, a.network.layers)
        XCTAssertTrue(back.provenance?.contains("kind=plain arch=784-24-16-10 epochs=2") ?? false, back.provenance ?? "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.h5.checkpoint").path))
    }

    /// A run stopped after epoch 1 and resumed ends with exactly the weights of an uninterrupted run.
    func testInterruptedRunResumesToTheSameWeights() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try data(train: 2000)
        let trainer = try quietTrainer(recipe(.plain, epochs: 2), data)
        let straight = try trainer.run(output: dir.appendingPathComponent("s.h5").path, name: "s")
        let out = dir.appendingPathComponent("r.h5").path
        let partial = try trainer.run(output: out, name: "s", stopAfter: 1)
        XCTAssertEqual(partial.history.count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".checkpoint/state.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let resumed = try trainer.run(output: out, name: "s")
        XCTAssertEqual(resumed.history.count, 2)
        XCTAssertEqual(resumed.network.layers, straight.network.layers)
        // A checkpoint of another recipe is refused.
        _ = try trainer.run(output: out, name: "s", stopAfter: 1)
        let other = try quietTrainer(recipe(.plain, epochs: 3), data)
        XCTAssertThrowsError(try other.run(output: out, name: "s")) { error in
            XCTAssertTrue("\(error)".contains("belongs to another recipe"), "\(error)")
        }
    }

    /// LP-robust training lowers the robust (Wong-Kolter) loss of held-out points below that of
    /// the initial network, and its training loss falls epoch by epoch.
    func testLPTrainingLowersTheRobustBound() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try data(train: 2000)
        var lp = recipe(.lp, epochs: 3)
        lp.epsilon = 0.02
        let run = try quietTrainer(lp, data).run(output: dir.appendingPathComponent("lp.h5").path, name: "lp")
        let initial = try ReLUNetwork<Float>.randomlyInitialized(name: "i", sizes: lp.sizes, inputShape: lp.inputShape, seed: lp.seed)
        let x: Matrix<Float> = try data.1.inputs(Array(0..<200))
        let y = data.1.labels(Array(0..<200))
        let trained = try WongKolterLoss(network: run.network, inputs: x, labels: y, epsilon: 0.02).loss
        let before = try WongKolterLoss(network: initial, inputs: x, labels: y, epsilon: 0.02).loss
        XCTAssertLessThan(trained, before - 0.3)
        XCTAssertLessThan(run.history[2].loss, run.history[1].loss)
        XCTAssertLessThan(run.history[1].loss, run.history[0].loss)
    }

    /// PGD training makes the network more robust to PGD than plain training of the same length.
    func testPGDTrainingResistsPGDBetter() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try data(train: 2000)
        var pgd = recipe(.pgd, epochs: 2)
        pgd.epsilon = 0.1
        pgd.pgdStepSize = 0.03
        var plain = pgd
        plain.kind = .plain
        let robust = try quietTrainer(pgd, data).run(output: dir.appendingPathComponent("g.h5").path, name: "g").network
        let normal = try quietTrainer(plain, data).run(output: dir.appendingPathComponent("p.h5").path, name: "p").network
        let x: Matrix<Float> = try data.1.inputs(Array(0..<300))
        let y = data.1.labels(Array(0..<300))
        let options = PGDOptions(epsilon: 0.1, steps: 20, stepSize: 0.02, restarts: 1)
        let robustErrors = try pgdErrors(robust, x, y, options)
        let plainErrors = try pgdErrors(normal, x, y, options)
        XCTAssertLessThan(robustErrors, plainErrors)
    }

    func testInvalidRecipesAreRejected() throws {
        var r = TrainingRecipe.defaults(for: .lp)
        r.sizes = [784, 100, 100, 10]
        XCTAssertThrowsError(try r.validate())
        r = TrainingRecipe.defaults(for: .plain)
        r.sizes = [700, 10]
        XCTAssertThrowsError(try r.validate())
        r = TrainingRecipe.defaults(for: .pgd)
        r.adversarialWeight = 2
        XCTAssertThrowsError(try r.validate())
        XCTAssertEqual(TrainingRecipe.defaults(for: .lp).epsilon(atEpoch: 0), 0.019, accuracy: 1e-12)
        XCTAssertEqual(TrainingRecipe.defaults(for: .lp).epsilon(atEpoch: 9), 0.1, accuracy: 1e-12)
        XCTAssertEqual(TrainingRecipe.defaults(for: .lp).epsilon(atEpoch: 15), 0.1)
        // PGD training has no ramp by default; a stated one is applied and recorded.
        var pgd = TrainingRecipe.defaults(for: .pgd)
        XCTAssertEqual(pgd.epsilon(atEpoch: 0), 0.3)
        XCTAssertFalse(pgd.summary.contains("ramp"))
        pgd.epsilonStart = 0.1
        pgd.rampEpochs = 4
        XCTAssertEqual(pgd.epsilon(atEpoch: 0), 0.15, accuracy: 1e-12)
        XCTAssertEqual(pgd.epsilon(atEpoch: 3), 0.3, accuracy: 1e-12)
        XCTAssertTrue(pgd.summary.contains("ramp-epochs=4"))
    }
}

func pgdErrors(_ net: ReLUNetwork<Float>, _ x: Matrix<Float>, _ y: [Int], _ options: PGDOptions) throws -> Int {
    try pgdAttack(network: net, inputs: x, labels: y, options: options).misclassified.filter { $0 }.count
}

/// Data-parallel training: deterministic for a fixed number of workers and as good as serial.
final class ParallelTrainerTests: XCTestCase {
    func testTwoWorkersLearnDeterministically() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var recipe = TrainingRecipe.defaults(for: .plain)
        recipe.sizes = [784, 24, 10]
        recipe.epochs = 2
        recipe.batchSize = 64
        var trainer = try quietTrainer(recipe, trainingData(train: 2000))
        trainer.workers = 2
        let a = try trainer.run(output: dir.appendingPathComponent("a.h5").path, name: "a")
        let b = try trainer.run(output: dir.appendingPathComponent("b.h5").path, name: "a")
        XCTAssertEqual(a.network.layers, b.network.layers)
        trainer.workers = 1
        let serial = try trainer.run(output: dir.appendingPathComponent("c.h5").path, name: "a")
        XCTAssertEqual(a.history[1].validationAccuracy, serial.history[1].validationAccuracy, accuracy: 0.02)
        XCTAssertGreaterThan(a.history[1].validationAccuracy, 0.7)
    }
}
