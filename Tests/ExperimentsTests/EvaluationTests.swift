import Datasets
import Networks
import TestSupport
import XCTest
@testable import Experiments

/// Clean accuracy against independent numpy forward passes
/// (Tests/Fixtures/make_shared_accuracy.py → shared_networks_accuracy.json).
final class EvaluationTests: XCTestCase {
    static let mnist = MNIST(directory: TestPaths.inRepository("Data/mnist"))

    func testMnist2x20OnFirstThousandTestImages() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.inRepository("networks/eran/mnist_2_20.h5"))
        let evaluation = try Evaluation(network: net, images: Self.mnist.load(.test), indices: Array(0..<1000))
        XCTAssertEqual(evaluation.correct, 869)
        XCTAssertEqual(evaluation.accuracy, 0.869)
    }

    /// Optional: every HDF5 network of ../shared/networks, on the full test set.
    func testSharedNetworksMatchNumpy() throws {
        guard let shared = TestPaths.sharedNetworks else { throw XCTSkip("../shared/networks is not beside the repository") }
        struct Accuracy: Decodable { let test_10000: Double }
        let reference = try TestPaths.json([String: Accuracy].self, fixture: "shared_networks_accuracy.json")
        let test = try Self.mnist.load(.test)
        var checked = 0
        for (relative, expected) in reference.sorted(by: { $0.key < $1.key }) where relative.hasSuffix(".h5") {
            let net = try ReLUNetwork<Double>.read(from: shared + "/" + relative)
            let evaluation = try Evaluation(network: net, images: test, indices: Array(0..<test.count))
            XCTAssertEqual(evaluation.accuracy, expected.test_10000, accuracy: 1e-9, relative)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 8)
    }

    func testInputShapePicksTheDataVariant() throws {
        XCTAssertEqual(try MNISTVariant(inputShape: [28, 28], networkName: "n"), .full)
        XCTAssertEqual(try MNISTVariant(inputShape: [1, 784], networkName: "n"), .full)
        XCTAssertEqual(try MNISTVariant(inputShape: [7, 7], networkName: "n"), .pooled4)
        XCTAssertThrowsError(try MNISTVariant(inputShape: [2, 3], networkName: "tiny")) { error in
            XCTAssertTrue("\(error)".hasPrefix("network 'tiny' has input_shape [2, 3] (6 values)"))
        }
    }
}
