import Foundation
import LinearAlgebra
import Networks
import TestSupport
import XCTest
@testable import Certifiers

/// The dual of SDP-cert: its start equals the interval certificate, every multiplier gives a
/// sound bound, and the gradient the optimiser follows is the true one.
final class SDPDualTests: XCTestCase {
    func fixtureCases() throws -> [(FixtureCase, ReLUNetwork<Double>)] { try FixtureCase.all() }

    /// F with the exact (dense) μ and no margins.
    func objective(_ dual: SDPDual, _ m: SDPMultipliers) throws -> Double {
        let c = try dual.centred(m)
        let mu = try dual.denseMatrix(m, head: c.head).symmetricEigen(.largest, vectors: false).values[0]
        return dual.bound(constant: c.constant, kappa: m.kappa, mu: mu)
    }

    func randomMultipliers(_ p: SDPProblem, seed: UInt64) -> SDPMultipliers {
        var rng = SplitMix64(seed: seed)
        var m = SDPMultipliers(size: p.size)
        for i in 0..<p.size {
            m.a[i] = rng.unitInterval()
            m.b[i] = rng.unitInterval()
            m.e[i] = 2 * rng.unitInterval() - 1
            m.d[i] = rng.unitInterval()
        }
        for i in m.kappa.indices { m.kappa[i] = 2 * rng.unitInterval() - 0.5 }
        m.project(inputCount: p.alive[0].count)
        return m
    }

    func testStartIsTheIntervalCertificate() throws {
        for (c, net) in try fixtureCases() {
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            let interval = bounds.marginUpperBounds(network: net, label: c.label)
            for j in 0..<net.classCount where j != c.label {
                let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: j)
                let dual = SDPDual(problem: p)
                var zero = SDPDualMixing(problem: p)
                zero.iterations = 0
                let start = try zero.solve(from: SDPMultipliers(size: p.size)).bound
                _ = dual
                XCTAssertEqual(start, interval[j], accuracy: 1e-7 * max(1, abs(interval[j])), "\(c.network) target \(j)")
                XCTAssertGreaterThanOrEqual(start, interval[j] - 1e-9)
            }
        }
    }

    func testAnyMultipliersGiveSoundBounds() throws {
        var rng = SplitMix64(seed: 5)
        for (n, (c, net)) in try fixtureCases().enumerated() {
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            let j = (c.label + 1) % net.classCount
            let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: j)
            let dual = SDPDual(problem: p)
            let m = randomMultipliers(p, seed: UInt64(n))
            let bound = try dual.soundBound(m)
            for _ in 0..<300 {
                let x = c.center.map { min(max($0 + (2 * rng.unitInterval() - 1) * c.eps, 0), 1) }
                let s = try net.scores(x)
                XCTAssertLessThanOrEqual(s[j] - s[c.label], bound)
            }
        }
    }

    /// The layered form the mixing method works on holds exactly the entries of the dense
    /// `Ŝ − diag κ`, and the mixing method gives the same maximiser on both forms.
    func testLayeredMatrixEqualsDenseMatrix() throws {
        for (n, (c, net)) in try fixtureCases().enumerated() {
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: (c.label + 1) % net.classCount)
            let dual = SDPDual(problem: p)
            let m = randomMultipliers(p, seed: UInt64(100 + n))
            let head = try dual.centred(m).head
            let dense = dual.denseMatrix(m, head: head)
            let layered = dual.layeredMatrix(m, head: head, couplings: dual.couplings())
            XCTAssertLessThanOrEqual(layered.dense().maxAbsDifference(dense), 1e-15 * max(1, dense.elements.map(abs).max() ?? 0), "\(c.network)")
            // The layered product S V (the augmented Lagrangian's gradient) is the dense one.
            var rng = SplitMix64(seed: UInt64(7 + n))
            let v = try Matrix(rows: dense.rows, columns: 3, elements: (0..<(3 * dense.rows)).map { _ in 2 * rng.unitInterval() - 1 })
            let product = try layered.multiplied(by: v), expected = try dense.multiplied(by: v)
            XCTAssertLessThanOrEqual(product.maxAbsDifference(expected), 1e-12 * max(1, expected.elements.map(abs).max() ?? 0), "\(c.network)")
            var inner = ElliptopeMaximization()
            inner.rank = 8
            inner.sweeps = 20
            let a = try inner.solve(layered), b = try inner.solve(dense, layers: layered.couplings.layers)
            XCTAssertEqual(a.value, b.value, accuracy: 1e-9 * max(1, abs(b.value)), "\(c.network)")
            XCTAssertLessThanOrEqual(a.v.maxAbsDifference(b.v), 1e-9, "\(c.network)")
        }
    }

    /// `H(v0, w) = ∂/∂(a, b, e, d) of [v0 gᵀw + wᵀQw]`, flat as [a, b, e, d]: the derivative of
    /// the uncentred Lagrangian's quadratic form at one column (v0, w) of the lifted factor.
    ///
    /// - Complexity: one pass through the weights.
    func bilinear(_ p: SDPProblem, v0: Double, w: [Double]) throws -> [Double] {
        let n = p.size
        var ga = [Double](repeating: 0, count: n), gb = ga, ge = ga, gd = ga
        for i in 0..<n {
            ga[i] = v0 * w[i]
            gb[i] = v0 * w[i]
            ge[i] = w[i] * w[i]
            gd[i] = v0 * (p.lower[i] + p.upper[i]) * w[i] - w[i] * w[i]
        }
        for k in 1..<max(p.layerCount, 1) {
            let down = try p.weights[k - 1].apply(Array(w[p.block(k - 1)]))
            let bias = p.biases[k - 1]
            for (t, i) in p.block(k).enumerated() {
                gb[i] -= v0 * down[t]
                ge[i] -= v0 * bias[t] * w[i] + w[i] * down[t]
            }
        }
        return ga + gb + ge + gd
    }


    /// The batched subgradient (one `gemm` per layer) is the sum over the factor's columns of the
    /// per-column derivative H (`bilinear` below, written out term by term).
    func testBatchedSubgradientIsTheSumOverColumns() throws {
        for (n, (c, net)) in try fixtureCases().enumerated() {
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: (c.label + 1) % net.classCount)
            let dual = SDPDual(problem: p), size = p.size
            var rng = SplitMix64(seed: UInt64(40 + n))
            let v = try Matrix(rows: size + 1, columns: 5, elements: (0..<(5 * (size + 1))).map { _ in 2 * rng.unitInterval() - 1 })
            var expected = [Double](repeating: 0, count: 3 * size)
            for col in 0..<v.columns {
                let v0 = v[0, col]
                let w = (0..<size).map { p.scale[$0] * v[$0 + 1, col] + v0 * p.center[$0] }
                let h = try bilinear(p, v0: v0, w: w)
                for t in expected.indices { expected[t] += h[t] }
            }
            for k in 1..<max(p.layerCount, 1) {
                for (t, i) in p.block(k).enumerated() { expected[size + i] -= p.biases[k - 1][t] }
            }
            let got = try dual.subgradient(factor: v)
            for t in expected.indices {
                XCTAssertEqual(got[t], expected[t], accuracy: 1e-12 * max(1, abs(expected[t])), "\(c.network) entry \(t)")
            }
        }
    }

    /// The augmented Lagrangian scales every ReLU constraint by its gradient: `constraintWeights`
    /// is 1/‖A_t‖²_F for c_t(P̂) = ⟨A_t, P̂⟩ + c⁰_t, with A_t read off `SDPDual.subgradient`
    /// (linear in P̂) at P̂ = 0, e_i e_iᵀ and (e_i + e_j)(e_i + e_j)ᵀ, without the entry P̂_00 (fixed).
    func testConstraintWeightsAreInverseGradientNorms() throws {
        var checked = 0
        for (c, net) in try fixtureCases().prefix(4) {
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: (c.label + 1) % net.classCount)
            let dual = SDPDual(problem: p), n = p.size
            func residuals(_ columns: [Int]) throws -> [Double] {
                var v = Matrix<Double>(rows: n + 1, columns: 1)
                for i in columns { v[i, 0] = 1 }
                return try dual.subgradient(factor: v)
            }
            let zero = try residuals([])
            let diagonal = try (0...n).map { try residuals([$0]) }
            var squares = [Double](repeating: 0, count: 3 * n)
            for i in 0...n {
                // P̂_00 = 1 is fixed: its coefficient is part of the constant, not of the gradient.
                if i > 0 { for t in 0..<(3 * n) { squares[t] += pow(diagonal[i][t] - zero[t], 2) } }
                for j in (i + 1)..<(n + 1) {
                    let pair = try residuals([i, j])
                    for t in 0..<(3 * n) {
                        let aij = (pair[t] - diagonal[i][t] - diagonal[j][t] + zero[t]) / 2
                        squares[t] += 2 * aij * aij
                    }
                }
            }
            let weights = SDPDualAugmentedLagrangian(problem: p).constraintWeights()
            for t in 0..<(3 * n) where t % n >= p.alive[0].count && squares[t] > 0 {
                XCTAssertEqual(weights[t] * squares[t], 1, accuracy: 1e-9, "\(c.network) constraint \(t)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// The augmented Lagrangian alone, from θ = 0 (where d is the interval bound), reaches the
    /// reference optimum of the SDP fixtures, and its primal factor ends nearly feasible with a
    /// value just below the optimum (weak duality, up to that residual).
    func testAugmentedLagrangianFromZeroReachesTheOptimum() throws {
        for c in try FixtureCase.sdpCases().prefix(6) {
            let net = try ReLUNetwork<Double>.read(from: TestPaths.fixture(c.network))
            let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
            for (key, reference) in try XCTUnwrap(c.sdp) {
                let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: Int(key)!)
                let scale = max(1, abs(reference))
                let result = try SDPDualAugmentedLagrangian(problem: p).solve(from: SDPMultipliers(size: p.size), factor: nil)
                XCTAssertEqual(result.bound, reference, accuracy: 1e-4 * scale, "\(c.network) target \(key)")
                XCTAssertGreaterThanOrEqual(result.bound, reference - 1e-6 * scale)
                XCTAssertLessThan(result.residual, 1e-5, "\(c.network) target \(key)")
                XCTAssertEqual(result.primal, reference, accuracy: 1e-3 * scale, "\(c.network) target \(key)")
            }
        }
    }

    /// The layer-at-a-time sweep (two `gemm`s per layer) is the mixing method's row-by-row
    /// Gauss–Seidel sweep: against a plain row-by-row implementation on the dense matrix, from
    /// the same start, the factors agree to rounding after 1, 2 and 40 sweeps.
    func testLayerSweepIsTheRowByRowSweep() throws {
        var rng = SplitMix64(seed: 3)
        let layers = [1..<6, 6..<10, 10..<13, 13..<13, 13..<15]
        let n = 15, r = 8
        var s = Matrix<Double>(rows: n, columns: n)
        func symmetric(_ i: Int, _ j: Int) {
            let x = 2 * rng.unitInterval() - 1
            s[i, j] = x
            s[j, i] = x
        }
        for i in 0..<n { symmetric(0, i) }
        for i in 1..<n { s[i, i] = 2 * rng.unitInterval() - 1.5 }
        for k in 1..<layers.count { for i in layers[k] { for j in layers[k - 1] { symmetric(i, j) } } }
        var start = Matrix<Double>(rows: n, columns: r)
        for i in 0..<n {
            let row = (0..<r).map { _ in 2 * rng.unitInterval() - 1 }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for c in 0..<r { start[i, c] = row[c] / norm }
        }
        for sweeps in [1, 2, 40] {
            // Row by row on the dense matrix.
            var v = start
            for _ in 0..<sweeps {
                for i in 0..<n {
                    var g = [Double](repeating: 0, count: r)
                    for j in 0..<n where j != i { for c in 0..<r { g[c] += s[i, j] * v[j, c] } }
                    let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    let boundary = i == 0 || s[i, i] >= 0 || norm >= -s[i, i]
                    for c in 0..<r { v[i, c] = boundary ? g[c] / norm : -g[c] / s[i, i] }
                }
            }
            var value = 0.0
            for i in 0..<n { for j in 0..<n { for c in 0..<r { value += s[i, j] * v[i, c] * v[j, c] } } }
            var inner = ElliptopeMaximization()
            inner.rank = r
            inner.sweeps = sweeps
            inner.tolerance = 0
            let result = try inner.solve(s, layers: layers, start: start)
            XCTAssertLessThanOrEqual(result.v.maxAbsDifference(v), 1e-12, "\(sweeps) sweeps")
            XCTAssertEqual(result.value, value, accuracy: 1e-12 * max(1, abs(value)), "\(sweeps) sweeps")
        }
    }

    /// The dual function d(θ) = const'(θ) + max{⟨Ŝ(θ), P̂⟩ : P̂ ⪰ 0, P̂_00 = 1, P̂_ii ≤ 1}, with the
    /// inner maximum solved to convergence at full rank.
    func dualFunction(_ dual: SDPDual, _ m: SDPMultipliers, layers: [Range<Int>]) throws -> (value: Double, factor: Matrix<Double>) {
        var inner = ElliptopeMaximization()
        inner.sweeps = 5000
        inner.tolerance = 1e-13
        var q = m
        for i in q.kappa.indices { q.kappa[i] = 0 }
        let centred = try dual.centred(q)
        let r = try inner.solve(dual.denseMatrix(q, head: centred.head), layers: layers)
        return (centred.constant + r.value, r.v)
    }

    func testSubgradientMatchesFiniteDifferences() throws {
        let (c, net) = try fixtureCases()[5]
        let bounds = try IntervalBounds(network: net, center: c.center, epsilon: c.eps)
        let p = SDPProblem(network: net, bounds: bounds, label: c.label, target: (c.label + 1) % net.classCount)
        let dual = SDPDual(problem: p)
        var m = randomMultipliers(p, seed: 11)
        for i in m.d.indices { m.d[i] = 0 }
        let layers = (0..<p.layerCount).map { k in (p.block(k).lowerBound + 1)..<(p.block(k).upperBound + 1) }
        let (_, factor) = try dualFunction(dual, m, layers: layers)
        let gradient = try dual.subgradient(factor: factor)
        let n = p.size
        let h = 1e-6
        func perturbed(_ index: Int, _ delta: Double) -> SDPMultipliers {
            var q = m
            switch index / n {
            case 0: q.a[index % n] += delta
            case 1: q.b[index % n] += delta
            default: q.e[index % n] += delta
            }
            return q
        }
        let inputs = p.alive[0].count
        var checked = 0
        for index in 0..<(3 * n) where index % n >= inputs {
            let fd = (try dualFunction(dual, perturbed(index, h), layers: layers).value
                - dualFunction(dual, perturbed(index, -h), layers: layers).value) / (2 * h)
            XCTAssertEqual(gradient[index], fd, accuracy: 1e-4 * max(1, abs(fd)), "entry \(index) (block \(index / n))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
    }
}

/// The SDP certifier end to end on the fixtures: never looser than the interval certificate
/// (its start), never below sampled margins.
final class SDPCertifierTests: XCTestCase {
    func testBoundsAreBetweenSamplesAndInterval() throws {
        var rng = SplitMix64(seed: 17)
        var improved = 0
        for (c, net) in try FixtureCase.all() {
            let sdp = try SDPCertifier(iterations: 300).certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let interval = try IntervalCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            for (j, bound) in sdp.bounds {
                // The start is the interval certificate; its eigenvalue certificate (Lanczos +
                // Cholesky, `Matrix.largestEigenvalueUpperBound`) may add (N+1) · 1e-9 · rms.
                XCTAssertLessThanOrEqual(bound, interval.bounds[j]! + 1e-6 * max(1, abs(bound)))
                if bound < interval.bounds[j]! - 1e-3 { improved += 1 }
            }
            for _ in 0..<200 {
                let x = c.center.map { min(max($0 + (2 * rng.unitInterval() - 1) * c.eps, 0), 1) }
                let s = try net.scores(x)
                for (j, bound) in sdp.bounds { XCTAssertLessThanOrEqual(s[j] - s[c.label], bound) }
            }
        }
        XCTAssertGreaterThan(improved, 10, "the optimiser should improve on the interval start")
    }

    /// Fail-fast certifies exactly the points the full run certifies; after the first
    /// uncertified target the rest report their interval bounds, marked `not-attempted`.
    func testFailFastDecidesAsTheFullRun() throws {
        var skipped = 0
        for (c, net) in try FixtureCase.all() {
            let full = try SDPCertifier(iterations: 300).certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let fast = try SDPCertifier(iterations: 300, failFast: true).certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            let interval = try IntervalCertifier().certify(network: net, center: c.center, label: c.label, epsilon: c.eps)
            XCTAssertEqual(fast.certified, full.certified, c.network)
            XCTAssertEqual(Set(fast.bounds.keys), Set(full.bounds.keys))
            let solved = fast.bounds.filter { $0.value != interval.bounds[$0.key] }
            if fast.status.contains("not-attempted") {
                skipped += 1
                XCTAssertFalse(fast.certified)
                // Exactly one solved target failed; the others solved were certified.
                XCTAssertEqual(solved.values.filter { $0 >= 0 }.count, 1, "\(c.network): \(fast.bounds)")
            } else {
                for (j, bound) in fast.bounds { XCTAssertEqual(bound, full.bounds[j]!, accuracy: 1e-12) }
            }
        }
        XCTAssertGreaterThan(skipped, 0, "some fixture should have an uncertified target")
    }
}
