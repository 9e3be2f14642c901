import LinearAlgebra
import TestSupport
import XCTest
@testable import Networks

/// The backward pass against central finite differences of the mean cross-entropy.
final class BackwardPassTests: XCTestCase {
    func loss(_ net: ReLUNetwork<Double>, _ x: Matrix<Double>, _ labels: [Int]) throws -> Double {
        softmaxCrossEntropy(try net.scores(x), labels: labels).loss
    }

    func testParameterAndInputGradientsMatchFiniteDifferences() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        var rng = SplitMix64(seed: 12)
        var x = Matrix<Double>(rows: 4, columns: 6)
        for i in x.elements.indices { x.elements[i] = rng.unitInterval() }
        let labels = [0, 2, 1, 1]
        let trace = try net.trace(x)
        XCTAssertEqual(trace.scores, try net.scores(x))
        let (_, g) = softmaxCrossEntropy(trace.scores, labels: labels)
        let (params, input) = try net.backward(trace, scoreGradient: g, parameters: true, input: true)
        let gradients = try XCTUnwrap(params)
        let dx = try XCTUnwrap(input)
        let h = 1e-6
        for k in 0..<net.layers.count {
            for e in net.layers[k].weight.elements.indices {
                var plus = net, minus = net
                var wp = net.layers.map(\.weight), wm = wp
                wp[k].elements[e] += h
                wm[k].elements[e] -= h
                try plus.setParameters(weights: wp, biases: net.layers.map(\.bias))
                try minus.setParameters(weights: wm, biases: net.layers.map(\.bias))
                let fd = (try loss(plus, x, labels) - loss(minus, x, labels)) / (2 * h)
                XCTAssertEqual(gradients.weight[k].elements[e], fd, accuracy: 1e-7, "W\(k)[\(e)]")
            }
            for e in net.layers[k].bias.indices {
                var plus = net, minus = net
                var bp = net.layers.map(\.bias), bm = bp
                bp[k][e] += h
                bm[k][e] -= h
                try plus.setParameters(weights: net.layers.map(\.weight), biases: bp)
                try minus.setParameters(weights: net.layers.map(\.weight), biases: bm)
                let fd = (try loss(plus, x, labels) - loss(minus, x, labels)) / (2 * h)
                XCTAssertEqual(gradients.bias[k][e], fd, accuracy: 1e-7, "b\(k)[\(e)]")
            }
        }
        for e in x.elements.indices {
            var xp = x, xm = x
            xp.elements[e] += h
            xm.elements[e] -= h
            let fd = (try loss(net, xp, labels) - loss(net, xm, labels)) / (2 * h)
            XCTAssertEqual(dx.elements[e], fd, accuracy: 1e-7, "x[\(e)]")
        }
        // Asking for the input gradient only gives the same input gradient.
        let inputOnly = try net.backward(trace, scoreGradient: g, parameters: false, input: true)
        XCTAssertNil(inputOnly.parameters)
        XCTAssertEqual(inputOnly.input, dx)
    }

    func testSetParametersRejectsShapeChanges() throws {
        var net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        var weights = net.layers.map(\.weight)
        weights[1] = Matrix(rows: 4, columns: 4)
        XCTAssertThrowsError(try net.setParameters(weights: weights, biases: net.layers.map(\.bias)))
    }
}
