import LinearAlgebra
import Networks
import XCTest
@testable import Certifiers

/// Problem (B)'s SDP relaxation through CSDP and through the structured interior-point method
/// against paper 2's theorems: Theorem 2.1 (one neuron: tight iff ρ ≥ |ẑ| or
/// ρ < ẑ/(1 − min(0, x̂/ẑ))) on a grid, Corollary 2.3 (ρ ≥ ‖f(x̂) − ẑ‖ gives L = 0 and x* = x̂) on
/// random three-layer networks, and the problem (A) construction.
final class LeastSquaresRelaxationTests: XCTestCase {
    /// Both interior-point solvers of the relaxation.
    let solvers: [(name: String, solve: (LeastSquaresProblem) throws -> LeastSquaresSolution)] = [
        ("CSDP", { try solveLeastSquaresRelaxation($0) }), ("IPM", { try solveLeastSquaresRelaxationIPM($0) }),
    ]

    /// `L* = min |x − x̂| s.t. |ReLU(x) − ẑ| ≤ ρ` in closed form (ẑ > 0): the feasible set is
    /// `(−∞, ẑ + ρ]` when ρ ≥ ẑ (x ≤ 0 gives ReLU(x) = 0) and `[ẑ − ρ, ẑ + ρ]` otherwise.
    func oneNeuronOptimum(center x: Double, target z: Double, radius r: Double) -> Double {
        let lower = r >= z ? -Double.infinity : z - r, upper = z + r
        return x < lower ? lower - x : (x > upper ? x - upper : 0)
    }

    func testTheorem21OneNeuronTightnessOnAGrid() throws {
        for (name, solve) in solvers { try checkTheorem21(name, solve) }
    }

    /// Theorem 2.1's grid of one-neuron problems `(x̂, ẑ, ρ)` with the theorem's verdict (tight iff
    /// `ρ ≥ |ẑ|` or `ρ < ẑ / (1 − min(0, x̂/ẑ))`): a log grid of radii plus points inside the loose
    /// band (empty for x̂ ≥ 0), clear of the two boundaries where the rank test is ill-conditioned.
    static func theorem21Grid() -> [(x: Double, z: Double, r: Double, tight: Bool)] {
        var out: [(x: Double, z: Double, r: Double, tight: Bool)] = []
        for z in [0.5, 1.0, 2.0] {
            for x in [-2.0, -1.0, -0.5, 0.3, 1.5, 3.0] {
                let boundary = z / (1 - min(0, x / z))
                let radii = stride(from: -2.5, through: 1.0, by: 0.25).map { pow(10, $0) * z }
                    + [0.2, 0.4, 0.6, 0.8].map { boundary + $0 * (z - boundary) }
                for r in radii where abs(r - z) >= 0.05 * z && abs(r - boundary) >= 0.05 * boundary {
                    out.append((x, z, r, r >= abs(z) || r < boundary))
                }
            }
        }
        return out
    }

    func checkTheorem21(_ name: String, _ solve: (LeastSquaresProblem) throws -> LeastSquaresSolution) throws {
        var checked = 0, tight = 0
        for (x, z, r, expected) in Self.theorem21Grid() {
            let problem = try LeastSquaresProblem(
                weights: [try Matrix([[1.0]])], biases: [[0]], center: [x], target: [z], radius: r)
            let s = try solve(problem)
            XCTAssertEqual(s.status, .optimal, "\(name): x̂ \(x) ẑ \(z) ρ \(r)")
            XCTAssertEqual(s.isRankOne, expected, "\(name): x̂ \(x) ẑ \(z) ρ \(r): λ₁/λ₂ = \(s.rankRatio)")
            let optimum = oneNeuronOptimum(center: x, target: z, radius: r)
            // The relaxation is a lower bound on L*², and equals it when tight (to CSDP's accuracy).
            XCTAssertLessThanOrEqual(s.objective, optimum * optimum + 1e-5 * max(1, optimum * optimum), "x̂ \(x) ẑ \(z) ρ \(r)")
            if expected {
                XCTAssertEqual(s.objective, optimum * optimum, accuracy: 1e-5 * max(1, optimum * optimum), "x̂ \(x) ẑ \(z) ρ \(r)")
                // The relaxation's x is the nonconvex problem's minimiser: feasible, at distance L*
                // (squared, to the objective's accuracy: where L* = 0 the distance itself is only
                // known to the square root of the solver's tolerance).
                let (dist, residual) = try problem.evaluate(s.x)
                XCTAssertEqual(dist * dist, optimum * optimum, accuracy: 1e-5 * max(1, optimum * optimum), "\(name): x̂ \(x) ẑ \(z) ρ \(r)")
                XCTAssertLessThanOrEqual(residual, r + 1e-4, "\(name): x̂ \(x) ẑ \(z) ρ \(r)")
                tight += 1
            } else {
                XCTAssertLessThan(s.objective.squareRoot(), optimum - 1e-4, "a loose relaxation is strictly below L*")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 150)
        XCTAssertGreaterThan(tight, 20)
        XCTAssertGreaterThan(checked - tight, 10, "the grid must contain loose cases")
    }

    func testCorollary23LargeRadiusGivesZeroAndTheCentre() throws {
        var rng = SplitMix64(seed: 7)
        func random(_ n: Int) -> [Double] { (0..<n).map { _ in 2 * rng.unitInterval() - 1 } }
        let sizes = [6, 8, 7, 5]
        for trial in 0..<4 {
            let weights = try (1..<sizes.count).map { k in
                try Matrix(rows: sizes[k], columns: sizes[k - 1], elements: random(sizes[k] * sizes[k - 1]))
            }
            let biases = (1..<sizes.count).map { random(sizes[$0]).map { 0.3 * $0 } }
            let center = random(sizes[0])
            let p0 = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: [Double](repeating: 0, count: 5), radius: 1)
            let f = try p0.hiddenOutputs(center).last!
            let target = zip(f, random(5)).map { $0 + 0.1 * $1 }
            let gap = distance(f, target)
            for factor in [1.05, 2.0, 10.0] {
                let p = try LeastSquaresProblem(weights: weights, biases: biases, center: center, target: target, radius: factor * gap)
                for (name, solve) in solvers {
                    let s = try solve(p)
                    XCTAssertEqual(s.status, .optimal)
                    XCTAssertEqual(s.objective, 0, accuracy: 1e-6, "\(name): trial \(trial) ρ = \(factor)·‖f(x̂) − ẑ‖")
                    XCTAssertLessThan(distance(s.x, center), 1e-3)
                    XCTAssertTrue(s.isRankOne, "\(name): trial \(trial): λ₁/λ₂ = \(s.rankRatio)")
                }
            }
        }
    }

    func testProblemAPlacesTheBallOnTheDecisionBoundary() throws {
        var rng = SplitMix64(seed: 3)
        let w0 = try Matrix(rows: 4, columns: 3, elements: (0..<12).map { _ in rng.unitInterval() - 0.5 })
        let w1 = try Matrix(rows: 3, columns: 4, elements: (0..<12).map { _ in rng.unitInterval() - 0.5 })
        let hidden = try DenseLayer(weight: w0, bias: [0.1, 0, -0.1, 0.2])
        let output = try DenseLayer(weight: w1, bias: [0.3, -0.2, 0.1])
        let net = try ReLUNetwork<Double>(name: "t", inputShape: [3], layers: [hidden, output])
        for rho in [0.1, 1.0, 10.0] {
            let (p, w, b) = try LeastSquaresProblem.attack(network: net, center: [0.5, 0.5, 0.5], label: 0, target: 2, radius: rho)
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            // ⟨w, ẑ⟩ + b = −ρ‖w‖: the ball touches ⟨w, z⟩ + b = 0 and lies on the target's side.
            let boundary: Double = zip(w, p.target).reduce(b) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(boundary, -rho * norm, accuracy: 1e-12)
            XCTAssertEqual(p.radius, rho)
            XCTAssertEqual(p.layerCount, 1)
        }
        XCTAssertThrowsError(try LeastSquaresProblem.attack(network: net, center: [0, 0, 0], label: 1, target: 1, radius: 1))
    }
}
