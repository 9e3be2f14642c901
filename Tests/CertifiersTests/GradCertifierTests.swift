import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers

/// Grad-cert against brute-force enumeration of the vertices, and soundness on sampled points.
final class GradCertifierTests: XCTestCase {
    func tinyNetwork(seed: UInt64) throws -> ReLUNetwork<Double> {
        var rng = SplitMix64(seed: seed)
        func matrix(_ r: Int, _ c: Int) throws -> Matrix<Double> {
            try Matrix(rows: r, columns: c, elements: (0..<(r * c)).map { _ in 2 * rng.unitInterval() - 1 })
        }
        return try ReLUNetwork(
            name: "tiny", inputShape: [4],
            layers: [
                DenseLayer(weight: matrix(5, 4), bias: (0..<5).map { _ in rng.unitInterval() - 0.5 }),
                DenseLayer(weight: matrix(3, 5), bias: [0.1, -0.2, 0.3]),
            ])
    }

    func testInnerBoundCoversTheVertexMaximum() throws {
        for seed: UInt64 in 1...4 {
            let net = try tinyNetwork(seed: seed)
            for j in 1..<3 {
                let g = GradMatrix(network: net, label: 0, target: j)
                let exact = g.vertexMaximum()
                let start = try g.soundBound(g.gershgorin)
                let optimised = try GradCertifier().innerBound(network: net, label: 0, target: j)
                XCTAssertGreaterThanOrEqual(optimised / 4, exact - 1e-9, "seed \(seed) target \(j)")
                XCTAssertLessThanOrEqual(optimised, start + 1e-12)
                XCTAssertLessThan(optimised, start - 1e-3, "the optimiser should improve on Gershgorin")
            }
        }
    }

    func testBoundsAreSoundOnSampledPoints() throws {
        var rng = SplitMix64(seed: 77)
        for seed: UInt64 in 1...3 {
            let net = try tinyNetwork(seed: seed)
            let x = (0..<4).map { _ in rng.unitInterval() }
            let eps = 0.2
            let certificate = try GradCertifier().certify(network: net, center: x, label: 0, epsilon: eps)
            for _ in 0..<500 {
                let p = x.map { min(max($0 + (2 * rng.unitInterval() - 1) * eps, 0), 1) }
                let s = try net.scores(p)
                for (j, bound) in certificate.bounds { XCTAssertLessThanOrEqual(s[j] - s[0], bound) }
            }
        }
    }

    func testRejectsDeepNetworks() throws {
        let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture("networks/tiny.h5"))
        XCTAssertThrowsError(try GradCertifier().certify(network: net, center: [0, 0, 0, 0, 0, 0], label: 0, epsilon: 0.1)) { error in
            XCTAssertTrue("\(error)".contains("two-layer networks"), "\(error)")
        }
    }
}
