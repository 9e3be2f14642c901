import TestSupport
import Training
import XCTest
@testable import Experiments

final class ConfigTests: XCTestCase {
    /// Each text fails to parse with an error that starts with its message (file:line: key …).
    func assertParseErrors(_ cases: [(String, String)], file: StaticString = #filePath, line: UInt = #line) {
        for (text, message) in cases {
            XCTAssertThrowsError(try ExperimentsConfig.parse(text, path: "f.yaml"), text, file: file, line: line) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "got '\(error)', expected '\(message)'", file: file, line: line)
            }
        }
    }

    func testRepositoryConfigParses() throws {
        let path = TestPaths.inRepository("experiments.yaml")
        let config = try ExperimentsConfig.load(path: path)
        XCTAssertEqual(config.networks.map(\.name), ["Grad-NN", "LP-NN", "PGD-NN", "mnist_2_20", "dense-1", "dense-3", "CNN"])
        let entry = try XCTUnwrap(config.network(named: "mnist_2_20"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: config.resolve(entry.file)))
        var pgd = TrainingRecipe.defaults(for: .pgd)
        pgd.epochs = 20
        pgd.epsilonStart = 0.01
        pgd.rampEpochs = 10
        XCTAssertEqual(config.recipes["pgd-nn"], pgd)
        // LP-NN: Wong & Kolter's ICML-era recipe, a constant ε = 0.1 from the first batch.
        var lp = TrainingRecipe.defaults(for: .lp)
        lp.epsilonStart = 0.1
        XCTAssertEqual(config.recipes["lp-nn"], lp)
        XCTAssertEqual((0..<lp.epochs).map { lp.epsilon(atEpoch: $0) }, Array(repeating: 0.1, count: lp.epochs))
        let dense = try XCTUnwrap(config.recipes["dense-3"])
        XCTAssertEqual(dense.sizes, [49, 50, 50, 50, 10])
        XCTAssertEqual(dense.optimizer, .sgd(momentum: 0.9, nesterov: true))
        XCTAssertEqual(dense.learningRate, 0.01)
        XCTAssertEqual(dense.epochs, 50)
        let cnn = try XCTUnwrap(config.recipes["cnn"])
        XCTAssertEqual(cnn.architecture, "28x28-c16k4s2-c32k4s2-100-10")
        XCTAssertEqual(cnn.sizes, [784, 2704, 800, 100, 10])
        XCTAssertEqual(cnn.optimizer, dense.optimizer)
        XCTAssertEqual(cnn.learningRate, 0.01)
    }

    func testTable1SectionDefaultsAndOverrides() throws {
        let repo = try ExperimentsConfig.load(path: TestPaths.inRepository("experiments.yaml"))
        XCTAssertEqual(repo.table1.networks, ["Grad-NN", "LP-NN", "PGD-NN"])
        XCTAssertEqual(repo.table1.eps, 0.1)
        XCTAssertEqual(repo.table1.points, 1000)
        XCTAssertEqual(repo.table1.methods, [.pgd, .sdp, .lp, .grad])
        let text = """
            networks:
              - {name: a, file: a.h5}
            experiments:
              table1: {eps: 0.05, points: 7, methods: [lp, pgd], attack: {restarts: 3}, sdp: {iterations: 9, fail-fast: false, extend-iterations: 0, polish-method: bundle, bundle-evaluations: 50}}
            """
        let c = try ExperimentsConfig.parse(text, path: "f.yaml").table1
        XCTAssertEqual(c.eps, 0.05)
        XCTAssertEqual(c.points, 7)
        XCTAssertEqual(c.methods, [.lp, .pgd])
        XCTAssertEqual(c.attack.restarts, 3)
        XCTAssertEqual(c.attack.steps, 40)
        XCTAssertEqual(c.sdp.iterations, 9)
        XCTAssertFalse(c.sdp.failFast)
        XCTAssertEqual(c.sdp.extensionIterations, 0)
        XCTAssertEqual(c.sdp.polish, .bundle)
        XCTAssertEqual(c.sdp.bundleEvaluations, 50)
        // The repository's table1 uses the default polish (its rows come from the timed bundle run).
        XCTAssertEqual(repo.table1.sdp.polish, .automatic)
        let defaults = try ExperimentsConfig.parse("experiments:\n  table1: {}\n", path: "f.yaml").table1.sdp
        XCTAssertTrue(defaults.failFast)
        XCTAssertEqual(defaults.extensionIterations, 2000)
        XCTAssertEqual(defaults.extendBelow, 2)
        XCTAssertEqual(defaults.polish, .automatic)
        XCTAssertNil(c.networks)
        let bad: [(String, String)] = [
            ("experiments:\n  table1: {eps: -1}\n", "f.yaml:2: experiments.table1.eps must be ≥ 0"),
            ("experiments:\n  table1: {methods: [lp, magic]}\n", "f.yaml:2: experiments.table1.methods: unknown method 'magic'"),
            ("experiments:\n  table1:\n    sdp: {iterashuns: 3}\n", "f.yaml:3: experiments.table1.sdp: unknown key 'iterashuns'"),
            ("experiments:\n  table1:\n    sdp: {fail-fast: maybe}\n", "f.yaml:3: experiments.table1.sdp.fail-fast must be true or false"),
            ("experiments:\n  table1:\n    sdp: {extend-below: 0}\n", "f.yaml:3: experiments.table1.sdp.extend-below must be positive"),
            ("experiments:\n  table1:\n    sdp: {polish-method: newton}\n", "f.yaml:3: experiments.table1.sdp.polish-method must be one of auto, lbfgs, alm, bundle, got 'newton'"),
            ("experiments:\n  table1: {networks: [nope]}\n", "f.yaml:2: experiments.table1.networks: 'nope' is not a network of this file"),
            ("experiments:\n  tabel1: {}\n", "f.yaml:2: experiments: unknown key 'tabel1'"),
        ]
        assertParseErrors(bad)
    }

    func testRecipeErrors() {
        let cases: [(String, String)] = [
            ("recipes:\n  a: {kind: fancy}\n", "f.yaml:2: recipes.a.kind must be one of plain, pgd, lp, grad, got 'fancy'"),
            ("recipes:\n  a: {kind: pgd, epochs: -1}\n", "f.yaml:2: recipes.a.epochs must be an integer ≥ 1"),
            ("recipes:\n  a: {kind: pgd, lr: fast}\n", "f.yaml:2: recipes.a.lr must be a number"),
            ("recipes:\n  a: {kind: pgd, arch: 784-x}\n", "f.yaml:2: recipes.a.arch: layer 'x' must be a width (100) or a convolution"),
            ("recipes:\n  a: {kind: plain, arch: 784-c16k4s2-10}\n", "f.yaml:2: recipes.a.arch: convolution 'c16k4s2' needs an image input"),
            ("recipes:\n  a: {kind: lp, arch: 784-10-10-10}\n", "f.yaml:2: recipes.a: invalid training recipe: lp training supports one hidden layer"),
            ("recipes:\n  a: {kind: pgd, optimiser: adam}\n", "f.yaml:2: recipes.a: unknown key 'optimiser'"),
            ("networks:\n  - {name: n, file: f.h5, recipe: b}\n", "f.yaml:2: networks[0].recipe 'b' is not defined under recipes"),
            ("recipes:\n  a: {kind: pgd, lr-decay: 0.1}\n", "f.yaml:2: recipes.a.lr-decay needs lr-decay-epoch"),
            ("recipes:\n  a: {kind: pgd, epochs: 10, lr-decay-epoch: 11}\n", "f.yaml:2: recipes.a: invalid training recipe: lr-decay-epoch must lie in 1…10"),
            ("recipes:\n  a: {kind: pgd, lr-decay-epoch: 5, lr-decay: 0}\n", "f.yaml:2: recipes.a: invalid training recipe: lr-decay must be positive"),
        ]
        assertParseErrors(cases)
    }

    /// A step decay of the learning rate: `lr` before epoch `lr-decay-epoch` (1-based), `lr · lr-decay` from it.
    func testLearningRateDecay() throws {
        let config = try ExperimentsConfig.parse("recipes:\n  a: {kind: pgd, epochs: 40, lr: 0.002, lr-decay-epoch: 31, lr-decay: 0.5}\n", path: "f.yaml")
        let recipe = try XCTUnwrap(config.recipes["a"])
        XCTAssertEqual(recipe.learningRate(atEpoch: 0), 0.002)
        XCTAssertEqual(recipe.learningRate(atEpoch: 29), 0.002)
        XCTAssertEqual(recipe.learningRate(atEpoch: 30), 0.001)
        XCTAssertEqual(recipe.learningRate(atEpoch: 39), 0.001)
        XCTAssertTrue(recipe.summary.contains("lr-decay=0.5@epoch31"), recipe.summary)
        let constant = try XCTUnwrap(try ExperimentsConfig.parse("recipes:\n  b: {kind: pgd}\n", path: "f.yaml").recipes["b"])
        XCTAssertNil(constant.learningRateDecay)
        XCTAssertEqual(constant.learningRate(atEpoch: 19), constant.learningRate)
        XCTAssertFalse(constant.summary.contains("lr-decay"))
    }

    func testErrorsNameLineAndKey() {
        let cases: [(String, String)] = [
            ("networks:\n  - name: a\n    flie: x.h5\n", "f.yaml:3: networks[0]: unknown key 'flie' (allowed: file, name, recipe)"),
            ("networks:\n  - name: a\n", "f.yaml:2: networks[0]: missing key 'file'"),
            ("network:\n  - name: a\n", "f.yaml:1: the top level: unknown key 'network' (allowed: experiments, networks, recipes)"),
            ("networks: 3\n", "f.yaml:1: 'networks' must be a list of entries with 'name' and 'file'"),
            ("networks:\n  - name: a\n    file: x\n  - name: a\n    file: y\n", "f.yaml:4: network name 'a' is used twice (first for x)"),
            ("networks:\n  - name: [1]\n    file: x\n", "f.yaml:2: networks[0].name must be a non-empty string"),
            ("networks: [\n", "f.yaml: not valid YAML"),
        ]
        assertParseErrors(cases)
    }

    func testRelativePathsResolveAgainstTheConfigFolder() throws {
        let config = try ExperimentsConfig.parse("networks:\n  - name: a\n    file: n/a.h5\n", path: "/x/y/e.yaml")
        XCTAssertEqual(config.resolve("n/a.h5"), "/x/y/n/a.h5")
        XCTAssertEqual(config.resolve("/abs.h5"), "/abs.h5")
        XCTAssertEqual(try ExperimentsConfig.parse("", path: "e.yaml").networks, [])
    }
}
