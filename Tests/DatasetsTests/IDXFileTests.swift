import TestSupport
import XCTest
@testable import Datasets

final class IDXFileTests: XCTestCase {
    struct Expected: Decodable {
        let shape: [Int]
        let pixels: [UInt8]
        let labels: [Int]
    }

    func testReadsGzipAndRawFoldersIdentically() throws {
        let expected = try TestPaths.json(Expected.self, fixture: "idx/expected_good.json")
        for folder in ["idx/good", "idx/raw"] {
            let set = try MNIST(directory: TestPaths.fixture(folder)).load(.test)
            XCTAssertEqual(set.shape, expected.shape, folder)
            XCTAssertEqual(set.pixels, expected.pixels, folder)
            XCTAssertEqual(set.labels, expected.labels, folder)
        }
    }

    func testInputsArePixelBytesOver255() throws {
        let expected = try TestPaths.json(Expected.self, fixture: "idx/expected_good.json")
        let set = try MNIST(directory: TestPaths.fixture("idx/good")).load(.test)
        let inputs = try set.inputs([2, 0], as: Double.self)
        XCTAssertEqual(inputs.rows, 2)
        XCTAssertEqual(inputs.columns, 16)
        for p in 0..<16 {
            XCTAssertEqual(inputs[0, p], Double(expected.pixels[32 + p]) / 255)
            XCTAssertEqual(inputs[1, p], Double(expected.pixels[p]) / 255)
        }
        XCTAssertThrowsError(try set.inputs([3], as: Double.self))
    }

    /// Each broken file gives a `corrupt` error whose message names the file and the problem.
    func testRejectsBrokenFiles() {
        let cases: [(String, String)] = [
            ("truncated-idx3-ubyte", "truncated: header [3, 4, 4] announces 48 data bytes, file has 43"),
            ("truncated-header-idx3-ubyte", "truncated IDX header"),
            ("bad-magic-idx3-ubyte", "bad IDX magic number 08 03"),
            ("wrong-count-idx3-ubyte", "wrong count: header [3, 4, 4] announces 48 data bytes, file has 64"),
            ("float-type-idx3-ubyte", "element type 0x0d is not supported"),
            ("truncated-gz-idx3-ubyte.gz", "gzip stream ends early"),
        ]
        for (name, message) in cases {
            let path = TestPaths.fixture("idx/" + name)
            XCTAssertThrowsError(try IDXFile.read(path), name) { error in
                guard case DatasetError.corrupt(let file, let reason) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(file, path)
                XCTAssertTrue(reason.contains(message), "\(name): '\(reason)' lacks '\(message)'")
                XCTAssertTrue("\(error)".hasPrefix(path + ": "))
            }
        }
    }

    func testChecksumMismatchIsReported() {
        XCTAssertThrowsError(try MNIST(directory: TestPaths.fixture("idx/badsum")).load(.test)) { error in
            guard case DatasetError.checksumMismatch(let file, let expected, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("t10k-images-idx3-ubyte.gz"))
            XCTAssertEqual(expected, String(repeating: "0", count: 64))
        }
    }

    func testMissingFolderIsReported() {
        XCTAssertThrowsError(try MNIST(directory: TestPaths.fixture("idx/nowhere")).load(.test)) { error in
            guard case DatasetError.missing = error else { return XCTFail("\(error)") }
        }
    }

    func testMissingSumIsAnError() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(
                atPath: TestPaths.fixture("idx/good/" + name), toPath: dir.appendingPathComponent(name).path)
        }
        try "abc  other-file.gz\n".write(to: dir.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MNIST(directory: dir.path).load(.test)) { error in
            XCTAssertTrue("\(error)".contains("no SHA-256 sum listed for t10k-images-idx3-ubyte.gz"), "\(error)")
        }
    }
}
