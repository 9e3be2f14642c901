import Foundation
import LinearAlgebra
import XCTest
@testable import Certifiers

/// `RankOneCertificate` (the closed-form dual certificate of a rank-1 point over one layer) against
/// Theorem 2.1 on a grid of one-neuron problems, and against the interior-point solver and sampled
/// feasible points on random one-layer networks: a certified bound is never above the SDP optimum
/// nor above a feasible point's objective, and a certified point is the IPM's (rank-1) optimum.
final class RankOneCertificateTests: XCTestCase {
    func verdict(_ p: LeastSquaresProblem, from x: [Double]) throws -> BurerMonteiroRank2.RankOneVerdict? {
        try BurerMonteiroRank2().rankOneVerdict(RankTwoLagrangian(p), from: x, scales: p.layerScales(), budget: nil, seed: 1)
    }

    /// The certified lower bound on the relaxation's optimum: the point's objective less the rigorous gap.
    func bound(_ v: BurerMonteiroRank2.RankOneVerdict) -> Double {
        v.point.objective - (v.rigorous ?? .infinity) * max(1, v.point.objective)
    }

    func testTheorem21OneNeuronVerdictsAgree() throws {
        var certified = 0, refused = 0
        for (x, z, r, tight) in LeastSquaresRelaxationTests.theorem21Grid() {
            let p = try LeastSquaresProblem(weights: [try Matrix([[1.0]])], biases: [[0]], center: [x], target: [z], radius: r)
            // The nonconvex optimum: x̂ projected onto {x : |ReLU(x) − ẑ| ≤ ρ}.
            let lower = r >= z ? -Double.infinity : z - r, upper = z + r
            let optimum = min(max(x, lower), upper)
            let v = try XCTUnwrap(try verdict(p, from: [optimum]), "x̂ \(x) ẑ \(z) ρ \(r)")
            XCTAssertEqual(v.certified, tight, "x̂ \(x) ẑ \(z) ρ \(r): λ_min(S) \(v.certificate.minEigenvalue ?? .nan)")
            XCTAssertEqual(v.point.x[0], optimum, accuracy: 1e-9 * max(1, abs(optimum)))
            if v.certified {
                certified += 1
                let distance = (optimum - x) * (optimum - x)
                XCTAssertLessThanOrEqual(bound(v), distance + 1e-12, "x̂ \(x) ẑ \(z) ρ \(r)")
                XCTAssertEqual(v.point.objective, distance, accuracy: 1e-9 * max(1, distance))
            } else {
                refused += 1
            }
        }
        XCTAssertGreaterThan(certified, 100)
        XCTAssertGreaterThan(refused, 10)
    }

    func testCertifiedBoundsAreSoundAgainstTheInteriorPointAndFeasiblePoints() throws {
        var rng = SplitMix64(seed: 29)
        var certified = 0, refusedLoose = 0
        for trial in 0..<12 {
            guard let p = try BurerMonteiroRank2Tests.partialRadiusInstance([4, 7], &rng) else { continue }
            let reference = try solveLeastSquaresRelaxationIPM(p)
            guard reference.status == .optimal else { continue }
            let context = "trial \(trial): IPM \(reference.objective), λ₁/λ₂ \(reference.rankRatio)"
            let v = try verdict(p, from: reference.x)
            guard let v, v.certified else {
                if reference.rankRatio < 1e2 { refusedLoose += 1 }
                continue
            }
            certified += 1
            // A certified bound is below the SDP optimum, and the rank-1 point is that optimum.
            XCTAssertLessThanOrEqual(bound(v), reference.objective + 1e-7 * max(1, reference.objective), context)
            XCTAssertEqual(v.point.objective, reference.objective, accuracy: 1e-5 * max(1, reference.objective), context)
            XCTAssertGreaterThan(reference.rankRatio, 1e3, context)
            // Points of the nonconvex problem near the rank-1 point: every feasible one lies above the bound.
            var feasible = 0
            for _ in 0..<2000 {
                let x = v.point.x.map { $0 + 0.5 * (2 * rng.unitInterval() - 1) }
                let z = try p.hiddenOutputs(x).last!
                guard distance(z, p.target) <= p.radius else { continue }
                feasible += 1
                let objective = zip(x, p.center).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                XCTAssertGreaterThanOrEqual(objective, bound(v) - 1e-12, context)
            }
            XCTAssertGreaterThan(feasible, 0, context)
            // BM2 ends there with the certificate: rank 1 exactly, within its rigorous gap.
            let bm2 = try BurerMonteiroRank2().solve(p)
            XCTAssertEqual(bm2.status, .optimal, context)
            XCTAssertEqual(bm2.objective, reference.objective, accuracy: 1e-5 * max(1, reference.objective), context)
            XCTAssertLessThanOrEqual(bm2.stationarity?.rigorousDualGap ?? .infinity, 1e-5, context)
        }
        XCTAssertGreaterThanOrEqual(certified, 3)
        XCTAssertGreaterThanOrEqual(refusedLoose, 1)
    }
}
