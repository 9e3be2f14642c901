import Foundation
import TestSupport
import XCTest
@testable import Experiments

/// `experiments table1` end to end on a tiny configuration (mnist_2_20, ε = 0.02, a few points):
/// outputs, soundness across rows, resume, shards + merge, and Ctrl-C.
final class Table1CommandTests: XCTestCase {
    /// A configuration with mnist_2_20 and a network whose file is missing.
    func makeConfig(points: Int, sdpIterations: Int, methods: String = "[pgd, sdp, lp, interval]", eps: Double = 0.02) throws -> (dir: URL, config: String) {
        let dir = try TestPaths.temporaryDirectory()
        let network = TestPaths.inRepository("networks/eran/mnist_2_20.h5")
        let text = """
            networks:
              - {name: small, file: \(network)}
              - {name: ghost, file: nothere.h5}
            experiments:
              table1: {eps: \(eps), points: \(points), methods: \(methods), attack: {restarts: 2}, sdp: {iterations: \(sdpIterations)}}
            """
        let config = dir.appendingPathComponent("experiments.yaml").path
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (dir, config)
    }

    struct Report: Decodable {
        struct Row: Decodable {
            var method: String
            var cells: [Cell]
        }
        struct Cell: Decodable {
            var network: String
            var not_certified: Double?
            var done: Int
            var total: Int
            var note: String?
        }
        var rows: [Row]
    }

    func report(_ dir: URL) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: dir.appendingPathComponent("table1.json")))
    }

    func testTinyTableIsSoundAndResumes() throws {
        let (dir, config) = try makeConfig(points: 5, sdpIterations: 60)
        let out = dir.appendingPathComponent("out").path
        let first = try ExperimentsBinary.run(["table1", "--config", config, "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("| PGD-attack |"), first.stdout)
        XCTAssertTrue(first.stdout.contains("missing [1]"), first.stdout)
        for ext in ["md", "csv", "json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/table1." + ext), ext)
        }
        let r = try report(URL(fileURLWithPath: out))
        XCTAssertEqual(r.rows.map(\.method), ["pgd", "sdp", "lp", "interval"])
        for row in r.rows {
            XCTAssertEqual(row.cells[0].done, 5, row.method)
            XCTAssertNil(row.cells[1].not_certified)
        }
        // Soundness across rows, point by point: nothing PGD breaks is certified, and LP is at
        // least as tight as interval.
        let store = try ResultStore(path: out + "/store.sqlite")
        let rows = try store.allRows()
        let attacked = Set(rows.filter { $0.method == "pgd" && !$0.certified }.map(\.point))
        XCTAssertEqual(rows.count, 20)
        for row in rows where row.method != "pgd" && row.certified {
            XCTAssertFalse(attacked.contains(row.point), "\(row.method) certified point \(row.point) that PGD breaks")
        }
        let lp = Dictionary(uniqueKeysWithValues: rows.filter { $0.method == "lp" }.map { ($0.point, $0.value) })
        for row in rows where row.method == "interval" {
            XCTAssertGreaterThanOrEqual(row.value, lp[row.point]! - 1e-9)
        }
        for row in rows where row.method == "sdp" && attacked.contains(row.point) {
            XCTAssertTrue(row.status.hasPrefix("skipped"), row.status)
        }
        // A second run computes nothing (no progress lines) and renders the same table.
        let second = try ExperimentsBinary.run(["table1", "--config", config, "--out", out])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("/5"), second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)
        XCTAssertEqual(try store.allRows().map { "\($0)" }, rows.map { "\($0)" })
    }

    func testFigure3SplitsPGDMarginsBySDPCertification() throws {
        let (dir, config) = try makeConfig(points: 6, sdpIterations: 60)
        let out = dir.appendingPathComponent("out").path
        let r = try ExperimentsBinary.run(["figure3", "--config", config, "--network", "small", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("mean margin: SDP-certified"), r.stdout)
        let csv = try String(contentsOfFile: out + "/figure3.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let store = try ResultStore(path: out + "/store.sqlite")
        let robust = try store.allRows().filter { $0.method == "pgd" && $0.certified }
        XCTAssertEqual(csv.count, robust.count, "one CSV line per point PGD does not break")
        for line in csv {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertGreaterThan(try XCTUnwrap(Double(f[2])), 0, "a robust point has a positive PGD margin")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/figure3.svg"))
        let missing = try ExperimentsBinary.run(["figure3", "--config", config, "--network", "ghost", "--out", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("ghost"), missing.stderr)
    }

    /// `experiments ablation` on dense-1 (7 × 7 inputs, so the interior point takes a fraction of
    /// a second): PGD, the full SDP and the SDP without hidden-layer boxes on the same points; the
    /// ablation certifies no point PGD breaks, its CSV bound is negative exactly where it certifies,
    /// and a second run computes nothing.
    func testAblationRunsBesideTheFullSDP() throws {
        let dir = try TestPaths.temporaryDirectory()
        let network = TestPaths.inRepository("networks/paper2/dense-1.h5")
        let config = dir.appendingPathComponent("experiments.yaml").path
        try """
            networks:
              - {name: dense-1, file: \(network)}
            experiments:
              table1: {eps: 0.02, points: 4, attack: {restarts: 2}, sdp: {iterations: 300}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        let first = try ExperimentsBinary.run(["ablation", "--config", config, "--network", "dense-1", "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("| SDP-cert without hidden-layer boxes |"), first.stdout)
        let csv = try String(contentsOfFile: out + "/ablation.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(csv.count, 4)
        for line in csv {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(f.count, 6, String(line))
            if f[2] == "false" { XCTAssertEqual(f[4], "false", "PGD breaks point \(f[0]) but the ablation certifies it") }
            if f[4] == "true" { XCTAssertLessThan(try XCTUnwrap(Double(f[5])), 0, String(line)) }
            if f[4] == "false", f[2] == "true" { XCTAssertGreaterThanOrEqual(try XCTUnwrap(Double(f[5])), 0, String(line)) }
        }
        let rows = try ResultStore(path: out + "/store.sqlite").allRows()
        XCTAssertEqual(Set(rows.map(\.method)), ["pgd", "sdp", "sdp-ablation"])
        let second = try ExperimentsBinary.run(["ablation", "--config", config, "--network", "dense-1", "--out", out])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("/4"), second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)
        let missing = try ExperimentsBinary.run(["ablation", "--config", config, "--network", "ghost", "--out", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no network 'ghost'"), missing.stderr)
    }

    /// Turning SDP-cert's extension on reuses the rows a run without it certified or skipped
    /// (marked "reused") and recomputes only the points it left uncertified.
    func testExtensionReusesCertifiedRows() throws {
        let (dir, config) = try makeConfig(points: 4, sdpIterations: 40, methods: "[pgd, sdp]")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "sdp: {iterations: 40}", with: "sdp: {iterations: 40, extend-iterations: 0}")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        let first = try ExperimentsBinary.run(["table1", "--config", config, "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        try text.replacingOccurrences(of: "sdp: {iterations: 40}", with: "sdp: {iterations: 40, extend-iterations: 60}")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let second = try ExperimentsBinary.run(["table1", "--config", config, "--out", out])
        XCTAssertEqual(second.status, 0, second.stderr)
        let rows = try ResultStore(path: out + "/store.sqlite").allRows().filter { $0.method == "sdp" && $0.network == "small" }
        let before = rows.filter { !$0.options.contains("extend=") }, after = rows.filter { $0.options.hasSuffix(",extend=60@2.0") }
        XCTAssertEqual(before.count, 4)
        XCTAssertEqual(after.count, 4)
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.point, $0) })
        for row in after {
            let previous = try XCTUnwrap(old[row.point])
            if previous.certified {
                XCTAssertTrue(row.certified)
                XCTAssertTrue(row.status.contains("reused"), row.status)
                XCTAssertEqual(row.value, previous.value)
            } else if previous.status.hasPrefix("skipped") {
                XCTAssertEqual(row.status, previous.status)
            } else {
                XCTAssertFalse(row.status.contains("reused"), row.status)
            }
        }
        XCTAssertTrue(before.contains { $0.certified }, "the fixture should certify some point at ε = 0.02")
    }

    func testShardsMergeIntoTheWholeTable() throws {
        let (dir, config) = try makeConfig(points: 6, sdpIterations: 20, methods: "[pgd, lp]")
        let whole = dir.appendingPathComponent("whole").path
        XCTAssertEqual(try ExperimentsBinary.run(["table1", "--config", config, "--out", whole]).status, 0)
        let parts = dir.appendingPathComponent("parts").path
        for k in 1...2 {
            let r = try ExperimentsBinary.run([
                "table1", "--config", config, "--out", parts, "--shard", "\(k)/2", "--store", "\(parts)/s\(k).sqlite",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let half = try ExperimentsBinary.run(["table1", "--config", config, "--out", parts, "--store", "\(parts)/s1.sqlite", "--render-only"])
        XCTAssertTrue(half.stdout.contains("(3/6 done)"), half.stdout)
        let merged = "\(parts)/merged.sqlite"
        let m = try ExperimentsBinary.run(["merge", "\(parts)/s1.sqlite", "\(parts)/s2.sqlite", "--into", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        let rendered = try ExperimentsBinary.run(["table1", "--config", config, "--out", parts, "--store", merged, "--render-only"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        // PGD runs batched over the points of a run, so a shard's margins may differ from the whole
        // run's in the last bits (another batch, another BLAS blocking): values agree to 1e-9.
        func rows(_ path: String) throws -> [(key: String, value: Double)] {
            try ResultStore(path: path).allRows()
                .map { (key: "\($0.method) \($0.point) \($0.certified)", value: $0.value) }
                .sorted { $0.key < $1.key }
        }
        let a = try rows(merged), b = try rows(whole + "/store.sqlite")
        XCTAssertEqual(a.map(\.key), b.map(\.key))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.value, y.value, accuracy: 1e-9 * max(1, abs(y.value)), x.key) }
        XCTAssertEqual(try report(URL(fileURLWithPath: parts)).rows.map { $0.cells[0].not_certified },
                       try report(URL(fileURLWithPath: whole)).rows.map { $0.cells[0].not_certified })
        // The merged store keeps both shards' run records (each wrote 3 points × 2 methods);
        // merging again adds none.
        let runs = try ResultStore(path: merged).runs(experiment: "table1")
        XCTAssertEqual(runs.map(\.rows), [6, 6])
        XCTAssertEqual(try ExperimentsBinary.run(["merge", "\(parts)/s1.sqlite", "--into", merged]).status, 0)
        XCTAssertEqual(try ResultStore(path: merged).runs(experiment: "table1").count, 2)
    }

    func testCtrlCStopsCleanlyAndTheRunResumes() throws {
        // 30 points at ε = 0.03: each SDP point takes a fraction of a second or more, so when the
        // first one is stored most are still to do.
        let (dir, config) = try makeConfig(points: 30, sdpIterations: 300, methods: "[pgd, sdp]", eps: 0.03)
        let out = dir.appendingPathComponent("out").path
        let binary = TestPaths.products.appendingPathComponent("experiments")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("experiments binary not built") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["table1", "--config", config, "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt as soon as the first SDP point is stored (the others are still to do).
        let storePath = out + "/store.sqlite"
        let started = Date()
        while process.isRunning, Date().timeIntervalSince(started) < 120 {
            Thread.sleep(forTimeInterval: 0.05)
            guard FileManager.default.fileExists(atPath: storePath),
                  let rows = try? ResultStore(path: storePath).allRows() else { continue }
            if rows.contains(where: { $0.method == "sdp" && !$0.status.hasPrefix("skipped") }) { break }
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let store = try ResultStore(path: out + "/store.sqlite")
        let before = try store.allRows().filter { $0.method == "sdp" }.count
        XCTAssertEqual(try store.allRows().filter { $0.method == "pgd" }.count, 30)
        XCTAssertLessThan(before, 30, "the run finished before Ctrl-C; the test needs a slower configuration")
        let resumed = try ExperimentsBinary.run(["table1", "--config", config, "--out", out])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try store.allRows().filter { $0.method == "sdp" }.count, 30)
        // Only the missing points were computed.
        XCTAssertTrue(resumed.stderr.contains("small sdp: \(30 - before)/\(30 - before)"), resumed.stderr)
        // Each process left a run record: the interrupted one counted the rows it committed (30
        // PGD rows and the SDP rows before Ctrl-C), the resumed one the rest; the rendered table
        // reports both and their total wall-clock.
        let runs = try store.runs(experiment: "table1")
        XCTAssertEqual(runs.map(\.status), ["interrupted", "finished"])
        XCTAssertEqual(runs.map(\.rows), [30 + before, 30 - before])
        XCTAssertTrue(runs.allSatisfy { $0.seconds > 0 && $0.command.contains("table1") })
        XCTAssertTrue(resumed.stdout.contains("Wall-clock of the 2 table1 run(s)"), resumed.stdout)
    }
}
