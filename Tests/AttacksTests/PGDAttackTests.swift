import Certifiers
import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Attacks

final class PGDAttackTests: XCTestCase {
    func randomPoints(_ n: Int, _ d: Int, seed: UInt64) -> Matrix<Double> {
        var rng = SplitMix64(seed: seed)
        var x = Matrix<Double>(rows: n, columns: d)
        for i in x.elements.indices { x.elements[i] = rng.unitInterval() }
        return x
    }

    /// Every PGD point lies in the ball ∩ domain, its reported margin is its true margin, and it
    /// is never better than the clean point.
    func testResultStaysInTheBallAndReportsTrueMargins() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let x = randomPoints(20, 6, seed: 1)
        let labels = (0..<20).map { $0 % 3 }
        for loss in PGDLoss.allCases {
            let eps = 0.15
            let r = try pgdAttack(network: net, inputs: x, labels: labels, options: PGDOptions(epsilon: eps, steps: 30, restarts: 3, loss: loss))
            let clean = try net.scores(x)
            for i in 0..<20 {
                for j in 0..<6 {
                    let a = r.adversarial[i, j], c = x[i, j]
                    XCTAssertLessThanOrEqual(abs(a - c), eps + 1e-12)
                    XCTAssertTrue((0...1).contains(a))
                }
                let s = try net.scores(Array(r.adversarial.row(i)))
                XCTAssertEqual(r.margins[i], classificationMargin(s, label: labels[i]), accuracy: 1e-12)
                XCTAssertLessThanOrEqual(r.margins[i], classificationMargin(clean.row(i), label: labels[i]))
                XCTAssertEqual(r.misclassified[i], r.predicted[i] != labels[i])
            }
        }
    }

    /// On a network without hidden layers the worst case is a vertex of the box, which PGD with
    /// the margin loss finds exactly: its margin equals minus the (exact) interval bound.
    func testFindsTheExactOptimumOfALinearModel() throws {
        var rng = SplitMix64(seed: 4)
        var w = Matrix<Double>(rows: 3, columns: 5)
        for i in w.elements.indices { w.elements[i] = 2 * rng.unitInterval() - 1 }
        let net = try ReLUNetwork(name: "linear", inputShape: [5], layers: [DenseLayer(weight: w, bias: [0.1, -0.2, 0.3])])
        let x = randomPoints(10, 5, seed: 2)
        let labels = [Int](repeating: 0, count: 10)
        let eps = 0.05
        let r = try pgdAttack(network: net, inputs: x, labels: labels, options: PGDOptions(epsilon: eps, steps: 40, stepSize: 0.02, restarts: 2))
        for i in 0..<10 {
            let bounds = try IntervalBounds(network: net, center: Array(x.row(i)), epsilon: eps)
            let worst = bounds.marginUpperBounds(network: net, label: 0)[1...].max()!
            // Against the single best class the box vertex is exact; PGD's margin is min over classes.
            XCTAssertEqual(-r.margins[i], worst, accuracy: 1e-9)
        }
    }

    /// A point PGD misclassifies can never have been certified by interval bounds (soundness of
    /// the certificate against the attack).
    func testIntervalCertificatesAreNeverBrokenByPGD() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.inRepository("networks/eran/mnist_2_20.h5"))
        let x = randomPoints(30, 784, seed: 8)
        let labels = try net.predictions(x)
        let eps = 0.01
        let r = try pgdAttack(network: net, inputs: x, labels: labels, options: PGDOptions(epsilon: eps, steps: 20))
        for i in 0..<30 {
            let bounds = try IntervalBounds(network: net, center: Array(x.row(i)), epsilon: eps)
            let worst = bounds.marginUpperBounds(network: net, label: labels[i]).enumerated()
                .filter { $0.offset != labels[i] }.map(\.element).max()!
            XCTAssertLessThanOrEqual(-r.margins[i], worst + 1e-9)
        }
    }

    /// Soundness of every certifier against the attack: at PGD's answer (margin loss, 3 restarts)
    /// the true margin s_j − s_label never exceeds the bound any method certifies for target j
    /// (interval, LP, the fast SDP solver, CSDP, and Grad-cert on the one-hidden-layer network), on
    /// the fixture networks with 1–3 hidden layers, at radii where the bounds are close to tight.
    func testNoCertificateIsBrokenByPGD() throws {
        var checked = 0, tight = 0
        for (file, eps) in [("networks/tiny.h5", 0.1), ("lp/net_1.h5", 0.1), ("lp/net_2.h5", 0.05), ("lp/net_3.h5", 0.1)] {
            let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture(file))
            let x = randomPoints(3, net.inputSize, seed: 21)
            let labels = try net.predictions(x)
            let r = try pgdAttack(network: net, inputs: x, labels: labels, options: PGDOptions(epsilon: eps, steps: 100, restarts: 3))
            for i in 0..<x.rows {
                let center = Array(x.row(i)), label = labels[i]
                var certificates = [
                    try IntervalCertifier().certify(network: net, center: center, label: label, epsilon: eps),
                    try LPCertifier().certify(network: net, center: center, label: label, epsilon: eps),
                    try SDPCertifier().certify(network: net, center: center, label: label, epsilon: eps),
                    try CSDPCertifier().certify(network: net, center: center, label: label, epsilon: eps),
                ]
                if net.layers.count == 2 {
                    certificates.append(try GradCertifier().certify(network: net, center: center, label: label, epsilon: eps))
                }
                let s = try net.scores(Array(r.adversarial.row(i)))
                for certificate in certificates {
                    for (j, bound) in certificate.bounds {
                        XCTAssertLessThanOrEqual(s[j] - s[label], bound, "\(file) point \(i) target \(j) \(certificate.method)")
                        checked += 1
                        if bound - (s[j] - s[label]) < 0.05 * max(1, abs(bound)) { tight += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 100)
        // Not vacuous: some bounds are within 5 % of what PGD reaches.
        XCTAssertGreaterThan(tight, 5)
    }

    func testSeedsMakeRunsReproducible() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        let x = randomPoints(5, 6, seed: 3)
        let labels = [0, 1, 2, 0, 1]
        let o = PGDOptions(epsilon: 0.2, steps: 5, seed: 11)
        let a = try pgdAttack(network: net, inputs: x, labels: labels, options: o)
        let b = try pgdAttack(network: net, inputs: x, labels: labels, options: o)
        XCTAssertEqual(a.adversarial, b.adversarial)
        XCTAssertThrowsError(try pgdAttack(network: net, inputs: x, labels: [0, 1, 2, 0, 7], options: o))
    }
}

/// Splitting the batch across threads gives the same attack.
final class PGDParallelTests: XCTestCase {
    func testWorkersDoNotChangeTheResult() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        var rng = SplitMix64(seed: 9)
        var x = Matrix<Double>(rows: 13, columns: 6)
        for i in x.elements.indices { x.elements[i] = rng.unitInterval() }
        let labels = (0..<13).map { $0 % 3 }
        var options = PGDOptions(epsilon: 0.2, steps: 10, restarts: 2, seed: 4)
        let serial = try pgdAttack(network: net, inputs: x, labels: labels, options: options)
        options.workers = 3
        let parallel = try pgdAttack(network: net, inputs: x, labels: labels, options: options)
        XCTAssertEqual(serial.adversarial, parallel.adversarial)
        XCTAssertEqual(serial.margins, parallel.margins)
        XCTAssertEqual(serial.misclassified, parallel.misclassified)
    }
}
