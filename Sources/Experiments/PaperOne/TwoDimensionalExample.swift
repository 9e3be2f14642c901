import Certifiers
import Foundation
import LinearAlgebra
import Networks

/// Paper 1, §4.2 and Figure 2: `z₁ = ReLU(x₁ + x₂)`, `z₂ = ReLU(x₁ − x₂)`, x in the box ±ε around 0.
/// The feasible sets of (z₁, z₂) under the LP and SDP relaxations are convex; each is traced by
/// its support function `h(θ) = max cos θ z₁ + sin θ z₂` (one LP / one SDP per direction) and drawn
/// as the polygon cut out by those supporting lines (an outer approximation that tightens with
/// the number of directions).
struct TwoDimensionalExample {
    var epsilon = 1.0

    /// The network whose margin "target 0 − label 1" is `cos θ z₁ + sin θ z₂`.
    func network(direction theta: Double) throws -> ReLUNetwork<Double> {
        let w = try Matrix<Double>([[1, 1], [1, -1]])
        let c = try Matrix<Double>([[cos(theta), sin(theta)], [0, 0]])
        return try ReLUNetwork(
            name: "figure2", inputShape: [2], inputLower: -epsilon, inputUpper: epsilon,
            layers: [DenseLayer(weight: w, bias: [0, 0]), DenseLayer(weight: c, bias: [0, 0])])
    }

    /// The support function of the LP and SDP feasible sets in direction θ.
    func support(_ theta: Double) throws -> (lp: Double, sdp: Double) {
        let net = try network(direction: theta)
        let lp = try LPCertifier().certify(network: net, center: [0, 0], label: 1, epsilon: epsilon).bounds[0]
        guard let lp else { throw CertifierError.solverFailed("LP-cert gave no bound") }
        let sdp = try CSDPCertifier().certifyTarget(network: net, center: [0, 0], label: 1, target: 0, epsilon: epsilon)
        return (lp, sdp)
    }

    /// The polygon cut out by the supporting lines `cos θ_k z₁ + sin θ_k z₂ = h_k` (consecutive
    /// lines intersected).
    static func polygon(directions: [Double], support: [Double]) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = []
        let n = directions.count
        for k in 0..<n {
            let a = directions[k], b = directions[(k + 1) % n]
            let det = cos(a) * sin(b) - sin(a) * cos(b)
            guard abs(det) > 1e-12 else { continue }
            let x = (support[k] * sin(b) - support[(k + 1) % n] * sin(a)) / det
            let y = (cos(a) * support[(k + 1) % n] - cos(b) * support[k]) / det
            out.append((x, y))
        }
        return out
    }

    /// The true set, sampled: (ReLU(x₁ + x₂), ReLU(x₁ − x₂)) over a grid of the box.
    func sampledTrueSet(grid: Int = 25) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = []
        for i in 0..<grid {
            for j in 0..<grid {
                let x1 = -epsilon + 2 * epsilon * Double(i) / Double(grid - 1)
                let x2 = -epsilon + 2 * epsilon * Double(j) / Double(grid - 1)
                out.append((max(x1 + x2, 0), max(x1 - x2, 0)))
            }
        }
        return out
    }
}
