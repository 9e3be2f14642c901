import XCTest
@testable import Experiments

/// `experiments.rank1` and `experiments.attack-gap`: defaults, overrides and errors naming line and key.
final class PaperTwoConfigTests: XCTestCase {
    func testDefaultsAndOverrides() throws {
        let empty = try ExperimentsConfig.parse("", path: "f.yaml")
        XCTAssertEqual(empty.rank1.series.map(\.label), [
            "dense-3, k = 1 (IPM)", "dense-3, k = 2 (IPM)", "dense-3, k = 3 (IPM)", "CNN, k = 1 (BM2)", "CNN, k = 2 (BM2)",
        ])
        XCTAssertEqual(empty.rank1.instances, 10)
        XCTAssertEqual(empty.attackGap.network, "dense-1")
        XCTAssertNil(empty.attackGap.target)
        let text = """
            networks:
              - {name: a, file: a.h5}
            experiments:
              rank1:
                instances: 3
                radii: {from: 0.1, to: 10, count: 3}
                series:
                  - {network: a, layers: 2}
                  - {network: a, layers: 1, solver: bm2, instances: 2}
                  - {network: a, layers: 1, solver: bm2, time-limit: 300}
              attack-gap: {network: a, target: 7, instances: 2, radii: {from: 1, to: 100, count: 5}}
            """
        let c = try ExperimentsConfig.parse(text, path: "f.yaml")
        XCTAssertEqual(c.rank1.instances, 3)
        XCTAssertEqual(c.rank1.radii.values, [0.1, 1, 10])
        XCTAssertEqual(c.rank1.series, [
            .init(network: "a", layers: 2, solver: .csdp), .init(network: "a", layers: 1, solver: .bm2, instances: 2),
            .init(network: "a", layers: 1, solver: .bm2, timeLimit: 300),
        ])
        // The store key: unchanged at the default budget, the time limit appended otherwise.
        XCTAssertEqual(c.rank1.series.map(Rank1Command.options), [
            "layers=2,solver=csdp", "layers=1,solver=bm2", "layers=1,solver=bm2,time-limit=300.0",
        ])
        XCTAssertEqual(Rank1Command.options(.init(network: "a", layers: 1, solver: .bm2, timeLimit: 60)), "layers=1,solver=bm2")
        XCTAssertEqual(c.rank1.series.map(\.label), ["a, k = 2 (CSDP)", "a, k = 1 (BM2)", "a, k = 1 (BM2, 300 s)"])
        XCTAssertEqual(c.attackGap.target, 7)
        XCTAssertEqual(c.attackGap.instances, 2)
        XCTAssertEqual(c.attackGap.radii.values, [1, 3.16228, 10, 31.6228, 100])
        XCTAssertNil(try ExperimentsConfig.parse(
            "networks:\n  - {name: a, file: a.h5}\nexperiments:\n  attack-gap: {network: a, target: runner-up}\n", path: "f.yaml").attackGap.target)
    }

    func testErrorsNameLineAndKey() {
        let head = "networks:\n  - {name: a, file: a.h5}\nexperiments:\n"
        let cases: [(String, String)] = [
            (head + "  rank1: {instances: 0}\n", "f.yaml:4: experiments.rank1.instances must be an integer ≥ 1"),
            (head + "  rank1: {radii: {from: 1, to: 0.1}}\n", "f.yaml:4: experiments.rank1.radii: from must be below to"),
            (head + "  rank1: {radii: {form: 1}}\n", "f.yaml:4: experiments.rank1.radii: unknown key 'form'"),
            (head + "  rank1:\n    series:\n      - {network: a, layers: 1, solver: mosek}\n",
             "f.yaml:6: experiments.rank1.series[0].solver must be csdp, ipm, bm2, got 'mosek'"),
            (head + "  rank1:\n    series:\n      - {network: a}\n", "f.yaml:6: experiments.rank1.series[0]: missing key 'layers'"),
            (head + "  rank1:\n    series:\n      - {network: b, layers: 1}\n", "f.yaml:5: experiments.rank1.series: 'b' is not a network of this file"),
            (head + "  rank1: {series: []}\n", "f.yaml:4: experiments.rank1.series must be a non-empty list"),
            (head + "  rank1:\n    series:\n      - {network: a, layers: 1, solver: ipm, time-limit: 30}\n",
             "f.yaml:6: experiments.rank1.series[0].time-limit applies to solver bm2 only (the series' solver is ipm)"),
            (head + "  rank1:\n    series:\n      - {network: a, layers: 1, solver: bm2, time-limit: 0}\n",
             "f.yaml:6: experiments.rank1.series[0].time-limit must be"),
            (head + "  attack-gap: {network: zz}\n", "f.yaml:4: experiments.attack-gap.network: 'zz' is not a network of this file"),
            (head + "  attack-gap: {network: a, target: -1}\n", "f.yaml:4: experiments.attack-gap.target must be an integer ≥ 0"),
            (head + "  attack-gap: {network: a, radius: 3}\n", "f.yaml:4: experiments.attack-gap: unknown key 'radius'"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ExperimentsConfig.parse(text, path: "f.yaml"), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "got '\(error)', expected '\(message)'")
            }
        }
    }
}
