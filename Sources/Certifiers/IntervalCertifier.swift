import Foundation
import LinearAlgebra
import Networks

/// The interval certificate (paper 1, eq. 8 with the ReLU applied; formulations.md): the
/// largest value of `c_jᵀ x_L + c0_j` over the box `[l_L, u_L]` of the last hidden layer.
public struct IntervalCertifier: Sendable {
    public init() {}

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Complexity: two passes through the weights.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let bounds = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let margins = bounds.marginUpperBounds(network: network, label: label)
        var result: [Int: Double] = [:]
        for j in margins.indices where j != label { result[j] = margins[j] }
        return Certificate(
            method: "interval", label: label, predicted: argmax(try network.scores(center)), bounds: result,
            seconds: Date().timeIntervalSince(start), status: "exact")
    }
}
