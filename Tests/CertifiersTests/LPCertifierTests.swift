import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers

/// LP-cert against scipy's HiGHS (Tests/Fixtures/lp/make_lp_fixtures.py), ordering against the
/// interval certificate, and soundness against sampled points.
final class LPCertifierTests: XCTestCase {
    func cases() throws -> [(FixtureCase, ReLUNetwork<Double>)] { try FixtureCase.all() }

    func testMatchesHiGHSAndIsNeverBelowIt() throws {
        let all = try cases()
        XCTAssertEqual(all.count, 12)
        for (c, net) in all {
            let certificate = try LPCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            XCTAssertEqual(certificate.status, "optimal")
            XCTAssertEqual(certificate.bounds.count, net.classCount - 1)
            for (key, reference) in try XCTUnwrap(c.lp) {
                let bound = try XCTUnwrap(certificate.bounds[Int(key)!])
                let scale = max(1, abs(reference))
                XCTAssertEqual(bound, reference, accuracy: 1e-6 * scale, "\(c.network) ε=\(c.eps) target \(key)")
                XCTAssertGreaterThanOrEqual(bound, reference - 1e-9 * scale, "\(c.network) target \(key) below the LP optimum")
            }
        }
    }

    /// Targets split across threads (one CLP model each, warm started within a thread) give the
    /// same bounds as one model re-solved for every target.
    func testThreadedTargetsGiveTheSameBounds() throws {
        for (c, net) in try cases() {
            let one = try LPCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let three = try LPCertifier(threads: 3).certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            XCTAssertEqual(three.status, one.status)
            XCTAssertEqual(Set(three.bounds.keys), Set(one.bounds.keys))
            for (j, bound) in one.bounds {
                XCTAssertEqual(three.bounds[j]!, bound, accuracy: 1e-9 * max(1, abs(bound)), "\(c.network) target \(j)")
            }
        }
    }

    func testIntervalIsNeverTighterAndSamplesNeverExceed() throws {
        var rng = SplitMix64(seed: 21)
        for (c, net) in try cases() {
            let lp = try LPCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let interval = try IntervalCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            for (j, bound) in lp.bounds {
                XCTAssertGreaterThanOrEqual(try XCTUnwrap(interval.bounds[j]), bound - 1e-12)
            }
            for _ in 0..<400 {
                let x = c.center.map { min(max($0 + (2 * rng.unitInterval() - 1) * c.eps, 0), 1) }
                let s = try net.scores(x)
                for (j, bound) in lp.bounds { XCTAssertLessThanOrEqual(s[j] - s[c.label], bound + 1e-12) }
            }
        }
    }

    /// One hidden layer: the LP with exact first-layer bounds is at least as tight as Wong &
    /// Kolter's fixed slopes, and PGD never beats it on a real network.
    func testMnist2x20AgainstFixedSlopesAndPGD() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.inRepository("networks/eran/mnist_2_20.h5"))
        var rng = SplitMix64(seed: 3)
        let x = (0..<784).map { _ in rng.unitInterval() < 0.8 ? 0 : rng.unitInterval() }
        let label = argmax(try net.scores(x))
        let eps = 0.02
        let lp = try LPCertifier().certify(network: net, center: x, label: label, epsilon: eps)
        let bounds = try IntervalBounds(network: net, center: x, epsilon: eps)
        let dual = DualNetworkBound(network: net, bounds: bounds)
        let problem = LPProblem(network: net, bounds: bounds, dual: dual)
        let last = net.layers[1]
        for (j, bound) in lp.bounds {
            let c = (0..<20).map { last.weight[j, $0] - last.weight[label, $0] }
            let fixed = try dual.upperBound(c: c, c0: last.bias[j] - last.bias[label], alpha: problem.defaultSlopes)
            XCTAssertLessThanOrEqual(bound, fixed + 1e-12)
            XCTAssertLessThan(try XCTUnwrap(lp.gaps?[j]), 1e-6, "target \(j): bound \(bound)")
        }
    }
}
