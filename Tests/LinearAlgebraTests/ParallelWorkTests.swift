import Foundation
import XCTest
@testable import LinearAlgebra

/// `parallelResults(_:threads:_:)`: results in order whatever the thread count, every piece run
/// exactly once, errors rethrown.
final class ParallelWorkTests: XCTestCase {
    struct Failure: Error, Equatable { let index: Int }

    func testResultsInOrderForEveryThreadCount() throws {
        for threads in [1, 2, 3, 16] {
            let counter = Counter()
            let results = try parallelResults(9, threads: threads) { i -> Int in
                counter.add()
                return i * i
            }
            XCTAssertEqual(results, (0..<9).map { $0 * $0 }, "threads \(threads)")
            XCTAssertEqual(counter.value, 9, "threads \(threads)")
        }
        XCTAssertEqual(try parallelResults(0, threads: 2) { $0 }, [])
    }

    func testErrorIsRethrown() {
        XCTAssertThrowsError(try parallelResults(5, threads: 2) { i -> Int in
            if i == 3 { throw Failure(index: i) }
            return i
        }) { error in XCTAssertEqual(error as? Failure, Failure(index: 3)) }
    }

    final class Counter: @unchecked Sendable {
        private var count = 0
        private let lock = NSLock()
        func add() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }
}
