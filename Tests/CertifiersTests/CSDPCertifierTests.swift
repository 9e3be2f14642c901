import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers

/// The CSDP reference backend: its dual gives a sound bound within 1e-5 of CSDP's own primal
/// objective (so both are the SDP optimum), never looser than the interval certificate, never
/// below sampled margins; the first-order solver's bounds are never below it.
final class CSDPCertifierTests: XCTestCase {
    func testDualBoundMatchesPrimalAndOrdersCorrectly() throws {
        var rng = SplitMix64(seed: 23)
        for (c, net) in try FixtureCase.all() {
            let csdp = try CSDPCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let interval = try IntervalCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let fast = try SDPCertifier(iterations: 200, checkEvery: 100).certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            XCTAssertEqual(csdp.status, "optimal", c.network)
            for (j, bound) in csdp.bounds {
                XCTAssertLessThan(try XCTUnwrap(csdp.gaps?[j]), 1e-5, "\(c.network) ε=\(c.eps) target \(j): dual bound far from CSDP's primal")
                XCTAssertLessThanOrEqual(bound, interval.bounds[j]! + 1e-7)
                XCTAssertGreaterThanOrEqual(fast.bounds[j]!, bound - 1e-5 * max(1, abs(bound)), "first-order bound below the SDP optimum")
            }
            for _ in 0..<200 {
                let x = c.center.map { min(max($0 + (2 * rng.unitInterval() - 1) * c.eps, 0), 1) }
                let s = try net.scores(x)
                for (j, bound) in csdp.bounds { XCTAssertLessThanOrEqual(s[j] - s[c.label], bound) }
            }
        }
    }
}
