import XCTest
import LinearAlgebra
@testable import Certifiers

/// BM2's duality-gap certificate: the trace bound holds at feasible points of the relaxation, and
/// the lower bound a certificate gives never exceeds CSDP's optimum.
final class DualityGapTests: XCTestCase {
    /// A feasible rank-2 point of the relaxation: `u` the forward pass of `x`, `w_0` random and
    /// `w_{k+1} = ½ W_k w_k` (inside every product constraint), with ẑ and ρ chosen so the ball
    /// holds (tight when `tight`). Returns the problem, its objective at the point and `tr(G)`.
    func feasiblePoint(_ sizes: [Int], tight: Bool, _ rng: inout SplitMix64) throws -> (LeastSquaresProblem, Double, Double) {
        let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers(sizes, &rng)
        let center = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
        let x = (0..<sizes[0]).map { _ in 2 * rng.unitInterval() - 1 }
        var w = (0..<sizes[0]).map { _ in 0.5 * rng.normal() }
        let last = sizes[sizes.count - 1]
        let probe = try LeastSquaresProblem(
            weights: weights, biases: biases, center: center, target: [Double](repeating: 0, count: last), radius: 1)
        let u = [x] + (try probe.hiddenOutputs(x))
        var trace = 1.0, objective = 0.0
        for i in 0..<sizes[0] {
            objective += (x[i] - center[i]) * (x[i] - center[i]) + w[i] * w[i]
        }
        trace += u[0].reduce(0) { $0 + $1 * $1 } + w.reduce(0) { $0 + $1 * $1 }
        for k in 0..<weights.count {
            w = try weights[k].apply(w).map { 0.5 * $0 }
            trace += u[k + 1].reduce(0) { $0 + $1 * $1 } + w.reduce(0) { $0 + $1 * $1 }
        }
        let target = (0..<last).map { _ in rng.unitInterval() }
        let reach = zip(u[u.count - 1], target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } + w.reduce(0) { $0 + $1 * $1 }
        let radius = reach.squareRoot() * (tight ? 1 : 1 + 3 * rng.unitInterval())
        let problem = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: radius)
        return (problem, objective, trace)
    }

    /// `tr(G) ≤ traceBound(objective:)` at 200 feasible rank-2 points of one to three layers, half
    /// of them with the ball active (where the last layer's bound is the ball's); the bound is
    /// also finite and at least 1 + the input block's share.
    func testTraceBoundHoldsAtFeasiblePoints() throws {
        var rng = SplitMix64(seed: 41)
        for trial in 0..<200 {
            let sizes = [[3, 5], [4, 6, 3], [2, 4, 4, 2]][trial % 3]
            let (problem, objective, trace) = try feasiblePoint(sizes, tight: trial % 2 == 0, &rng)
            let bound = problem.traceBound(objective: objective)
            let spectral = problem.traceBound(objective: objective, normBounds: try problem.layerNormBounds())
            XCTAssertTrue(bound.isFinite)
            XCTAssertLessThanOrEqual(trace, bound, "trial \(trial), sizes \(sizes)")
            XCTAssertLessThanOrEqual(trace, spectral, "trial \(trial), sizes \(sizes), spectral norms")
            XCTAssertLessThanOrEqual(spectral, bound)
        }
    }

    /// `layerNormBounds` bounds `‖[W b]‖₂²` from above and tightly (within 10⁻⁶ relative of a dense
    /// eigen-decomposition's value), for wide and for tall layers.
    func testLayerNormBoundsAreTightUpperBounds() throws {
        var rng = SplitMix64(seed: 47)
        for sizes in [[6, 3], [3, 9], [5, 5, 2]] {
            let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers(sizes, &rng)
            let problem = try LeastSquaresProblem(
                weights: weights, biases: biases, center: [Double](repeating: 0, count: sizes[0]),
                target: [Double](repeating: 0, count: sizes[sizes.count - 1]), radius: 1)
            let bounds = try problem.layerNormBounds()
            for k in weights.indices {
                let w = weights[k]
                var joined = Matrix<Double>(rows: w.rows, columns: w.columns + 1)
                for i in 0..<w.rows {
                    for j in 0..<w.columns { joined[i, j] = w[i, j] }
                    joined[i, w.columns] = biases[k][i]
                }
                var gram = Matrix<Double>(rows: w.columns + 1, columns: w.columns + 1)
                try gram.gemm(1, joined, transposeA: true, joined, beta: 0)
                let exact = try gram.symmetricEigen(vectors: false).values.last!
                XCTAssertGreaterThanOrEqual(bounds[k], exact, "sizes \(sizes), layer \(k)")
                XCTAssertLessThanOrEqual(bounds[k], exact * (1 + 1e-6) + 1e-12, "sizes \(sizes), layer \(k)")
            }
        }
    }

    /// The dense slack agrees with the matrix-free product, and its rigorous λ_min bound lies
    /// below a dense eigen-decomposition's λ_min and within 1e-8 of it.
    func testDenseSlackAndItsRigorousMinimumEigenvalue() throws {
        var rng = SplitMix64(seed: 53)
        for sizes in [[3, 5, 4], [4, 6], [2, 3, 3, 2]] {
            let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers(sizes, &rng)
            let problem = try LeastSquaresProblem(
                weights: weights, biases: biases, center: (0..<sizes[0]).map { _ in rng.normal() },
                target: (0..<sizes[sizes.count - 1]).map { _ in rng.unitInterval() }, radius: 0.7)
            let lag = RankTwoLagrangian(problem)
            let y = (0..<lag.constraintCount).map { _ in rng.unitInterval() }
            let y0 = rng.normal()
            let dense = try lag.denseSlack(y, constant: y0, block: 3)
            let n = dense.rows
            XCTAssertEqual(n, 1 + sizes.reduce(0, +))
            for _ in 0..<4 {
                let v = (0..<n).map { _ in rng.normal() }
                let product = try lag.slackProduct(y, constant: y0, vector: v)
                for i in 0..<n {
                    let row = (0..<n).reduce(0) { $0 + dense[i, $1] * v[$1] }
                    XCTAssertEqual(row, product[i], accuracy: 1e-10 * max(1, abs(product[i])), "sizes \(sizes), row \(i)")
                }
            }
            let exact = try dense.symmetricEigen(vectors: false).values[0]
            let bound = try lag.slackMinimumEigenvalueBound(y, constant: y0)
            XCTAssertLessThanOrEqual(bound, exact, "sizes \(sizes)")
            XCTAssertGreaterThanOrEqual(bound, exact - 1e-8 * max(1, abs(exact)), "sizes \(sizes)")
            // Targets: one above λ_min does not hold, one below does and gives a bound at or just
            // below it (and below λ_min); none that holds gives nil.
            let scale = 1e-3 * max(1, abs(exact))
            XCTAssertNil(try lag.slackMinimumEigenvalueBound(y, constant: y0, certifying: [exact + scale]), "sizes \(sizes)")
            let targeted = try XCTUnwrap(try lag.slackMinimumEigenvalueBound(y, constant: y0, certifying: [exact + scale, exact - scale]))
            XCTAssertLessThanOrEqual(targeted, exact - scale, "sizes \(sizes)")
            XCTAssertGreaterThan(targeted, exact - scale - 1e-8 * max(1, abs(exact)), "sizes \(sizes)")
        }
    }

    /// The trace bound is not vacuous where it matters: one convolution-like sparse layer gets the
    /// Hölder bound (column sums × row sums), far below the Frobenius one.
    func testTraceBoundUsesTheSmallerNormBound() throws {
        // 40 rows each holding the same 4 weights at shifted positions of 43 inputs (a 1-D convolution).
        let n = 43, m = 40, filter = [0.5, -0.3, 0.8, 0.2]
        var elements = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<4 { elements[i * n + i + j] = filter[j] } }
        let w = try Matrix(rows: m, columns: n, elements: elements)
        let problem = try LeastSquaresProblem(
            weights: [w, try Matrix(rows: 1, columns: m, elements: [Double](repeating: 0.1, count: m))],
            biases: [[Double](repeating: 0, count: m), [0]], center: [Double](repeating: 0, count: n), target: [0],
            radius: 1)
        // s_0 ≤ √1 = 1; Frobenius: ‖W‖_F² = 40 · 1.02 = 40.8; Hölder: 1.8 · 1.8 = 3.24.
        let bound = problem.traceBound(objective: 1)
        let frobenius = 1 + 1 + 40.8 * 2
        XCTAssertLessThan(bound, 0.5 * frobenius)
        XCTAssertGreaterThanOrEqual(bound, 1 + 1 + 3.24 * 2 - 1e-9)
    }

    /// On small instances CSDP solves (one to three layers, the ball excluding f(x̂)): the lower
    /// bounds `objective − gap · max(1, objective)` of BM2's final certificate (with rank increase
    /// up to 4), from the estimate and from the rigorous λ_min bound, never exceed CSDP's optimum,
    /// and where the rigorous gap certifies the point BM2's objective equals CSDP's to the gap
    /// tolerance (plus CSDP's own accuracy).
    func testCertifiedGapBoundsTheOptimum() throws {
        var rng = SplitMix64(seed: 43)
        var certified = 0, compared = 0
        for trial in 0..<16 {
            let sizes = [[3, 6, 4], [4, 5, 5, 3], [3, 8]][trial % 3]
            guard let problem = try BurerMonteiroRank2Tests.partialRadiusInstance(sizes, &rng) else { continue }
            let reference = try solveLeastSquaresRelaxation(problem)
            guard reference.status == .optimal else { continue }
            var solver = BurerMonteiroRank2()
            solver.maxFactorRank = 4
            let s = try solver.solve(problem)
            guard let gap = s.stationarity?.dualGap else { continue }
            compared += 1
            let scale = max(1, s.objective), optimum = reference.objective + 1e-6 * max(1, reference.objective)
            let context = "trial \(trial): CSDP \(reference.objective), BM2 \(s.objective), gap \(gap)"
            XCTAssertLessThanOrEqual(s.objective - gap * scale, optimum, context)
            guard let rigorous = s.stationarity?.rigorousDualGap else { continue }
            XCTAssertLessThanOrEqual(s.objective - rigorous * scale, optimum, "\(context), rigorous \(rigorous)")
            if s.status == .optimal, rigorous <= solver.gapTolerance {
                certified += 1
                XCTAssertEqual(s.objective, reference.objective, accuracy: (solver.gapTolerance + 1e-6) * scale, context)
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 8)
        XCTAssertGreaterThanOrEqual(certified, 4, "too few certified solves to test anything")
    }

    /// With `denseUpTo` covering the lifted dimension the certificate's λ_min is the dense
    /// slack's smallest eigenvalue and its vector an eigenvector.
    func testDenseSecondOrderCheckIsExact() throws {
        var rng = SplitMix64(seed: 59)
        let (weights, biases) = try BurerMonteiroRank2Tests.randomLayers([3, 5, 4], &rng)
        let problem = try LeastSquaresProblem(
            weights: weights, biases: biases, center: (0..<3).map { _ in rng.normal() }, target: (0..<4).map { _ in rng.unitInterval() },
            radius: 0.5)
        let lag = RankTwoLagrangian(problem)
        let y = (0..<lag.constraintCount).map { _ in rng.unitInterval() }
        let flat = (0..<lag.variableCount).map { _ in rng.normal() }
        let c = try lag.dualCertificate(y, at: flat, steps: 5, seed: 1, denseUpTo: 100)
        let dense = try lag.denseSlack(y, constant: c.y0)
        let exact = try dense.symmetricEigen(vectors: false).values[0]
        XCTAssertEqual(c.minEigenvalue ?? .nan, exact, accuracy: 1e-10 * max(1, abs(exact)))
        let product = try lag.slackProduct(y, constant: c.y0, vector: c.vector)
        for i in product.indices {
            XCTAssertEqual(product[i], exact * c.vector[i], accuracy: 1e-8 * max(1, abs(exact)))
        }
        // Five Lanczos steps give an estimate, never below it (a Rayleigh quotient).
        let estimate = try lag.dualCertificate(y, at: flat, steps: 5, seed: 1)
        XCTAssertGreaterThanOrEqual(estimate.minEigenvalue ?? .nan, exact)
    }
}

