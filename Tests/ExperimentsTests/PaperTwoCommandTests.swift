import Foundation
import LinearAlgebra
import Networks
import TestSupport
import XCTest

/// `experiments rank1` and `experiments attack-gap` end to end on a tiny 7 × 7-input network:
/// outputs, Corollary 2.3 (a radius beyond ‖f(x̂) − ẑ‖ is always rank 1), X ⪰ xxᵀ (the relaxation's
/// distance is never below its x's actual distance), tight rows agree with the nonconvex problem,
/// and a second run resumes from the store without solving again.
final class PaperTwoCommandTests: XCTestCase {
    /// A random 49-5-4-10 network and a configuration naming it.
    func makeConfig(_ experiments: String) throws -> (dir: URL, config: String) {
        let dir = try TestPaths.temporaryDirectory()
        var rng = SplitMix64(seed: 11)
        let sizes = [49, 5, 4, 10]
        var layers: [DenseLayer<Double>] = []
        for k in 1..<sizes.count {
            let w = try Matrix(rows: sizes[k], columns: sizes[k - 1], elements: (0..<(sizes[k] * sizes[k - 1])).map { _ in rng.normal() / 3 })
            layers.append(try DenseLayer(weight: w, bias: (0..<sizes[k]).map { _ in 0.2 * rng.normal() }))
        }
        let file = dir.appendingPathComponent("tiny7.h5").path
        try ReLUNetwork(name: "tiny7", inputShape: [7, 7], layers: layers).write(to: file)
        let config = dir.appendingPathComponent("experiments.yaml").path
        try "networks:\n  - {name: tiny7, file: \(file)}\nexperiments:\n\(experiments)".write(toFile: config, atomically: true, encoding: .utf8)
        return (dir, config)
    }

    func csvRows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    func testRank1CountsTightSolvesAndResumes() throws {
        let (dir, config) = try makeConfig("""
              rank1:
                instances: 2
                radii: {from: 0.01, to: 1000, count: 3}
                series:
                  - {network: tiny7, layers: 1}
                  - {network: tiny7, layers: 2}
            """)
        let out = dir.appendingPathComponent("out").path
        let first = try ExperimentsBinary.run(["rank1", "--config", config, "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("6 to run"), first.stderr)
        for file in ["rank1.csv", "rank1.md", "rank1.svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file) }
        let rows = try csvRows(out + "/rank1.csv")
        XCTAssertEqual(rows.count, 6)
        for row in rows {
            XCTAssertEqual(row["instances"], "2")
            // ρ = 1000 is far beyond ‖f(x̂) − ẑ‖ here: Corollary 2.3 says rank 1, L = 0.
            if row["rho"] == "1000.0" { XCTAssertEqual(row["fraction"], "1.0", "\(row)") }
        }
        let second = try ExperimentsBinary.run(["rank1", "--config", config, "--out", out])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("to run"), "a finished run must not solve again: \(second.stderr)")
        XCTAssertEqual(try String(contentsOfFile: out + "/rank1.csv", encoding: .utf8).split(separator: "\n").count, 7)
        let more = try ExperimentsBinary.run(["rank1", "--config", config, "--out", out, "--instances", "3"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains("6 of 9 solves in the store, 3 to run"), more.stderr)
    }

    func testAttackGapRowsObeyTheRelaxation() throws {
        let (dir, config) = try makeConfig("  attack-gap: {network: tiny7, instances: 2, radii: {from: 0.01, to: 1000, count: 6}}\n")
        let out = dir.appendingPathComponent("out").path
        let r = try ExperimentsBinary.run(["attack-gap", "--config", config, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        for file in ["attack-gap.csv", "attack-gap.md", "attack-gap-5b.svg", "attack-gap-5c.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let rows = try csvRows(out + "/attack-gap.csv")
        XCTAssertEqual(rows.count, 12)
        var tight = 0
        for row in rows where row["kind"] != "infeasible" {
            let relaxation = try XCTUnwrap(Double(row["relaxation_distance"]!)), actual = try XCTUnwrap(Double(row["actual_distance"]!))
            // X ⪰ xxᵀ: tr X − 2⟨x, x̂⟩ + ‖x̂‖² ≥ ‖x − x̂‖².
            XCTAssertGreaterThanOrEqual(relaxation, actual - 1e-5, "\(row)")
            if row["kind"] == "tight" {
                tight += 1
                XCTAssertEqual(relaxation, actual, accuracy: 1e-3 * max(1, actual), "\(row)")
                XCTAssertEqual(try XCTUnwrap(Double(row["predicted"]!)), try XCTUnwrap(Double(row["actual"]!)), accuracy: 1e-3, "\(row)")
            }
        }
        XCTAssertGreaterThan(tight, 0, "ρ → ∞ is tight (problem (A) in the limit)")
    }

    /// `bench-rank1`: CSDP and the structured interior point on the same instances agree, and a
    /// bad solver name is rejected with the known ones named.
    func testBenchRank1ComparesTheInteriorPoints() throws {
        let (_, config) = try makeConfig("  rank1: {series: [{network: tiny7, layers: 1}]}\n")
        let r = try ExperimentsBinary.run([
            "bench-rank1", "--config", config, "--network", "tiny7", "--layers", "1", "2", "--instances", "2",
            "--solvers", "csdp", "ipm",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }
        XCTAssertEqual(lines.filter { $0.contains("csdp") }.count, 4, r.stdout)
        XCTAssertEqual(lines.filter { $0.contains("ipm") }.count, 4, r.stdout)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("largest relative difference") })
        let worst = try XCTUnwrap(Double(line.split(separator: " ").first { Double($0) != nil }.map(String.init) ?? ""))
        XCTAssertLessThan(worst, 1e-5, String(line))
        let bad = try ExperimentsBinary.run(["bench-rank1", "--config", config, "--network", "tiny7", "--solvers", "mosek"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown solver 'mosek'"), bad.stderr)
        // --first picks the instances; BM2 with and without its one-layer preconditioner.
        for plain in [false, true] {
            let one = try ExperimentsBinary.run([
                "bench-rank1", "--config", config, "--network", "tiny7", "--layers", "1", "--first", "3", "--instances", "1",
                "--solvers", "bm2",
            ] + (plain ? ["--bm2-plain-lbfgs", "--bm2-lanczos-steps", "20"] : []))
            XCTAssertEqual(one.status, 0, one.stderr)
            let rows = one.stdout.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count > 2 && $0[2] == "bm2" }
            XCTAssertEqual(rows.map { String($0[1]) }, ["3"], one.stdout)
        }
        let zero = try ExperimentsBinary.run(["bench-rank1", "--config", config, "--network", "tiny7", "--first", "0"])
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.stderr.contains("--first must be positive"), zero.stderr)
        let noSteps = try ExperimentsBinary.run(["bench-rank1", "--config", config, "--network", "tiny7", "--bm2-lanczos-steps", "0"])
        XCTAssertNotEqual(noSteps.status, 0)
        XCTAssertTrue(noSteps.stderr.contains("--bm2-lanczos-steps must be positive, got 0"), noSteps.stderr)
    }
}
