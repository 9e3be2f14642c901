import XCTest
@testable import LinearAlgebra

final class LanczosTests: XCTestCase {
    /// Full-dimension Lanczos with re-orthogonalisation recovers LAPACK's largest eigenpair.
    func testMatchesLAPACKOnARandomSymmetricMatrix() throws {
        var rng = SplitMix64(seed: 31)
        let n = 40
        var a = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n {
            for j in i..<n {
                let v = 2 * rng.unitInterval() - 1
                a[i, j] = v
                a[j, i] = v
            }
        }
        let exact = try a.symmetricEigen(.largest)
        let start = (0..<n).map { _ in rng.unitInterval() }
        let estimate = try lanczosLargest(dimension: n, steps: n, start: start) { (try? a.apply($0)) ?? $0 }
        XCTAssertEqual(estimate.value, exact.values[0], accuracy: 1e-9)
        // The Ritz vector is an eigenvector: ‖A v − θ v‖ small, ‖v‖ = 1.
        let av = try a.apply(estimate.vector)
        let residual = zip(av, estimate.vector).map { $0 - estimate.value * $1 }.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(residual, 1e-6)
        XCTAssertEqual(estimate.vector.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9)
        // Fewer steps give a lower estimate (a Ritz value never exceeds λ_max).
        let short = try lanczosLargest(dimension: n, steps: 5, start: start) { (try? a.apply($0)) ?? $0 }
        XCTAssertLessThanOrEqual(short.value, exact.values[0] + 1e-12)
    }

    func testEvenChunksCoverTheRangeOnce() throws {
        XCTAssertEqual(evenChunks(10, parts: 3), [0..<3, 3..<6, 6..<10])
        XCTAssertEqual(evenChunks(2, parts: 5), [0..<1, 1..<2])
        XCTAssertEqual(evenChunks(0, parts: 2), [])
        let squares = try parallelResults(4) { $0 * $0 }
        XCTAssertEqual(squares, [0, 1, 4, 9])
        struct Boom: Error {}
        XCTAssertThrowsError(try parallelResults(3) { i -> Int in if i == 1 { throw Boom() }; return i })
    }
}
