import ArgumentParser
import Attacks
import Datasets
import Foundation
import LinearAlgebra
import Networks
import Training

/// `experiments bench-training`: the training/attack workload timed, for comparison with the
/// same work in JAX (`scripts/bench-training.sh` runs both and prints them side by side).
struct BenchTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-training",
        abstract: "Time one plain epoch, one PGD-training epoch and PGD on 1000 points (784-200-100-50-10).",
        discussion: """
            (a) one epoch of plain training, Adam lr 1e-3, batch 128, on the 59 000 training images;
            (b) one epoch of PGD training (ε 0.3, step 0.1, 40 steps, loss ⅔ CE clean + ⅓ CE adversarial);
            (c) PGD (margin loss, ε 0.1, step 0.025, 40 steps) on the first 1000 test images against (a).
            scripts/bench-training.sh runs this and the same work in JAX and prints both.
            """)

    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Flag(help: "Time only 20 minibatches per epoch and scale to a full epoch.") var quick = false
    @Option(help: "Threads (data parallel, one BLAS thread each; 0 = all cores).") var threads: Int = 0
    @Option(help: "Times the plain epoch and the attack are run (each from the same start); the median is reported.")
    var `repeat`: Int = 5
    @OptionGroup var data: DataOptions

    struct Result: Codable {
        var framework = "swift-harness"
        var threads: Int
        var plain_epoch_seconds: Double
        /// Every timed plain epoch (the median is `plain_epoch_seconds`).
        var plain_epoch_runs: [Double]
        var plain_test_accuracy: Double
        var pgd_epoch_seconds: Double
        var pgd_attack_1000_seconds: Double
        var pgd_attack_1000_runs: [Double]
        var pgd_attack_error: Double
        var compile_seconds = 0.0
    }

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1 (got \(`repeat`))") }
    }

    func run() throws {
        BLASThreads.count = 1
        let workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let mnist = MNIST(directory: try data.mnistDirectory())
        let fullTrain = try mnist.load(.train)
        let batches = 20
        let train = quick ? fullTrain.slice(0..<(batches * 128)) : fullTrain
        let scale = quick ? Double((fullTrain.count + 127) / 128) / Double(batches) : 1
        let validation = try mnist.load(.verification)
        let test = try mnist.load(.test)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdpcert-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        func timedEpoch(_ kind: TrainingKind) throws -> (ReLUNetwork<Float>, Double) {
            var recipe = TrainingRecipe.defaults(for: kind)
            recipe.sizes = [784, 200, 100, 50, 10]
            recipe.epochs = 1
            recipe.batchSize = 128
            var trainer = try Trainer(recipe: recipe, training: train, validation: validation)
            trainer.log = { _ in }
            trainer.progressInterval = 0
            trainer.workers = workers
            let (network, history) = try trainer.run(
                output: dir.appendingPathComponent("\(kind).h5").path, name: "bench", restart: true)
            // The epoch's own time (minibatch steps and the validation pass), without setup and
            // the checkpoint and network files, as the JAX script times it.
            return (network, (history.first?.seconds ?? .nan) * scale)
        }

        // The plain epoch and the attack take about a second: on a shared virtual machine one run
        // varies by ±30 %, so each is repeated and the median reported (the JAX script does the same).
        var plainRuns: [Double] = []
        var plain: ReLUNetwork<Float>! = nil
        for _ in 0..<`repeat` {
            let (network, seconds) = try timedEpoch(.plain)
            plain = plain ?? network
            plainRuns.append(seconds)
        }
        let plainSeconds = median(plainRuns)
        let testIndices = Array(0..<test.count)
        let predicted = try plain.predictions(try test.inputs(testIndices, as: Float.self))
        let accuracy = Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(test.count)
        let (_, pgdSeconds) = try timedEpoch(.pgd)
        let points = Array(0..<1000)
        var attackRuns: [Double] = []
        var attack: PGDResult<Float>! = nil
        for _ in 0..<`repeat` {
            let start = Date()
            let result = try pgdAttack(
                network: plain, inputs: try test.inputs(points, as: Float.self), labels: test.labels(points),
                options: {
                    var o = PGDOptions(epsilon: 0.1, steps: 40, stepSize: 0.025, restarts: 1, loss: .margin)
                    o.workers = workers
                    return o
                }())
            attackRuns.append(Date().timeIntervalSince(start))
            attack = attack ?? result
        }
        let attackSeconds = median(attackRuns)
        let result = Result(
            threads: workers, plain_epoch_seconds: plainSeconds, plain_epoch_runs: plainRuns,
            plain_test_accuracy: accuracy, pgd_epoch_seconds: pgdSeconds, pgd_attack_1000_seconds: attackSeconds,
            pgd_attack_1000_runs: attackRuns,
            pgd_attack_error: Double(attack.misclassified.filter { $0 }.count) / 1000)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(
                format: "plain epoch            %8.2f s   (test accuracy %.4f; median of %@ s)", plainSeconds, accuracy,
                plainRuns.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
            print(String(format: "PGD-training epoch     %8.2f s", pgdSeconds))
            print(String(
                format: "PGD on 1000 points     %8.2f s   (PGD error %.3f at ε = 0.1; median of %d)", attackSeconds,
                result.pgd_attack_error, attackRuns.count))
            print("threads \(result.threads) (data parallel, 1 BLAS thread each)\(quick ? "; --quick: 20 minibatches per epoch, scaled" : "")")
        }
    }
}

/// The median (the mean of the middle two for an even count).
private func median(_ values: [Double]) -> Double {
    let v = values.sorted()
    guard !v.isEmpty else { return .nan }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}
