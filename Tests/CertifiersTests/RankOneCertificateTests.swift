import Foundation
import LinearAlgebra
import Networks
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
        let (certified, refusedLoose, _) = try checkAgainstInteriorPoint(trials: 12, &rng) {
            try BurerMonteiroRank2Tests.partialRadiusInstance([4, 7], &$0)
        }
        XCTAssertGreaterThanOrEqual(certified, 3)
        XCTAssertGreaterThanOrEqual(refusedLoose, 1)
    }

    /// Problem (A) through (B) (targets below the ReLU's range) puts optima at kinks `a_m = 0`,
    /// which the polish holds there with their own multipliers.
    func testProblemAOptimaAtKinks() throws {
        var rng = SplitMix64(seed: 31)
        var radii = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0][...]
        var network: ReLUNetwork<Double>?, center: [Double] = []
        let (certified, _, kinks) = try checkAgainstInteriorPoint(trials: 28, &rng) { rng in
            if radii.isEmpty || network == nil {
                radii = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0][...]
                let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([4, 7, 3], &rng)
                network = try ReLUNetwork<Double>(name: "t", inputShape: [4], layers: [
                    try DenseLayer(weight: weights[0], bias: biases[0]), try DenseLayer(weight: weights[1], bias: biases[1]),
                ])
                center = (0..<4).map { _ in 2 * rng.unitInterval() - 1 }
            }
            let net = try XCTUnwrap(network), scores = try net.scores(center)
            let label = scores.indices.max { scores[$0] < scores[$1] }!
            return try LeastSquaresProblem.attack(network: net, center: center, label: label, target: (label + 1) % 3, radius: radii.removeFirst()).problem
        }
        XCTAssertGreaterThanOrEqual(certified, 3)
        XCTAssertGreaterThanOrEqual(kinks, 1, "some certified optimum must hold a neuron at its kink")
    }

    /// On one-layer instances from `make`: the IPM's solution, the rank-1 verdict from its x, and
    /// where it certifies, the bound against the IPM, sampled feasible points and BM2. Returns the
    /// certified count, the refused ones the IPM calls loose (λ₁/λ₂ < 10²) and the certified points
    /// with a neuron held at its kink.
    func checkAgainstInteriorPoint(
        trials: Int, _ rng: inout SplitMix64, make: (inout SplitMix64) throws -> LeastSquaresProblem?
    ) throws -> (certified: Int, refusedLoose: Int, kinks: Int) {
        var certified = 0, refusedLoose = 0, kinks = 0
        for trial in 0..<trials {
            guard let p = try make(&rng) else { continue }
            let reference = try solveLeastSquaresRelaxationIPM(p)
            guard reference.status == .optimal else { continue }
            let context = "trial \(trial): IPM \(reference.objective), λ₁/λ₂ \(reference.rankRatio)"
            let v = try verdict(p, from: reference.x)
            guard let v, v.certified else {
                if reference.rankRatio < 1e2 { refusedLoose += 1 }
                continue
            }
            certified += 1
            if !v.point.kinks.isEmpty { kinks += 1 }
            // A certified bound is below the SDP optimum, and the rank-1 point is that optimum.
            XCTAssertLessThanOrEqual(bound(v), reference.objective + 1e-7 * max(1, reference.objective), context)
            XCTAssertEqual(v.point.objective, reference.objective, accuracy: 1e-5 * max(1, reference.objective), context)
            XCTAssertGreaterThan(reference.rankRatio, 1e3, context)
            // Points of the nonconvex problem near the rank-1 point: every feasible one lies above the bound.
            var feasible = 0
            // Two scales: ±0.5, and one that keeps f(x) within about ρ of f(x*) (x* on the ball's edge).
            let frobenius = p.weights[0].elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<2000 {
                let scale = k % 2 == 0 ? 0.5 : 0.5 * p.radius / max(frobenius, 1e-12)
                let x = v.point.x.map { $0 + scale * (2 * rng.unitInterval() - 1) }
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
            // (At objective 0, Corollary 2.3's answer, BM2 computes no gap.)
            if bm2.objective > 0 { XCTAssertLessThanOrEqual(bm2.stationarity?.rigorousDualGap ?? .infinity, 1e-5, context) }
        }
        return (certified, refusedLoose, kinks)
    }
}
