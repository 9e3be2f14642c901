import Foundation
import TestSupport
import XCTest

/// Runs the built `experiments` binary from the repository root.
enum ExperimentsBinary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let binary = TestPaths.products.appendingPathComponent("experiments")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("the experiments binary is not built beside the tests (\(binary.path))")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.repository
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// The `experiments` binary run end to end, as a user runs it (including the examples of --help).
final class CommandLineTests: XCTestCase {
    func run(_ arguments: [String]) throws -> ExperimentsBinary.Run { try ExperimentsBinary.run(arguments) }

    func testEvaluateExampleFromHelp() throws {
        let r = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--indices", "0-999"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("architecture  784-20-10"), r.stdout)
        XCTAssertTrue(r.stdout.contains("accuracy      0.8690  (869/1000)"), r.stdout)
    }

    func testEvaluateByConfigNameWithJSON() throws {
        let r = try run([
            "evaluate", "--network", "mnist_2_20", "--split", "verification", "--points", "100", "--seed", "1",
            "--format", "json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["points"] as? Int, 100)
        XCTAssertEqual(object?["split"] as? String, "verification")
        XCTAssertEqual(object?["network"] as? String, "mnist_2_20")
    }

    /// `evaluate --eps` counts the hidden ReLUs interval bounds leave unstable: none at ε = 0,
    /// more at every larger ε (the boxes only grow), in text and JSON.
    func testEvaluateCountsUnstableReLUs() throws {
        var fractions: [Double] = []
        for eps in ["0", "0.02", "0.1"] {
            let r = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--points", "20", "--eps", eps, "--format", "json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let fraction = try XCTUnwrap(object["unstable_fraction"] as? Double)
            XCTAssertEqual((object["unstable_fraction_by_layer"] as? [Double])?.count, 1)
            fractions.append(fraction)
        }
        XCTAssertEqual(fractions[0], 0)
        XCTAssertGreaterThan(fractions[1], 0)
        XCTAssertGreaterThan(fractions[2], fractions[1])
        XCTAssertLessThanOrEqual(fractions[2], 1)
        let text = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--points", "5", "--eps", "0.1"])
        XCTAssertTrue(text.stdout.contains("unstable      "), text.stdout)
        let bad = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--eps", "-1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--eps"), bad.stderr)
    }

    /// A corrupted HDF5 or IDX file: one line on stderr naming the file, exit status ≠ 0.
    func testCorruptFilesGiveOneLineErrors() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let badNetwork = TestPaths.fixture("networks/bad_shape.h5")
        var r = try run(["evaluate", "--network", badNetwork])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(badNetwork): /layers/1/weight: shape [4, 7]"), r.stderr)

        // An MNIST folder whose test images are cut short (sums recomputed so only the IDX check fails).
        let images = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("idx/truncated-idx3-ubyte")))
        try images.write(to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
        try FileManager.default.copyItem(
            atPath: TestPaths.fixture("idx/raw/t10k-labels-idx1-ubyte"),
            toPath: dir.appendingPathComponent("t10k-labels-idx1-ubyte").path)
        let sums = try String(contentsOfFile: TestPaths.fixture("idx/raw/SHA256SUMS.uncompressed"), encoding: .utf8)
        let truncatedSum = sha256Hex(images)
        let fixed = sums.split(separator: "\n").map { line in
            line.hasSuffix("t10k-images-idx3-ubyte") ? "\(truncatedSum)  t10k-images-idx3-ubyte" : String(line)
        }.joined(separator: "\n")
        try fixed.write(to: dir.appendingPathComponent("SHA256SUMS.uncompressed"), atomically: true, encoding: .utf8)
        r = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--mnist", dir.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("t10k-images-idx3-ubyte: truncated"), r.stderr)
    }

    func testBadOptionsAreRejected() throws {
        var r = try run(["evaluate", "--network", "networks/eran/mnist_2_20.h5", "--indices", "0-9", "--points", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("give either --indices or --points"), r.stderr)
        r = try run(["evaluate", "--network", "no-such-net"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no-such-net: no such network file, nor a network of that name"), r.stderr)
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("e.yaml").path
        try "networks:\n  - {name: Later-NN, file: later.h5, recipe: r}\nrecipes:\n  r: {kind: plain}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        r = try run(["evaluate", "--network", "Later-NN", "--config", config])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("later.h5 does not exist yet (it is made by the training recipe 'r')"), r.stderr)
        r = try run(["evaluate", "--network", TestPaths.fixture("networks/tiny.h5")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("input_shape [2, 3]"), r.stderr)
    }

    func testHelpExplainsTheCommands() throws {
        let r = try run(["evaluate", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("--indices"))
        XCTAssertTrue(r.stdout.contains("Examples:"))
    }
}

import Datasets
import Networks

private func sha256Hex(_ data: Data) -> String { SHA256.hexDigest([UInt8](data)) }

/// `experiments import` end to end.
final class ImportCommandLineTests: XCTestCase {
    func testImportWritesAReadableNetworkAndRejectsAFinalReLU() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("n.h5").path
        var r = try ExperimentsBinary.run(["import", "--onnx", TestPaths.fixture("onnx/normalized_gemm.onnx"), "--out", out, "--name", "imported"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("wrote \(out): imported"), r.stdout)
        XCTAssertEqual(try ReLUNetwork<Double>.read(from: out).name, "imported")

        r = try ExperimentsBinary.run(["import", "--onnx", TestPaths.fixture("onnx/final_relu.onnx"), "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--allow-final-relu"), r.stderr)
        r = try ExperimentsBinary.run(["import", "--onnx", TestPaths.fixture("onnx/final_relu.onnx"), "--out", out, "--allow-final-relu"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try ExperimentsBinary.run(["import", "--onnx", "x.onnx", "--out", out, "--input-shape", "28,x"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--input-shape must be positive integers"), r.stderr)
    }
}

/// `experiments train` and `experiments attack` end to end (tiny runs).
final class TrainAndAttackCommandLineTests: XCTestCase {
    func testTrainThenAttack() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("tiny.h5").path
        var r = try ExperimentsBinary.run([
            "train", "--kind", "plain", "--arch", "784-16-10", "--epochs", "1", "--batch", "512", "--out", out,
            "--name", "tiny-mlp",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("wrote \(out): tiny-mlp, 784-16-10, 1 epochs"), r.stdout)
        XCTAssertTrue(r.stderr.contains("epoch 1/1"), r.stderr)
        let net = try ReLUNetwork<Double>.read(from: out)
        XCTAssertTrue(net.provenance?.contains("kind=plain arch=784-16-10 epochs=1 batch=512") ?? false)

        r = try ExperimentsBinary.run(["attack", "--network", out, "--eps", "0.1", "--indices", "0-9", "--steps", "5", "--restarts", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 10)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        XCTAssertEqual(first?["index"] as? Int, 0)
        XCTAssertEqual(first?["label"] as? Int, 7)
        XCTAssertNotNil(first?["margin"] as? Double)
        XCTAssertTrue(r.stderr.contains("PGD error"), r.stderr)
    }

    func testTrainRejectsBadRecipes() throws {
        var r = try ExperimentsBinary.run(["train", "--kind", "lp", "--arch", "784-10-10-10", "--out", "/tmp/x.h5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("lp training supports one hidden layer"), r.stderr)
        r = try ExperimentsBinary.run(["train", "--recipe", "nope", "--out", "/tmp/x.h5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no recipe 'nope'"), r.stderr)
        r = try ExperimentsBinary.run(["train", "--out", "/tmp/x.h5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("exactly one of --recipe and --kind"), r.stderr)
        r = try ExperimentsBinary.run(["train", "--kind", "plain", "--arch", "28x28-c16q4-10", "--out", "/tmp/x.h5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--arch: layer 'c16q4' must be a width (100) or a convolution"), r.stderr)
    }
}

/// `experiments certify` end to end: the JSON lines of architecture.md.
final class CertifyCommandLineTests: XCTestCase {
    func testCertifyWritesOneLinePerPointWithSoundOrdering() throws {
        var lines: [String: [[String: Any]]] = [:]
        for method in ["interval", "lp"] {
            let r = try ExperimentsBinary.run([
                "certify", "--network", "mnist_2_20", "--method", method, "--eps", "0.02", "--indices", "0-4",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            lines[method] = try r.stdout.split(separator: "\n").map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            XCTAssertEqual(lines[method]?.count, 5)
            XCTAssertTrue(r.stderr.contains("certified"), r.stderr)
        }
        for (interval, lp) in zip(lines["interval"]!, lines["lp"]!) {
            XCTAssertEqual(interval["index"] as? Int, lp["index"] as? Int)
            let ib = try XCTUnwrap(interval["bounds"] as? [String: Double])
            let lb = try XCTUnwrap(lp["bounds"] as? [String: Double])
            XCTAssertEqual(ib.count, 9)
            for (j, bound) in lb { XCTAssertLessThanOrEqual(bound, ib[j]! + 1e-9) }
            let label = try XCTUnwrap(lp["label"] as? Int), predicted = try XCTUnwrap(lp["predicted"] as? Int)
            XCTAssertEqual(lp["certified"] as? Bool, predicted == label && lb.values.allSatisfy { $0 < 0 })
            XCTAssertEqual(lp["method"] as? String, "lp")
            XCTAssertEqual(lp["eps"] as? Double, 0.02)
        }
        // Test image 1 is misclassified by mnist_2_20: never certified.
        XCTAssertEqual(lines["lp"]![1]["certified"] as? Bool, false)
    }
}
