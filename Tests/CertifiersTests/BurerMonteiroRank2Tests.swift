import Foundation
import LinearAlgebra
import XCTest
@testable import Certifiers

/// BM2 (`BurerMonteiroRank2`) against paper 2's theorems and against CSDP on the same relaxation:
/// Theorem 2.1's tight one-neuron cases (objective L*², rank 1, feasible x), Corollary 2.3 on
/// random three-layer networks, agreement with `solveLeastSquaresRelaxation` where CSDP finds a
/// rank-1 solution, and never below CSDP's global optimum elsewhere.
final class BurerMonteiroRank2Tests: XCTestCase {
    /// Random layers of the given widths, entries uniform in ±1/√fan-in, biases in ±0.3.
    static func randomLayers(_ sizes: [Int], _ rng: inout SplitMix64) throws -> (weights: [Matrix<Double>], biases: [[Double]]) {
        var weights: [Matrix<Double>] = [], biases: [[Double]] = []
        for k in 1..<sizes.count {
            let scale = 2 / Double(sizes[k - 1]).squareRoot()
            weights.append(try Matrix(
                rows: sizes[k], columns: sizes[k - 1],
                elements: (0..<sizes[k] * sizes[k - 1]).map { _ in scale * (rng.unitInterval() - 0.5) * 2 }))
            biases.append((0..<sizes[k]).map { _ in 0.3 * (2 * rng.unitInterval() - 1) })
        }
        return (weights, biases)
    }

    /// The relaxation's checks at a point BM2 calls optimal and rank 1.
    /// A random instance with `ẑ = f(x')` for a random `x'` and `ρ = 0.4 ‖f(x̂) − ẑ‖` (the ball
    /// excludes `f(x̂)`); nil when the two outputs nearly coincide.
    static func partialRadiusInstance(_ sizes: [Int], _ rng: inout SplitMix64) throws -> LeastSquaresProblem? {
        let (weights, biases) = try randomLayers(sizes, &rng)
        let center = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
        let other = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
        let zero = [Double](repeating: 0, count: sizes[sizes.count - 1])
        let p0 = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: zero, radius: 1)
        let target = try p0.hiddenOutputs(other).last!
        let gap = distance(try p0.hiddenOutputs(center).last!, target)
        guard gap > 1e-3 else { return nil }
        return try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: 0.4 * gap)
    }

    /// `count` draws of `partialRadiusInstance` (those CSDP solves): CSDP's solution, BM2's at rank 2
    /// and BM2's starting with `rank` factor columns, and a description for failure messages.
    static func rankComparisons(_ sizes: [Int], count: Int, rank: Int, _ rng: inout SplitMix64) throws
        -> [(reference: LeastSquaresSolution, two: LeastSquaresSolution, higher: LeastSquaresSolution, context: String)]
    {
        var out: [(LeastSquaresSolution, LeastSquaresSolution, LeastSquaresSolution, String)] = []
        for _ in 0..<count {
            guard let p = try partialRadiusInstance(sizes, &rng) else { continue }
            let reference = try solveLeastSquaresRelaxation(p)
            guard reference.status == .optimal else { continue }
            let two = try BurerMonteiroRank2().solve(p)
            var solver = BurerMonteiroRank2()
            solver.factorRank = rank
            let higher = try solver.solve(p)
            out.append((reference, two, higher,
                        "CSDP \(reference.objective), rank 2 \(two.objective) (\(two.status)), rank \(rank) \(higher.objective) (\(higher.status))"))
        }
        return out
    }

    func assertCertified(_ s: LeastSquaresSolution, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(s.status, .optimal, context, file: file, line: line)
        XCTAssertTrue(s.isRankOne, "\(context): λ₁/λ₂ = \(s.rankRatio)", file: file, line: line)
        guard let check = s.stationarity else { return XCTFail("no stationarity", file: file, line: line) }
        XCTAssertGreaterThanOrEqual(check.dualMinEigenvalue ?? -1, -1e-5, "\(context): λ_min(S)", file: file, line: line)
    }

    func testTheorem21TightOneNeuronCases() throws {
        var tight = 0
        for z in [0.5, 2.0] {
            for x in [-2.0, -0.5, 0.3, 3.0] {
                let boundary = z / (1 - min(0, x / z))
                for r in [0.01, 0.1, 0.3, 1.5, 3.0, 10.0].map({ $0 * z }) {
                    guard r >= z * 1.05 || r < 0.95 * boundary else { continue }
                    let problem = try LeastSquaresProblem(
                        weights: [try Matrix([[1.0]])], biases: [[0]], center: [x], target: [z], radius: r)
                    let s = try BurerMonteiroRank2().solve(problem)
                    // L* = distance from x̂ to the feasible interval [ẑ − ρ (or −∞ when ρ ≥ ẑ), ẑ + ρ].
                    let optimum = max(r >= z ? 0 : z - r - x, 0, x - z - r)
                    let context = "x̂ \(x) ẑ \(z) ρ \(r)"
                    assertCertified(s, context)
                    XCTAssertEqual(s.objective, optimum * optimum, accuracy: 1e-4 * max(optimum * optimum, 1e-4), context)
                    let (_, residual) = try problem.evaluate(s.x)
                    XCTAssertLessThanOrEqual(residual, r + 1e-7, context)  // feasibility to the solver's 1e-8 on the product constraints
                    tight += 1
                }
            }
        }
        XCTAssertGreaterThan(tight, 30)
    }

    func testCorollary23LargeRadiusGivesZeroAndTheCentre() throws {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<3 {
            let (weights, biases) = try Self.randomLayers([6, 8, 7, 5], &rng)
            let center = (0..<6).map { _ in 2 * rng.unitInterval() - 1 }
            let p0 = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: [Double](repeating: 0, count: 5), radius: 1)
            let f = try p0.hiddenOutputs(center).last!
            let target = f.map { $0 + 0.1 * (2 * rng.unitInterval() - 1) }
            for factor in [1.05, 3.0] {
                let p = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: factor * distance(f, target))
                let s = try BurerMonteiroRank2().solve(p)
                assertCertified(s, "trial \(trial) factor \(factor)")
                XCTAssertEqual(s.objective, 0, accuracy: 1e-8)
                XCTAssertLessThan(distance(s.x, center), 1e-4)
            }
        }
    }

    /// Random instances (one to three layers, ẑ = f of another point, ρ a fraction of the gap):
    /// where CSDP is rank 1 the objectives agree to 1e-4; everywhere BM2 is not below CSDP.
    func testAgreementWithCSDP() throws {
        var rng = SplitMix64(seed: 11)
        var agreed = 0, loose = 0, worst = 0.0
        for sizes in [[5, 6], [4, 6, 5], [6, 8], [5, 5, 4], [4, 5, 5, 4]] {
            for _ in 0..<3 {
                let (weights, biases) = try Self.randomLayers(sizes, &rng)
                let center = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
                let other = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
                let p0 = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: [Double](repeating: 0, count: sizes.last!), radius: 1)
                let target = try p0.hiddenOutputs(other).last!
                let gap = distance(try p0.hiddenOutputs(center).last!, target)
                guard gap > 1e-3 else { continue }
                for fraction in [0.2, 0.6] {
                    let p = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: fraction * gap)
                    let reference = try solveLeastSquaresRelaxation(p)
                    guard reference.status == .optimal else { continue }
                    let s = try BurerMonteiroRank2().solve(p)
                    let context = "\(sizes) ρ = \(fraction)·gap: CSDP \(reference.objective) (λ₁/λ₂ \(reference.rankRatio)), BM2 \(s.objective) (\(s.status), λ₁/λ₂ \(s.rankRatio)\(s.stationarity.map { ", gradient \($0.gradient), violation \($0.violation), complementarity \($0.complementarity), λ_min(S) \($0.dualMinEigenvalue ?? .nan)" } ?? ""))"
                    XCTAssertNotEqual(s.status, .infeasible, context)
                    XCTAssertGreaterThanOrEqual(s.objective, reference.objective - 1e-5 * max(1, reference.objective), context)
                    if reference.isRankOne {
                        assertCertified(s, context)
                        let relative = abs(s.objective - reference.objective) / max(reference.objective, 1e-6)
                        XCTAssertLessThan(relative, 1e-4, context)
                        worst = max(worst, relative)
                        agreed += 1
                    } else {
                        loose += 1
                    }
                }
            }
        }
        print("BM2 vs CSDP: \(agreed) tight instances (worst relative difference \(worst)), \(loose) loose")
        XCTAssertGreaterThanOrEqual(agreed, 5)
    }

    func testInfeasibleWhenTheBallMissesTheOrthant() throws {
        let problem = try LeastSquaresProblem(
            weights: [try Matrix([[1.0, 0.5], [0.2, -1]])], biases: [[0, 0]], center: [0.1, 0.2], target: [-1, -1], radius: 0.5)
        XCTAssertEqual(try BurerMonteiroRank2().solve(problem).status, .infeasible)
        XCTAssertEqual(try solveLeastSquaresRelaxation(problem).status, .infeasible)
    }

    func testGramRankRatio() {
        XCTAssertEqual(BurerMonteiroRank2.gramRankRatio(u: [1, 2], w: [0, 0]), .infinity)
        // [1 0; 1 0; 0 1]: Gram = diag(2, 1).
        XCTAssertEqual(BurerMonteiroRank2.gramRankRatio(u: [1, 0], w: [0, 1]), 2, accuracy: 1e-12)
    }

    /// Not a test: seconds per instance on random networks of CNN size (784 → 2704 → 800, dense,
    /// He-scaled) for k = 1, 2 layers, and on dense-3 size (49-50-50-50) against CSDP.
    /// Runs only with `BM2_BENCH=1`.
    func testBenchmark() throws {
        guard ProcessInfo.processInfo.environment["BM2_BENCH"] != nil else { throw XCTSkip("BM2_BENCH not set") }
        func instance(_ sizes: [Int], seed: UInt64, fraction: Double) throws -> LeastSquaresProblem {
            var rng = SplitMix64(seed: seed)
            var weights: [Matrix<Double>] = [], biases: [[Double]] = []
            for k in 1..<sizes.count {
                let scale = (2 / Double(sizes[k - 1])).squareRoot()
                weights.append(try Matrix(
                    rows: sizes[k], columns: sizes[k - 1], elements: (0..<sizes[k] * sizes[k - 1]).map { _ in scale * rng.normal() }))
                biases.append((0..<sizes[k]).map { _ in 0.05 * rng.normal() })
            }
            // Image-like inputs: a fifth of the pixels lit, in (0, 1].
            func image() -> [Double] { (0..<sizes[0]).map { _ in rng.unitInterval() < 0.2 ? 1 - rng.unitInterval() : 0 } }
            let center = image(), other = image()
            let p0 = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: [Double](repeating: 0, count: sizes.last!), radius: 1)
            let target = try p0.hiddenOutputs(other).last!
            let gap = distance(try p0.hiddenOutputs(center).last!, target)
            return try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: fraction * gap)
        }
        func report(_ name: String, _ s: LeastSquaresSolution) {
            let c = s.stationarity
            print(String(format: "BENCH %@: %@ objective %.8e λ₁/λ₂ %.3e outer %d inner %d ∇ %.1e viol %.1e λ_min(S) %.2e %.2f s",
                         name, s.status.rawValue, s.objective, s.rankRatio, s.iterations, c?.innerIterations ?? 0,
                         c?.gradient ?? .nan, c?.violation ?? .nan, c?.dualMinEigenvalue ?? .nan, s.seconds))
        }
        var solver = BurerMonteiroRank2()
        solver.timeLimit = 240
        for sizes in [[49, 50, 50, 50]] {
            for fraction in [0.3, 0.7] {
                let p = try instance(sizes, seed: 5, fraction: fraction)
                report("dense-3 size ρ=\(fraction)·gap BM2", try solver.solve(p))
                report("dense-3 size ρ=\(fraction)·gap CSDP", try solveLeastSquaresRelaxation(p))
            }
        }
        for sizes in [[784, 2704], [784, 2704, 800]] {
            let p = try instance(sizes, seed: 3, fraction: 0.5)
            report("CNN size k=\(sizes.count - 1) ρ=0.5·gap", try solver.solve(p))
        }
    }
}
