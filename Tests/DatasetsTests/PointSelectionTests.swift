import LinearAlgebra
import TestSupport
import XCTest
@testable import Datasets

/// Seeded selection against scripts/sample_points.py (Tests/Fixtures/make_sampling_fixture.py).
final class PointSelectionTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let size: Int
            let count: Int
            let seed: UInt64
            let indices: [Int]
        }
        let splitmix64_seed0_first5: [UInt64]
        let cases: [Case]
    }

    func testMatchesPythonReference() throws {
        let fixture = try TestPaths.json(Fixture.self, fixture: "sampling.json")
        var g = SplitMix64(seed: 0)
        XCTAssertEqual((0..<5).map { _ in g.next() }, fixture.splitmix64_seed0_first5)
        for c in fixture.cases {
            let indices = try PointSelection.random(count: c.count, seed: c.seed).resolve(size: c.size)
            XCTAssertEqual(indices, c.indices, "size \(c.size) count \(c.count) seed \(c.seed)")
            XCTAssertEqual(Set(indices).count, c.count)
        }
    }

    func testParsesIndexLists() throws {
        XCTAssertEqual(try PointSelection.parseIndices("0-3"), .indices([0, 1, 2, 3]))
        XCTAssertEqual(try PointSelection.parseIndices("3,17,42"), .indices([3, 17, 42]))
        XCTAssertEqual(try PointSelection.parseIndices("0-1, 100-101"), .indices([0, 1, 100, 101]))
        for bad in ["", "a", "5-2", "1-", "-3", "1,,2", "1-2-3"] {
            XCTAssertThrowsError(try PointSelection.parseIndices(bad), bad)
        }
    }

    func testResolveChecksRanges() throws {
        XCTAssertEqual(try PointSelection.all.resolve(size: 3), [0, 1, 2])
        XCTAssertThrowsError(try PointSelection.indices([0, 10]).resolve(size: 10)) { error in
            XCTAssertEqual("\(error)", "index 10 is outside the split (0-9)")
        }
        XCTAssertThrowsError(try PointSelection.random(count: 11, seed: 0).resolve(size: 10))
    }

    func testUniformStaysInRange() {
        var g = SplitMix64(seed: 5)
        for n in [1, 2, 3, 7, 1000] {
            for _ in 0..<200 { XCTAssert((0..<n).contains(g.uniform(below: n))) }
        }
    }
}
