import Foundation
import LinearAlgebra
import TestSupport
import XCTest
@testable import Networks

/// A convolution stored as its dense layer: expansion against a direct convolution, the adjoint,
/// the structure check, the architecture syntax and the network file's conv2d attributes.
final class ConvolutionLayoutTests: XCTestCase {
    /// 2 × 6 × 6 input, 3 filters 3 × 3, stride 2 → 3 × 2 × 2.
    let layout = try! ConvolutionLayout(inputChannels: 2, inputHeight: 6, inputWidth: 6, filters: 3, kernel: 3, stride: 2)

    func random<Scalar: BLASScalar>(_ count: Int, _ rng: inout SystemRandomNumberGenerator) -> [Scalar] {
        (0..<count).map { _ in Scalar(Double.random(in: -1...1, using: &rng)) }
    }

    /// The dense layer's `W x + b` equals the convolution computed directly from its definition.
    func checkExpandMatchesDirectConvolution<Scalar: BLASScalar>(_: Scalar.Type, tolerance: Scalar) throws {
        var rng = SystemRandomNumberGenerator()
        let c = layout
        let kernel: [Scalar] = random(c.kernelSize, &rng)
        let beta: [Scalar] = random(c.filters, &rng)
        let x: [Scalar] = random(c.inputSize, &rng)
        let dense = try c.expand(kernel: kernel, bias: beta)
        XCTAssertEqual(dense.convolution, c)
        XCTAssertEqual([dense.outputSize, dense.inputSize], [c.outputSize, c.inputSize])
        for f in 0..<c.filters {
            for i in 0..<c.outputHeight {
                for j in 0..<c.outputWidth {
                    var direct = beta[f]
                    for ch in 0..<c.inputChannels {
                        for u in 0..<c.kernel {
                            for v in 0..<c.kernel {
                                let k = kernel[((f * c.inputChannels + ch) * c.kernel + u) * c.kernel + v]
                                direct += k * x[(ch * c.inputHeight + c.stride * i + u) * c.inputWidth + c.stride * j + v]
                            }
                        }
                    }
                    let row = (f * c.outputHeight + i) * c.outputWidth + j
                    var viaDense = dense.bias[row]
                    for col in 0..<c.inputSize { viaDense += dense.weight[row, col] * x[col] }
                    XCTAssertEqual(viaDense, direct, accuracy: tolerance, "\(Scalar.self) output (\(f), \(i), \(j))")
                }
            }
        }
    }

    func testExpandMatchesDirectConvolution() throws {
        XCTAssertEqual(layout.outputShape, [3, 2, 2])
        try checkExpandMatchesDirectConvolution(Float.self, tolerance: 1e-5)
        try checkExpandMatchesDirectConvolution(Double.self, tolerance: 1e-13)
    }

    /// ⟨E(K, β), (G, g)⟩ = ⟨(K, β), T(G, g)⟩ for random K, β, G, g; and tieInPlace = E ∘ T.
    func testTieIsTheAdjointOfExpand() throws {
        var rng = SystemRandomNumberGenerator()
        let c = layout
        for _ in 0..<5 {
            let kernel: [Double] = random(c.kernelSize, &rng), beta: [Double] = random(c.filters, &rng)
            let g: [Double] = random(c.outputSize * c.inputSize, &rng), gb: [Double] = random(c.outputSize, &rng)
            let dense = try c.expand(kernel: kernel, bias: beta)
            func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
            let left = dot(dense.weight.elements, g) + dot(dense.bias, gb)
            let tied = c.tie(weightGradient: g, biasGradient: gb)
            let right = dot(kernel, tied.kernel) + dot(beta, tied.bias)
            XCTAssertEqual(left, right, accuracy: 1e-12 * max(1, abs(left)))
            var (pg, pgb) = (g, gb)
            c.tieInPlace(weightGradient: &pg, biasGradient: &pgb)
            let expanded = try c.expand(kernel: tied.kernel, bias: tied.bias)
            XCTAssertEqual(pg, expanded.weight.elements)
            XCTAssertEqual(pgb, expanded.bias)
        }
    }

    /// `kernel(of:)` reads back exactly what `expand` wrote and rejects every break of the structure.
    func testReadOffRoundTripsAndRejectsBrokenStructure() throws {
        var rng = SystemRandomNumberGenerator()
        let kernel: [Float] = random(layout.kernelSize, &rng), beta: [Float] = random(layout.filters, &rng)
        let dense = try layout.expand(kernel: kernel, bias: beta)
        let back = try layout.kernel(of: dense)
        XCTAssertEqual(back.kernel, kernel)
        XCTAssertEqual(back.bias, beta)

        var offStructure = dense
        offStructure.weight[0, layout.inputSize - 1] = 0.5  // row 0 sees only the top-left corner
        XCTAssertThrowsError(try layout.kernel(of: offStructure)) { XCTAssertTrue("\($0)".contains("outside"), "\($0)") }
        var untied = dense
        untied.weight[1, 2 * 1 + 0] += 1  // output (0, 0, 1), kernel entry (0, 0, 0, 0)
        XCTAssertThrowsError(try layout.kernel(of: untied)) { XCTAssertTrue("\($0)".contains("differs"), "\($0)") }
        var biasUntied = dense
        biasUntied.bias[5] += 1
        XCTAssertThrowsError(try layout.kernel(of: biasUntied)) { XCTAssertTrue("\($0)".contains("bias [5]"), "\($0)") }
        let wrongShape = try DenseLayer(weight: Matrix<Float>(rows: 12, columns: 71), bias: [Float](repeating: 0, count: 12))
        XCTAssertThrowsError(try layout.kernel(of: wrongShape))
        XCTAssertThrowsError(try DenseLayer(weight: Matrix<Float>(rows: 12, columns: 71), bias: [Float](repeating: 0, count: 12), convolution: layout))
        XCTAssertThrowsError(try ConvolutionLayout(inputChannels: 1, inputHeight: 3, inputWidth: 8, filters: 2, kernel: 4, stride: 1))
    }

    func testArchitectureSyntax() throws {
        let dense = try NetworkArchitecture(parsing: "784-200-100-50-10")
        XCTAssertEqual(dense.sizes, [784, 200, 100, 50, 10])
        XCTAssertEqual(dense.convolutions, [])
        XCTAssertEqual(dense.description, "784-200-100-50-10")
        let cnn = try NetworkArchitecture(parsing: "28x28-c16k4s2-c32k4s2-100-10")
        XCTAssertEqual(cnn.sizes, [784, 2704, 800, 100, 10])
        XCTAssertEqual(cnn.convolutions.map(\.outputShape), [[16, 13, 13], [32, 5, 5]])
        XCTAssertEqual(cnn.convolutions[1].inputShape, [16, 13, 13])
        XCTAssertEqual(cnn.description, "28x28-c16k4s2-c32k4s2-100-10")
        let strideOne = try NetworkArchitecture(parsing: "2x8x8-c4k3-10")
        XCTAssertEqual(strideOne.sizes, [128, 144, 10])
        XCTAssertEqual(strideOne.description, "2x8x8-c4k3s1-10")
        XCTAssertEqual(try NetworkArchitecture(parsing: "28x28-100-10").sizes, [784, 100, 10])

        // Each rejection names the offending token.
        let rejected = [
            "784-c16k4s2-10": "'c16k4s2'", "28x28-100-c8k3-10": "'c8k3'", "28x28-c16q4-10": "'c16q4'",
            "28x28-c16k4s2": "must end in a dense layer", "28x28-c4k30-10": "'c4k30'", "784-0-10": "'0'",
            "784": "no layers", "28x-10": "'28x'", "784--10": "''", "28x28-c0k3-10": "'c0k3'", "28x28-c4k3s2s1-10": "'c4k3s2s1'",
        ]
        for (text, fragment) in rejected {
            XCTAssertThrowsError(try NetworkArchitecture(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(text): \(error)")
            }
        }
    }

    /// A convolution network written with compression reads back identical, conv2d attributes
    /// included; a file whose attributes do not match its matrix is rejected; without the
    /// attributes the same matrix reads as a plain dense layer.
    func testFileRoundTripWithCompressionAndConvolutionAttributes() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SystemRandomNumberGenerator()
        let conv = try ConvolutionLayout(inputChannels: 1, inputHeight: 28, inputWidth: 28, filters: 8, kernel: 4, stride: 2)
        let first = try conv.expand(kernel: random(conv.kernelSize, &rng) as [Float], bias: random(conv.filters, &rng))
        let last = try DenseLayer(
            weight: Matrix(rows: 10, columns: conv.outputSize, elements: random(10 * conv.outputSize, &rng)),
            bias: random(10, &rng) as [Float])
        let net = try ReLUNetwork(name: "cnn", inputShape: [28, 28], layers: [first, last])
        XCTAssertEqual(net.architecture, "28x28-c8k4s2-10")
        let path = dir.appendingPathComponent("cnn.h5").path
        try net.write(to: path)
        let back = try ReLUNetwork<Float>.read(from: path)
        XCTAssertEqual(back, net)
        XCTAssertEqual(back.layers[0].convolution, conv)
        XCTAssertNil(back.layers[1].convolution)
        // The 1352 × 784 float32 matrix (4.2 MB raw, 2 % nonzero) is stored compressed.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertLessThan(size, 300_000, "file of \(size) bytes")

        var broken = net
        broken.layers[0].weight[0, 783] = 1
        try broken.write(to: path)
        XCTAssertThrowsError(try ReLUNetwork<Float>.read(from: path)) { error in
            XCTAssertEqual((error as? NetworkFileError)?.path, "/layers/0/weight")
            XCTAssertTrue("\(error)".contains("outside"), "\(error)")
        }
        var plain = net
        plain.layers[0].convolution = nil
        try plain.write(to: path)
        XCTAssertEqual(try ReLUNetwork<Float>.read(from: path), plain)
        XCTAssertEqual(try ReLUNetwork<Float>.read(from: path).architecture, "784-1352-10")
    }
}
