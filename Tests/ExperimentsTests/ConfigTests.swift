import TestSupport
import XCTest
@testable import Experiments

final class ConfigTests: XCTestCase {
    func testRepositoryConfigParses() throws {
        let path = TestPaths.inRepository("experiments.yaml")
        let config = try ExperimentsConfig.load(path: path)
        XCTAssertEqual(config.networks.map(\.name), ["Grad-NN", "LP-NN", "PGD-NN", "mnist_2_20"])
        let entry = try XCTUnwrap(config.network(named: "mnist_2_20"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: config.resolve(entry.file)))
    }

    func testErrorsNameLineAndKey() {
        let cases: [(String, String)] = [
            ("networks:\n  - name: a\n    flie: x.h5\n", "f.yaml:3: networks[0]: unknown key 'flie' (allowed: file, name, recipe)"),
            ("networks:\n  - name: a\n", "f.yaml:2: networks[0]: missing key 'file'"),
            ("network:\n  - name: a\n", "f.yaml:1: the top level: unknown key 'network' (allowed: networks)"),
            ("networks: 3\n", "f.yaml:1: 'networks' must be a list of entries with 'name' and 'file'"),
            ("networks:\n  - name: a\n    file: x\n  - name: a\n    file: y\n", "f.yaml:4: network name 'a' is used twice (first for x)"),
            ("networks:\n  - name: [1]\n    file: x\n", "f.yaml:2: networks[0].name must be a non-empty string"),
            ("networks: [\n", "f.yaml: not valid YAML"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ExperimentsConfig.parse(text, path: "f.yaml"), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "got '\(error)', expected '\(message)'")
            }
        }
    }

    func testRelativePathsResolveAgainstTheConfigFolder() throws {
        let config = try ExperimentsConfig.parse("networks:\n  - name: a\n    file: n/a.h5\n", path: "/x/y/e.yaml")
        XCTAssertEqual(config.resolve("n/a.h5"), "/x/y/n/a.h5")
        XCTAssertEqual(config.resolve("/abs.h5"), "/abs.h5")
        XCTAssertEqual(try ExperimentsConfig.parse("", path: "e.yaml").networks, [])
    }
}
