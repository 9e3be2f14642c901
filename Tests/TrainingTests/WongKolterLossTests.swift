import LinearAlgebra
import Networks
import XCTest
@testable import Training

final class WongKolterLossTests: XCTestCase {
    func tinyNetwork(seed: UInt64) throws -> ReLUNetwork<Double> {
        try ReLUNetwork<Double>.randomlyInitialized(name: "t", sizes: [5, 6, 3], inputShape: [5], seed: seed)
    }

    func batch() -> (Matrix<Double>, [Int]) {
        var rng = SplitMix64(seed: 3)
        var x = Matrix<Double>(rows: 4, columns: 5)
        for i in x.elements.indices { x.elements[i] = rng.unitInterval() }
        return (x, [0, 2, 1, 2])
    }

    /// The bounds hold at random points of the box (soundness) and the label column is 0.
    func testBoundsAreSound() throws {
        let net = try tinyNetwork(seed: 1)
        let (x, labels) = batch()
        let eps = 0.3
        let result = try WongKolterLoss(network: net, inputs: x, labels: labels, epsilon: eps)
        var rng = SplitMix64(seed: 9)
        var checked = 0
        for i in 0..<x.rows {
            XCTAssertEqual(result.bounds[i, labels[i]], 0)
            for _ in 0..<500 {
                let p = x.row(i).map { min(max($0 + (2 * rng.unitInterval() - 1) * eps, 0), 1) }
                let s = try net.scores(p)
                for j in 0..<3 where j != labels[i] {
                    XCTAssertLessThanOrEqual(s[j] - s[labels[i]], result.bounds[i, j] + 1e-12)
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 4 * 500 * 2)
    }

    /// The hand-written gradient matches central finite differences on every parameter.
    func testGradientMatchesFiniteDifferences() throws {
        for seed: UInt64 in [1, 2, 5] {
            let net = try tinyNetwork(seed: seed)
            let (x, labels) = batch()
            let eps = 0.25
            let result = try WongKolterLoss(network: net, inputs: x, labels: labels, epsilon: eps)
            let params = net.flatParameters
            let h = 1e-6
            var unstableSeen = false
            let bounds0 = try IntervalBoundsProbe.unstableCount(net, x, eps)
            unstableSeen = bounds0 > 0
            for t in params.indices {
                for e in params[t].indices {
                    let fd = try centralDifference(net, tensor: t, entry: e, h: h) {
                        try WongKolterLoss(network: $0, inputs: x, labels: labels, epsilon: eps).loss
                    }
                    XCTAssertEqual(result.gradients[t][e], fd, accuracy: 1e-6 * max(1, abs(fd)), "seed \(seed) tensor \(t) entry \(e)")
                }
            }
            XCTAssertTrue(unstableSeen, "the test needs unstable units to exercise the slope gradient")
        }
    }

    func testRejectsDeeperNetworks() throws {
        let net = try ReLUNetwork<Double>.randomlyInitialized(name: "t", sizes: [5, 4, 4, 3], inputShape: [5], seed: 1)
        let (x, labels) = batch()
        XCTAssertThrowsError(try WongKolterLoss(network: net, inputs: x, labels: labels, epsilon: 0.1))
    }
}

/// Counts unstable first-layer units over the batch's boxes (for the test's own precondition).
enum IntervalBoundsProbe {
    static func unstableCount(_ net: ReLUNetwork<Double>, _ x: Matrix<Double>, _ eps: Double) throws -> Int {
        var count = 0
        let w = net.layers[0].weight, b = net.layers[0].bias
        for i in 0..<x.rows {
            for m in 0..<w.rows {
                var lo = b[m], hi = b[m]
                for k in 0..<w.columns {
                    let l = max(x[i, k] - eps, 0), u = min(x[i, k] + eps, 1)
                    lo += min(w[m, k] * l, w[m, k] * u)
                    hi += max(w[m, k] * l, w[m, k] * u)
                }
                if lo < 0 && hi > 0 { count += 1 }
            }
        }
        return count
    }
}

/// At ε = 0 every unit is stable, the bound is the exact margin and the robust loss is the plain
/// cross-entropy, with the same gradient as the backward pass.
final class WongKolterAtZeroRadiusTests: XCTestCase {
    func testReducesToCrossEntropyAndBackprop() throws {
        let net = try ReLUNetwork<Double>.randomlyInitialized(name: "t", sizes: [5, 6, 3], inputShape: [5], seed: 7)
        var rng = SplitMix64(seed: 5)
        var x = Matrix<Double>(rows: 6, columns: 5)
        for i in x.elements.indices { x.elements[i] = rng.unitInterval() }
        let labels = [0, 1, 2, 2, 1, 0]
        let robust = try WongKolterLoss(network: net, inputs: x, labels: labels, epsilon: 0)
        let trace = try net.trace(x)
        let (loss, g) = softmaxCrossEntropy(trace.scores, labels: labels)
        XCTAssertEqual(robust.loss, loss, accuracy: 1e-12)
        for i in 0..<6 {
            for j in 0..<3 { XCTAssertEqual(robust.bounds[i, j], trace.scores[i, j] - trace.scores[i, labels[i]], accuracy: 1e-12) }
        }
        let backprop = try XCTUnwrap(net.backward(trace, scoreGradient: g).parameters).flat
        for (a, b) in zip(robust.gradients, backprop) {
            for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-12) }
        }
    }
}
