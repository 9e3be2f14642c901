import Foundation
import LinearAlgebra
import TestSupport
import XCTest
@testable import Networks

/// The ONNX importer and its protobuf decoder, on fixtures written by
/// Fixtures/onnx/make_onnx_fixtures.py (expected values from onnx's reference evaluator).
final class ONNXImportTests: XCTestCase {
    /// What the generating script recorded for one fixture.
    struct Expected: Decodable {
        struct Layer: Decodable {
            var weight: [[Double]]
            var bias: [Double]
        }
        var inputShape: [Int]
        var architecture: String
        var layers: [Layer]
        var inputs: [[Double]]
        var scores: [[Double]]
        var clippedScores: [[Double]]?
    }

    func fixture(_ name: String) -> String {
        TestPaths.fixture("onnx/\(name)")
    }

    func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("expected.json")))
        return try XCTUnwrap(try JSONDecoder().decode([String: Expected].self, from: data)[name])
    }

    /// The error `body` throws, or nil (and a test failure) when it imports a network.
    func rejection(
        _ body: () throws(NetworkFileError) -> ReLUNetwork<Double>, file: StaticString = #filePath, line: UInt = #line
    ) -> NetworkFileError? {
        do {
            _ = try body()
            XCTFail("imported but should have been rejected", file: file, line: line)
            return nil
        } catch { return error }
    }

    /// The error thrown by importing the fixture `name`.
    func importError(_ name: String) -> NetworkFileError? {
        rejection { () throws(NetworkFileError) in try ReLUNetwork<Double>.importONNX(from: fixture(name)) }
    }

    func assertMatches(_ net: ReLUNetwork<Double>, _ e: Expected, scoreTolerance: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(net.inputShape, e.inputShape, file: file, line: line)
        XCTAssertEqual(net.architecture, e.architecture, file: file, line: line)
        XCTAssertEqual(net.layers.count, e.layers.count, file: file, line: line)
        for (k, (layer, want)) in zip(net.layers, e.layers).enumerated() {
            let w = try Matrix(want.weight)
            XCTAssertLessThan(layer.weight.maxAbsDifference(w), 1e-12, "layer \(k) weight", file: file, line: line)
            let db = zip(layer.bias, want.bias).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(db, 1e-12, "layer \(k) bias", file: file, line: line)
        }
        for (x, want) in zip(e.inputs, e.scores) {
            let s = try net.scores(x)
            XCTAssertEqual(s.count, want.count, file: file, line: line)
            for (a, b) in zip(s, want) { XCTAssertEqual(a, b, accuracy: scoreTolerance, file: file, line: line) }
        }
    }

    // MARK: Imports

    func testNormalisationFlattenAndGemmAttributes() throws {
        let net = try ReLUNetwork<Double>.importONNX(from: fixture("normalized_gemm.onnx"))
        try assertMatches(net, try expected("normalized_gemm"), scoreTolerance: 1e-5)
        XCTAssertEqual(net.name, "normalized_gemm")
        XCTAssertEqual(net.inputLower, 0)
        XCTAssertEqual(net.inputUpper, 1)
        let description = try XCTUnwrap(net.provenance)
        XCTAssertTrue(description.contains("normalized_gemm.onnx"), description)
        XCTAssertTrue(description.contains("folded into layer 0"), description)
    }

    func testFloat64MatMulAddReshapeAndInitializersListedAsInputs() throws {
        let net = try ReLUNetwork<Double>.importONNX(from: fixture("matmul_add_f64.onnx"), name: "mm")
        try assertMatches(net, try expected("matmul_add_f64"), scoreTolerance: 1e-12)
        XCTAssertEqual(net.name, "mm")
    }

    func testOptionsOverrideShapeAndDomain() throws {
        let net = try ReLUNetwork<Double>.importONNX(
            from: fixture("normalized_gemm.onnx"), inputShape: [6], inputLower: -1, inputUpper: 2)
        XCTAssertEqual(net.inputShape, [6])
        XCTAssertEqual(net.inputLower, -1)
        XCTAssertEqual(net.inputUpper, 2)
        let error = try XCTUnwrap(rejection { () throws(NetworkFileError) in
            try ReLUNetwork<Double>.importONNX(from: fixture("normalized_gemm.onnx"), inputShape: [7])
        })
        XCTAssertEqual(error.path, "graph/input[0] (x)")
    }

    func testFinalReLUIsRejectedUnlessAllowed() throws {
        let error = try XCTUnwrap(importError("final_relu.onnx"))
        XCTAssertEqual(error.path, "graph/node[3] (Relu)")
        XCTAssertTrue(error.reason.contains("ends in a ReLU"), error.reason)
        XCTAssertTrue(error.reason.contains("allowFinalReLU"), error.reason)

        let net = try ReLUNetwork<Double>.importONNX(from: fixture("final_relu.onnx"), allowFinalReLU: true)
        let e = try expected("final_relu")
        try assertMatches(net, e, scoreTolerance: 1e-12)  // the pre-ReLU logits
        // Clipping the imported scores at 0 gives back what the ONNX graph computes.
        for (x, clipped) in zip(e.inputs, try XCTUnwrap(e.clippedScores)) {
            for (a, b) in zip(try net.scores(x), clipped) { XCTAssertEqual(max(a, 0), b, accuracy: 1e-6) }
        }
        XCTAssertTrue(try XCTUnwrap(net.provenance).contains("final ReLU was dropped"))
    }

    // MARK: Rejections

    func testRejectionsNameTheNode() throws {
        let cases: [(file: String, path: String, words: String)] = [
            ("conv.onnx", "graph/node[0] (Conv)", "unsupported operator Conv"),
            ("unknown_op.onnx", "graph/node[1] (Sigmoid)", "unsupported operator Sigmoid"),
            ("shape_mismatch.onnx", "graph/node[2] (Gemm)", "shape mismatch"),
            ("nan_weight.onnx", "graph/node[0] (Gemm)", "'w' has the non-finite value nan"),
            ("branching.onnx", "graph/node[2] (Add)", "neither a constant nor the tensor computed so far"),
        ]
        for c in cases {
            let error = try XCTUnwrap(importError(c.file), c.file)
            XCTAssertEqual(error.path, c.path, c.file)
            XCTAssertTrue(error.reason.contains(c.words), "\(c.file): \(error.reason)")
            XCTAssertTrue(error.file.hasSuffix(c.file))
        }
    }

    func testTruncatedAndMissingFilesAreRejected() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("normalized_gemm.onnx")))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for length in [1, 7, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            let path = dir.appendingPathComponent("cut\(length).onnx").path
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ReLUNetwork<Double>.importONNX(from: path), "cut at \(length)") { error in
                let e = error as? NetworkFileError
                XCTAssertEqual(e?.file, path)
                XCTAssertFalse(e?.reason.isEmpty ?? true)
            }
        }
        let missing = dir.appendingPathComponent("missing.onnx").path
        XCTAssertThrowsError(try ReLUNetwork<Double>.importONNX(from: missing)) { error in
            XCTAssertEqual((error as? NetworkFileError)?.reason, "no such file or not readable")
        }
    }

    // MARK: Protobuf wire format

    func testProtobufReaderDecodesEveryWireType() throws {
        // field 1 varint 300, field 2 fixed64 2.5, field 3 "hi", field 4 fixed32 1.5f,
        // field 5 varint -1 (10 bytes), field 6 packed varints [1, 150], field 6 unpacked 7.
        var bytes: [UInt8] = [0x08, 0xAC, 0x02, 0x11]
        bytes += withUnsafeBytes(of: (2.5).bitPattern.littleEndian, Array.init)
        bytes += [0x1A, 2, 0x68, 0x69, 0x25]
        bytes += withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian, Array.init)
        bytes += [0x28] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        bytes += [0x32, 3, 0x01, 0x96, 0x01, 0x30, 0x07]
        var r = ProtobufReader(bytes)
        var f = try XCTUnwrap(r.nextField())
        XCTAssertEqual(f, ProtobufField(number: 1, value: .varint(300)))
        f = try XCTUnwrap(r.nextField())
        XCTAssertEqual(f, ProtobufField(number: 2, value: .fixed64((2.5).bitPattern)))
        f = try XCTUnwrap(r.nextField())
        XCTAssertEqual(try r.string(f), "hi")
        f = try XCTUnwrap(r.nextField())
        XCTAssertEqual(try r.float(f), 1.5)
        f = try XCTUnwrap(r.nextField())
        XCTAssertEqual(try r.int64(f), -1)
        var values: [UInt64] = []
        try r.appendVarints(try XCTUnwrap(r.nextField()), to: &values)
        try r.appendVarints(try XCTUnwrap(r.nextField()), to: &values)
        XCTAssertEqual(values, [1, 150, 7])
        XCTAssertNil(try r.nextField())
        XCTAssertTrue(r.isAtEnd)

        var floats: [UInt32] = []
        let packed: [UInt8] = [0x22, 8] + [0, 0, 0x80, 0x3F] + [0, 0, 0, 0x40]  // field 4: [1, 2]
        var p = ProtobufReader(packed)
        try p.appendFixed(try XCTUnwrap(p.nextField()), to: &floats)
        XCTAssertEqual(floats.map(Float.init(bitPattern:)), [1, 2])
    }

    func testProtobufReaderRejectsTruncatedAndInvalidInput() {
        let bad: [(bytes: [UInt8], words: String)] = [
            ([0x08], "truncated varint"),
            ([0x08, 0x80, 0x80], "truncated varint"),
            ([0x11, 1, 2, 3], "truncated 64-bit"),
            ([0x25, 1, 2], "truncated 32-bit"),
            ([0x1A, 5, 0x68, 0x69], "claims 5 bytes, only 2 remain"),
            ([0x0B], "unsupported wire type 3"),
            ([0x00, 0x01], "invalid field number 0"),
            ([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01], "longer than 64 bits"),
        ]
        for (bytes, words) in bad {
            var r = ProtobufReader(bytes)
            XCTAssertThrowsError(try r.nextField(), "\(bytes)") { error in
                let reason = (error as? ProtobufError)?.reason ?? ""
                XCTAssertTrue(reason.contains(words), "\(bytes): \(reason)")
            }
        }
        var r = ProtobufReader([0x22, 3, 0, 0, 0])  // packed fixed32 of 3 bytes
        var words: [UInt32] = []
        XCTAssertThrowsError(try r.appendFixed(try XCTUnwrap(r.nextField()), to: &words))
    }

    // MARK: The shared networks, when present beside the repository

    func testSharedMNISTNetworksMatchTheirHDF5Conversions() throws {
        guard let sharedPath = TestPaths.sharedNetworks else { throw XCTSkip("../shared/networks is not beside the repository") }
        let shared = URL(fileURLWithPath: sharedPath)
        var pairs = ["2", "4", "6"].map { ("vnncomp2021-mnistfc/mnist-net_256x\($0).onnx", "vnncomp2021-mnistfc/mnist-net_256x\($0).h5", false) }
        pairs.append(("eran/mnist_relu_9_200.onnx", "eran/mnist_9_200.h5", true))
        var checked = 0
        for (onnx, h5, finalReLU) in pairs {
            let onnxPath = shared.appendingPathComponent(onnx).path
            let h5Path = shared.appendingPathComponent(h5).path
            guard FileManager.default.fileExists(atPath: onnxPath), FileManager.default.fileExists(atPath: h5Path) else { continue }
            if finalReLU {
                let error = try XCTUnwrap(rejection { () throws(NetworkFileError) in
                    try ReLUNetwork<Double>.importONNX(from: onnxPath)
                })
                XCTAssertTrue(error.reason.contains("ends in a ReLU"), error.description)
            }
            let imported = try ReLUNetwork<Double>.importONNX(from: onnxPath, allowFinalReLU: finalReLU)
            let reference = try ReLUNetwork<Double>.read(from: h5Path)
            XCTAssertEqual(imported.architecture, reference.architecture, onnx)
            XCTAssertEqual(imported.inputSize, 784, onnx)
            for (k, (a, b)) in zip(imported.layers, reference.layers).enumerated() {
                XCTAssertLessThan(a.weight.maxAbsDifference(b.weight), 1e-6, "\(onnx) layer \(k) weight")
                let db = zip(a.bias, b.bias).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(db, 1e-6, "\(onnx) layer \(k) bias")
            }
            checked += 1
        }
        if checked == 0 { throw XCTSkip("none of the shared ONNX/HDF5 pairs is present") }
    }
}
