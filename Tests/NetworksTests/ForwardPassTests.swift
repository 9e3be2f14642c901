import LinearAlgebra
import TestSupport
import XCTest
@testable import Networks

/// The forward pass against numpy (Tests/Fixtures/make_network_fixtures.py → tiny_forward.json).
final class ForwardPassTests: XCTestCase {
    struct Reference: Decodable {
        let inputs: [[Double]]
        let scores: [[Double]]
    }

    func testBatchedAndSingleForwardMatchNumpy() throws {
        let reference = try TestPaths.json(Reference.self, fixture: "networks/tiny_forward.json")
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let batch = try Matrix(reference.inputs)
        let scores = try net.scores(batch)
        XCTAssertLessThan(scores.maxAbsDifference(try Matrix(reference.scores)), 1e-12)
        for (x, s) in zip(reference.inputs, reference.scores) {
            let single = try net.scores(x)
            for (a, b) in zip(single, s) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
        XCTAssertEqual(try net.predictions(batch), reference.scores.map { argmax($0) })
    }

    func testSinglePrecisionForwardIsClose() throws {
        let reference = try TestPaths.json(Reference.self, fixture: "networks/tiny_forward.json")
        let net = try ReLUNetwork<Float>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let scores = try net.scores(try Matrix(reference.inputs).converted(to: Float.self))
        XCTAssertLessThan(scores.converted(to: Double.self).maxAbsDifference(try Matrix(reference.scores)), 1e-5)
    }

    func testWrongInputWidthThrows() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        XCTAssertThrowsError(try net.scores(Matrix<Double>(rows: 2, columns: 5))) { error in
            XCTAssertEqual(error as? NetworkError, .inputSize(expected: 6, got: 5))
        }
        XCTAssertThrowsError(try net.scores([1, 2]))
    }

    func testConstructorChecksConsistency() throws {
        let w = try Matrix<Double>([[1, 2], [3, 4]])
        let layer = try DenseLayer(weight: w, bias: [0, 0])
        XCTAssertThrowsError(try DenseLayer(weight: w, bias: [0]))
        XCTAssertThrowsError(try ReLUNetwork(name: "x", inputShape: [3], layers: [layer]))
        XCTAssertThrowsError(try ReLUNetwork<Double>(name: "x", inputShape: [2], layers: []))
        XCTAssertThrowsError(try ReLUNetwork(name: "x", inputShape: [2], inputLower: 1, inputUpper: 0, layers: [layer]))
        let wide = try DenseLayer(weight: Matrix<Double>(rows: 2, columns: 3), bias: [0, 0])
        XCTAssertThrowsError(try ReLUNetwork(name: "x", inputShape: [2], layers: [layer, wide])) { error in
            XCTAssertEqual(error as? NetworkError, .invalid("layer 1 takes 3 inputs, layer 0 gives 2"))
        }
        var nan = w
        nan[0, 0] = .nan
        XCTAssertThrowsError(try ReLUNetwork(name: "x", inputShape: [2], layers: [DenseLayer(weight: nan, bias: [0, 0])]))
    }

    func testArgmaxTakesFirstOnTies() {
        XCTAssertEqual(argmax([1.0, 3, 3, 2]), 1)
        XCTAssertEqual(argmax([-1.0]), 0)
    }
}
