import Certifiers
import LinearAlgebra
import Networks

/// Paper 1, Proposition 1: for `f(x) = 1ᵀ ReLU(W x)` with random ±1 weights W (m × d), x̄ = 0 and
/// ε = 1, the LP relaxation gives `f_LP ≥ m d / 2` while the SDP gives `f_SDP = O(m √d + d √m)`.
struct Proposition1Instance {
    var m: Int
    var d: Int
    var trial: Int
    var network: ReLUNetwork<Double>

    /// The seeded instance (seed, m, d, trial determine W).
    init(m: Int, d: Int, trial: Int, seed: UInt64) throws {
        self.m = m
        self.d = d
        self.trial = trial
        var rng = SplitMix64(seed: seed &+ UInt64(m) &* 1_000_003 &+ UInt64(d) &* 10_007 &+ UInt64(trial))
        var w = Matrix<Double>(rows: m, columns: d)
        for i in w.elements.indices { w.elements[i] = rng.next() & 1 == 0 ? -1 : 1 }
        // Output 0 is 1ᵀz (the "target"), output 1 is 0 (the "label"): the margin bound of target 0
        // against label 1 is max 1ᵀ ReLU(W x) over the box.
        var c = Matrix<Double>(rows: 2, columns: m)
        for j in 0..<m { c[0, j] = 1 }
        network = try ReLUNetwork(
            name: "prop1-\(m)x\(d)-\(trial)", inputShape: [d], inputLower: -1, inputUpper: 1,
            layers: [DenseLayer(weight: w, bias: [Double](repeating: 0, count: m)), DenseLayer(weight: c, bias: [0, 0])])
    }

    var center: [Double] { [Double](repeating: 0, count: d) }

    /// `f_LP` (LP-cert's sound bound).
    func lpValue() throws -> Double {
        try requireBound(LPCertifier().certify(network: network, center: center, label: 1, epsilon: 1).bounds[0])
    }

    /// `f_SDP` through CSDP (interior point, reported through its dual).
    func sdpValue() throws -> Double {
        try CSDPCertifier().certifyTarget(network: network, center: center, label: 1, target: 0, epsilon: 1)
    }

    /// The true maximum by enumerating the vertices of the box (a convex function's maximum over
    /// a box is at a vertex); nil when d > 20.
    func exactValue() throws -> Double? {
        guard d <= 20 else { return nil }
        let w = network.layers[0].weight
        var best = -Double.infinity
        for mask in 0..<(1 << d) {
            var total = 0.0
            for i in 0..<m {
                var s = 0.0
                for j in 0..<d { s += (mask >> j) & 1 == 1 ? w[i, j] : -w[i, j] }
                total += max(s, 0)
            }
            best = max(best, total)
        }
        return best
    }

    /// `m d / 2` and `m √d + d √m`.
    var lpLowerBound: Double { Double(m * d) / 2 }
    var sdpScale: Double { Double(m) * Double(d).squareRoot() + Double(d) * Double(m).squareRoot() }
}

/// A bound that is missing is a solver failure.
private func requireBound(_ value: Double?) throws -> Double {
    guard let value else { throw CertifierError.solverFailed("LP-cert returned no bound for target 0") }
    return value
}
