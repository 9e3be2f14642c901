import Foundation
import TestSupport
import XCTest

/// `prop1` and `figure2` end to end: the numbers they print obey the theory.
final class PaperOneFigureTests: XCTestCase {
    func testProp1OrdersTheBounds() throws {
        let out = try TestPaths.temporaryDirectory().path
        let r = try ExperimentsBinary.run(["prop1", "--sizes", "2,4,6", "--trials", "2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOfFile: out + "/prop1.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n").dropFirst()
        XCTAssertEqual(lines.count, 6)
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let lp = try XCTUnwrap(Double(f[3])), sdp = try XCTUnwrap(Double(f[4])), exact = try XCTUnwrap(Double(f[5]))
            let half = try XCTUnwrap(Double(f[6]))
            // Both relaxations bound the true maximum; the LP is at least md/2 (Prop. 1's proof).
            XCTAssertLessThanOrEqual(exact, sdp + 1e-6, String(line))
            XCTAssertLessThanOrEqual(exact, lp + 1e-9, String(line))
            XCTAssertGreaterThanOrEqual(lp, half - 1e-9, String(line))
        }
        for file in ["prop1.md", "prop1.svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file) }
    }

    func testFigure2GivesTheKnownOptima() throws {
        let out = try TestPaths.temporaryDirectory().path
        let r = try ExperimentsBinary.run(["figure2", "--directions", "24", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        // "max z₁ + z₂ over the box ±1: true 2.000000, SDP 2.414214 (1+√2 = 2.414214), LP 3.000000"
        func value(after key: String) throws -> Double {
            let range = try XCTUnwrap(r.stdout.range(of: key), "no '\(key)' in \(r.stdout)")
            let text = r.stdout[range.upperBound...].prefix { "0123456789.-".contains($0) }
            return try XCTUnwrap(Double(text), "no number after '\(key)'")
        }
        let (truth, sdp, lp) = (try value(after: "true "), try value(after: "SDP "), try value(after: "LP "))
        XCTAssertEqual(truth, 2, accuracy: 1e-12)
        XCTAssertEqual(sdp, 1 + 2.0.squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(lp, 3, accuracy: 1e-6)
        let svg = try String(contentsOfFile: out + "/figure2.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("SDP relaxation") && svg.contains("<polygon"), "figure has no SDP polygon")
    }
}
