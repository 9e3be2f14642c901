import TestSupport
import XCTest
@testable import Datasets

/// The real MNIST files shipped in Data/mnist, against facts numpy computed
/// (Tests/Fixtures/make_idx_fixtures.py → idx/mnist_reference.json).
final class MNISTTests: XCTestCase {
    struct Reference: Decodable {
        let test_labels_0_9: [Int]
        let test_pooled_0_2: [[UInt8]]
        let verification_label_0: Int
        let verification_pixel_sum_0: Int
        let train_label_58999: Int
        let test_pixel_sum_all: Int
    }

    static let mnist = MNIST(directory: TestPaths.inRepository("Data/mnist"))

    func testTestSplit() throws {
        let reference = try TestPaths.json(Reference.self, fixture: "idx/mnist_reference.json")
        let test = try Self.mnist.load(.test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.shape, [28, 28])
        XCTAssertEqual(Array(test.labels[0..<10]), reference.test_labels_0_9)
        XCTAssertEqual(test.pixels.reduce(0) { $0 + Int($1) }, reference.test_pixel_sum_all)
        let pooled = try test.maxPooled(4)
        XCTAssertEqual(pooled.shape, [7, 7])
        XCTAssertEqual(pooled.count, 10_000)
        for i in 0..<3 { XCTAssertEqual(Array(pooled.pixels[(49 * i)..<(49 * i + 49)]), reference.test_pooled_0_2[i]) }
        let inputs = try test.inputs(Array(0..<100), as: Float.self)
        XCTAssertTrue(inputs.elements.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testTrainAndVerificationSplitTheTrainingFile() throws {
        let reference = try TestPaths.json(Reference.self, fixture: "idx/mnist_reference.json")
        let train = try Self.mnist.load(.train)
        let verification = try Self.mnist.load(.verification)
        XCTAssertEqual(train.count, 59_000)
        XCTAssertEqual(verification.count, 1_000)
        XCTAssertEqual(train.labels[58_999], reference.train_label_58999)
        XCTAssertEqual(verification.labels[0], reference.verification_label_0)
        XCTAssertEqual(verification.pixels[0..<784].reduce(0) { $0 + Int($1) }, reference.verification_pixel_sum_0)
    }

    func testPoolingRejectsIndivisibleShapes() throws {
        let set = try ImageSet(shape: [5, 5], pixels: [UInt8](repeating: 1, count: 25), labels: [0])
        XCTAssertThrowsError(try set.maxPooled(4))
        XCTAssertThrowsError(try ImageSet(shape: [2, 2], pixels: [1, 2, 3], labels: [0]))
    }
}
