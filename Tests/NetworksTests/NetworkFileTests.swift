import Foundation
import LinearAlgebra
import TestSupport
import XCTest
@testable import Networks

/// HDF5 reading, writing and every rejection of network-format.md, on fixtures written by h5py
/// (Tests/Fixtures/make_network_fixtures.py).
final class NetworkFileTests: XCTestCase {
    func fixture(_ name: String) -> String { TestPaths.fixture("networks/" + name) }

    func testReadsFixtureAttributes() throws {
        let net = try ReLUNetwork<Double>.read(from: fixture("tiny.h5"))
        XCTAssertEqual(net.name, "tiny")
        XCTAssertEqual(net.provenance, "fixture made by make_network_fixtures.py")
        XCTAssertEqual(net.inputShape, [2, 3])
        XCTAssertEqual(net.inputLower, 0)
        XCTAssertEqual(net.inputUpper, 1)
        XCTAssertEqual(net.architecture, "6-5-4-3")
        XCTAssertEqual(net.hiddenSizes, [5, 4])
        XCTAssertEqual(net.classCount, 3)
    }

    func testRoundTripKeepsEverything() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try ReLUNetwork<Double>.read(from: fixture("tiny.h5"))
        let path = dir.appendingPathComponent("copy.h5").path
        try original.write(to: path)
        XCTAssertEqual(try ReLUNetwork<Double>.read(from: path), original)
        // Overwriting an existing file works and leaves no temporary file behind.
        var renamed = original
        renamed.name = "renamed"
        renamed.provenance = nil
        try renamed.write(to: path)
        let back = try ReLUNetwork<Double>.read(from: path)
        XCTAssertEqual(back.name, "renamed")
        XCTAssertNil(back.provenance)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["copy.h5"])

        // A Float network is stored as float32 and comes back bit for bit.
        let single = try original.converted(to: Float.self)
        let singlePath = dir.appendingPathComponent("single.h5").path
        try single.write(to: singlePath)
        XCTAssertEqual(try ReLUNetwork<Float>.read(from: singlePath), single)
    }

    func testFloat32FileMatchesFloat64WithinRounding() throws {
        let double = try ReLUNetwork<Double>.read(from: fixture("tiny.h5"))
        let single = try ReLUNetwork<Double>.read(from: fixture("tiny_f32.h5"))
        for (a, b) in zip(double.layers, single.layers) {
            XCTAssertLessThan(a.weight.maxAbsDifference(b.weight), 1e-6)
            XCTAssertNotEqual(a.weight, b.weight)  // really stored in single precision
        }
    }

    func testExtraAttributesAndGroupsAreIgnored() throws {
        let net = try ReLUNetwork<Double>.read(from: fixture("ok_extra_groups.h5"))
        XCTAssertEqual(net, try ReLUNetwork<Double>.read(from: fixture("tiny.h5")))
    }

    /// Every rejection names the file and the HDF5 path at fault.
    func testRejections() {
        let cases: [(file: String, path: String, reason: String)] = [
            ("bad_missing_name.h5", "/@name", "missing attribute"),
            ("bad_missing_input_lower.h5", "/@input_lower", "missing attribute"),
            ("bad_format.h5", "/@format", "unknown format 'relu-cnn'"),
            ("bad_version.h5", "/@format_version", "unknown format_version 2"),
            ("bad_shape.h5", "/layers/1/weight", "shape [4, 7] takes 7 inputs but the previous layer's output gives 5"),
            ("bad_input_shape.h5", "/layers/0/weight", "input_shape [7] gives 7"),
            ("bad_bias.h5", "/layers/1/bias", "shape [3] does not match weight rows 4"),
            ("bad_nonfinite.h5", "/layers/2/weight", "non-finite value nan at [1, 2]"),
            ("bad_infinite_bias.h5", "/layers/0/bias", "non-finite value inf at [3]"),
            ("bad_gap.h5", "/layers/2", "missing layer"),
            ("bad_missing_bias.h5", "/layers/1/bias", "missing dataset"),
        ]
        for c in cases {
            let file = fixture(c.file)
            XCTAssertThrowsError(try ReLUNetwork<Double>.read(from: file), c.file) { error in
                guard let e = error as? NetworkFileError else { return XCTFail("\(c.file): \(error)") }
                XCTAssertEqual(e.file, file)
                XCTAssertEqual(e.path, c.path, c.file)
                XCTAssertTrue(e.reason.contains(c.reason), "\(c.file): '\(e.reason)' lacks '\(c.reason)'")
                XCTAssertFalse(e.description.contains("\n"))
            }
        }
    }

    func testMissingAndNonHDF5Files() throws {
        XCTAssertThrowsError(try ReLUNetwork<Double>.read(from: fixture("absent.h5"))) { error in
            XCTAssertEqual((error as? NetworkFileError)?.reason, "no such file")
        }
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.h5").path
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try ReLUNetwork<Double>.read(from: junk)) { error in
            XCTAssertEqual((error as? NetworkFileError)?.reason, "not an HDF5 file (or unreadable)")
        }
        // A truncated copy of a valid file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("tiny.h5")))
        let cut = dir.appendingPathComponent("cut.h5").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        XCTAssertThrowsError(try ReLUNetwork<Double>.read(from: cut)) { error in
            XCTAssertEqual((error as? NetworkFileError)?.file, cut)
        }
    }

    func testWriteRefusesNonFiniteWeights() throws {
        var net = try ReLUNetwork<Double>.read(from: fixture("tiny.h5"))
        var weights = net.layers.map(\.weight)
        weights[1][0, 0] = .infinity
        try net.setParameters(weights: weights, biases: net.layers.map(\.bias))
        XCTAssertThrowsError(try net.write(to: "/tmp/sdpcert-nonfinite.h5")) { error in
            XCTAssertEqual((error as? NetworkFileError)?.path, "/layers/1")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/sdpcert-nonfinite.h5"))
    }

    func testWriteToMissingFolderFails() throws {
        let net = try ReLUNetwork<Double>.read(from: fixture("tiny.h5"))
        XCTAssertThrowsError(try net.write(to: "/nonexistent-folder-sdpcert/x.h5")) { error in
            XCTAssertEqual((error as? NetworkFileError)?.file, "/nonexistent-folder-sdpcert/x.h5")
        }
    }
}
